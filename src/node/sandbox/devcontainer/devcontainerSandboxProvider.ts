// The dev container sandbox: an agent's tools run in the repository's dev container, started by
// `@devcontainers/cli` on one of the session's repositories (its own, a clean room, a child: never the
// person's checkout). `bash` is a persistent shell through `devcontainer exec`; the file tools run in a tool
// server inside the host's OS sandbox, confined to the mounted folder (confinedFileTools.ts), or, where no OS
// sandbox works, on the host confined by path. Each repository gets its own containers. Containers are found
// again by their labels, so a woken session gets its container back, or an identical one made from the
// configuration saved when the session first opened it.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { AgentOsError } from '../../../core/errors.ts';
import type { Sandbox, SandboxAccess, SandboxProvider, SandboxRequest } from '../../../core/sandbox/sandbox.ts';
import { BashSession, killProcessGroup } from '../../tools/bashSession.ts';
import { createFileTools } from '../../tools/fileTools.ts';
import { createToolSandbox } from '../toolSandbox.ts';
import { scrubbedEnv } from '../scrubbedEnv.ts';
import {
  configImage,
  DEFAULT_CONFIG_PATHS,
  findDevcontainerConfig,
  hardenConfig,
  readDevcontainerJson,
  type DevcontainerJson,
} from './devcontainerConfig.ts';
import { DevcontainerCli, DevcontainerUpError } from './devcontainerCli.ts';
import { DockerCli, engineError, firstLine, SESSION_LABEL } from './dockerCli.ts';
import type { DisposableFileTools, FileToolsRequest } from './confinedFileTools.ts';
import { inspectWorktreeGit, prepareGitMounts } from './gitMounts.ts';

/** Where a container's files are: the provider never makes repositories itself (sessionRepository.ts does,
 * on the host, before a sandbox opens), it only mounts them. */
export interface SessionWorktrees {
  /** The folder of a session (or of a clean room or child, by their names), already made. */
  ensureWorktree(sessionId: string): Promise<{ worktree: string }>;
  /** Removes that folder, when the provider owns it. */
  removeSession?(sessionId: string): Promise<void>;
}

export interface DevcontainerSandboxProviderOptions {
  worktrees: SessionWorktrees;
  /** Agent OS's own folder for this provider: saved configurations, the CLI's data, start-up logs. */
  stateDir: string;
  /** A configuration named in settings instead of the standard places: relative to the repository root, or absolute. */
  configPath?: string;
  dockerPath?: string;
  cliPath?: string;
  nodePath?: string;
  /** Where DOCKER_HOST and PATH are read from; default this process' environment. */
  parentEnv?: NodeJS.ProcessEnv;
  bashTimeoutMs?: number;
  /** Object stores a session's repository borrows through git alternates (absolute host paths): mounted
   * read-only at the same paths, so git inside the container finds every object. */
  borrowedObjects?: (sessionId: string) => Promise<string[]>;
  /** The file tools of each sandbox, run confined (toolServerFileTools); when omitted they run on the host
   * over the mounted folder, confined by path only. */
  fileTools?: (request: FileToolsRequest) => DisposableFileTools | Promise<DisposableFileTools>;
}

const ENGINE_VARIABLES = ['DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_CONFIG', 'DOCKER_CERT_PATH', 'DOCKER_TLS_VERIFY', 'DOCKER_API_VERSION'];

/** Names the provider's storage, so that pruning in one workspace never touches another workspace's
 * containers on the same engine, and equal session ids in two workspaces never share a container. */
export const STORE_LABEL = 'agent-os.store';

export function storeId(stateDir: string): string {
  return createHash('sha256').update(path.resolve(stateDir)).digest('hex').slice(0, 16);
}

/** The labels that identify one container: a session has one per access mode and network setting, since a
 * container's mounts and network are fixed when it is made. */
export function containerIdLabels(store: string, sessionId: string, access: SandboxAccess, network: boolean): Record<string, string> {
  return { [STORE_LABEL]: store, [SESSION_LABEL]: sessionId, 'agent-os.access': access, 'agent-os.network': network ? 'on' : 'off' };
}

interface SavedConfig {
  sourceConfigFile: string;
  overrideConfigFile: string;
  image?: string;
  dropped: string[];
}

/** A sandbox whose shell runs in a container; `containerId` names the container serving it. */
export interface DevcontainerSandbox extends Sandbox {
  readonly containerId: string;
  /** The worktree's path inside the container. */
  readonly remoteWorkspaceFolder: string;
}

/** The shell half: `devcontainer exec` started shells, killed inside the container too, since ending the
 * local `devcontainer exec` does not end what it started there (the engine keeps exec'd processes). */
class ContainerShells {
  private readonly pidFiles = new WeakMap<ChildProcessWithoutNullStreams, string>();
  private readonly pendingKills = new Set<Promise<unknown>>();

  constructor(
    private readonly containerId: string,
    private readonly docker: DockerCli,
    private readonly startShell: (pidFile: string) => ChildProcessWithoutNullStreams,
    /** Pid files of this process' shells in the container, shared by every sandbox on it: what is not in
     * it belongs to a harness that died (see killStrayShells). */
    private readonly live: Set<string>,
  ) {}

  /** A shell ended (by itself or killed after it stopped answering): the container may have been stopped
   * (a reboot, `docker stop`), so it is checked before the next shell starts. Rare, so the check is cheap. */
  private shellEnded = false;

  spawn(): ChildProcessWithoutNullStreams {
    const pidFile = `/tmp/.agent-os-shell-${randomUUID()}`;
    this.live.add(pidFile);
    const proc = this.startShell(pidFile);
    this.pidFiles.set(proc, pidFile);
    proc.once('close', () => {
      this.shellEnded = true;
    });
    return proc;
  }

  /** Before a shell starts after one died: starts the container again if it was stopped. */
  async revive(): Promise<void> {
    if (!this.shellEnded) return;
    this.shellEnded = false;
    const state = await this.docker.run(['inspect', '--format', '{{.State.Running}}', this.containerId]);
    if (state.code === 0 && state.stdout.trim() === 'false') await this.docker.run(['start', this.containerId]);
  }

  kill(proc: ChildProcessWithoutNullStreams): void {
    this.shellEnded = true;
    killProcessGroup(proc);
    const pidFile = this.pidFiles.get(proc);
    if (!pidFile) return;
    this.live.delete(pidFile);
    const kill = this.docker
      .run(['exec', '-u', 'root', this.containerId, 'sh', '-c', `p=$(cat ${pidFile} 2>/dev/null) && kill -s KILL -- -"$p" 2>/dev/null; rm -f ${pidFile}`], 30_000)
      .catch(() => undefined);
    this.pendingKills.add(kill);
    void kill.finally(() => this.pendingKills.delete(kill));
  }

  /** Waits for the in-container kills still under way. */
  async settled(): Promise<void> {
    await Promise.all([...this.pendingKills]);
  }
}

/** The environment of docker and the dev container CLI: the engine's variables and a few harmless ones.
 * The CLI expands `${localEnv:…}` in the configuration from it, so nothing secret may be in it. */
export function engineEnv(parent: NodeJS.ProcessEnv): Record<string, string> {
  const engine: Record<string, string> = {};
  for (const name of ENGINE_VARIABLES) if (parent[name]) engine[name] = parent[name] as string;
  return scrubbedEnv({ home: parent.HOME ?? tmpdir(), parent, extra: engine });
}

/** On start-up: removes the containers (and saved configurations) that a storage's sessions left behind
 * when those sessions no longer exist. Needs no provider, so it runs whatever sandbox kind is chosen.
 * Returns the ids of the containers removed; does nothing when Docker does not answer. */
export async function pruneOrphanContainers(
  options: { stateDir: string; dockerPath?: string; parentEnv?: NodeJS.ProcessEnv },
  liveSessionIds: Iterable<string>,
): Promise<string[]> {
  const docker = new DockerCli({ ...(options.dockerPath ? { dockerPath: options.dockerPath } : {}), env: engineEnv(options.parentEnv ?? process.env) });
  const live = new Set(liveSessionIds);
  if (!(await docker.available())) return [];
  const mine = await docker.containersByLabel({ [STORE_LABEL]: storeId(options.stateDir), [SESSION_LABEL]: undefined });
  const orphans = mine.filter((c) => !live.has(owningSession(c.sessionId)));
  await docker.remove(orphans.map((c) => c.id));
  for (const sessionId of new Set(orphans.map((c) => c.sessionId))) {
    await rm(sessionDirOf(options.stateDir, sessionId), { recursive: true, force: true });
  }
  return orphans.map((c) => c.id);
}

/** A session's clean rooms and child repositories run under names derived from its own (sessionRepository.ts:
 * `<id>-clean-<sha12>`, `<id>-child-<key>`). */
export function owningSession(containerSessionId: string): string {
  return /^(.*?)-(clean|child)-/.exec(containerSessionId)?.[1] ?? containerSessionId;
}

/** A clean room is a throw-away copy of one commit, made fresh at every opening, and so is its container. Its
 * folder is writable in the container whoever reads it (a test run writes build output), as under the OS
 * sandbox; only the reading thread's file tools stay read-only. */
export function isCleanRoom(containerSessionId: string): boolean {
  return /-clean-[0-9a-f]{12}$/.test(containerSessionId);
}

/**
 * Stops the running containers of a session, its clean rooms' and children's included, when its run
 * ends: nothing is left running by a session that is not running. The next run starts them again.
 */
export async function stopSessionContainers(
  options: { stateDir: string; dockerPath?: string; parentEnv?: NodeJS.ProcessEnv },
  sessionId: string,
): Promise<string[]> {
  const docker = new DockerCli({ ...(options.dockerPath ? { dockerPath: options.dockerPath } : {}), env: engineEnv(options.parentEnv ?? process.env) });
  if (!(await docker.available())) return [];
  const mine = await docker.containersByLabel({ [STORE_LABEL]: storeId(options.stateDir), [SESSION_LABEL]: undefined });
  const running = mine.filter((c) => c.state === 'running' && owningSession(c.sessionId) === sessionId).map((c) => c.id);
  await docker.stop(running);
  return running;
}

function sessionDirOf(stateDir: string, sessionId: string): string {
  return path.join(stateDir, 'sessions', encodeURIComponent(sessionId));
}

export class DevcontainerSandboxProvider implements SandboxProvider {
  readonly docker: DockerCli;
  private readonly cli: DevcontainerCli;
  private readonly open_ = new Map<string, Set<DevcontainerSandbox>>();
  private readonly liveShells = new Map<string, Set<string>>();
  /** One `devcontainer up` at a time per container identity, so two threads never make two containers. */
  private readonly upQueue = new Map<string, Promise<unknown>>();

  private readonly store: string;

  constructor(private readonly options: DevcontainerSandboxProviderOptions) {
    this.store = storeId(options.stateDir);
    const env = engineEnv(options.parentEnv ?? process.env);
    this.docker = new DockerCli({ ...(options.dockerPath ? { dockerPath: options.dockerPath } : {}), env });
    this.cli = new DevcontainerCli({
      env,
      ...(options.cliPath ? { cliPath: options.cliPath } : {}),
      ...(options.nodePath ? { nodePath: options.nodePath } : {}),
      ...(options.dockerPath ? { dockerPath: options.dockerPath } : {}),
    });
  }

  /** True when a repository (or worktree) at `root` has a dev container configuration. */
  hasConfig(root: string): boolean {
    return findDevcontainerConfig(root, this.options.configPath) !== undefined;
  }

  private sessionDir(sessionId: string): string {
    return sessionDirOf(this.options.stateDir, sessionId);
  }

  async open(request: SandboxRequest): Promise<Sandbox> {
    await this.docker.probe();
    const { worktree } = await this.options.worktrees.ensureWorktree(request.sessionId);
    const variant = `${request.access}-${request.network ? 'net' : 'nonet'}`;
    const previous = this.upQueue.get(`${request.sessionId}/${variant}`) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.start(request, worktree, variant));
    this.upQueue.set(`${request.sessionId}/${variant}`, next);
    return next;
  }

  private async start(request: SandboxRequest, worktree: string, variant: string): Promise<DevcontainerSandbox> {
    const dir = path.join(this.sessionDir(request.sessionId), variant);
    const userDataFolder = path.join(this.options.stateDir, 'cli-data');
    const saved = await this.savedConfig(request, worktree, dir);
    const idLabels = containerIdLabels(this.store, request.sessionId, request.access, request.network);
    const imageMissing = saved.image !== undefined && !(await this.docker.imageExists(saved.image));
    // One pull of our own: when it fails, say so at once rather than after the CLI's five retries.
    if (imageMissing && saved.image) await this.pullOrExplain(saved.image);
    const up_ = async () => {
      try {
        return await this.cli.up({
          workspaceFolder: worktree,
          configFile: saved.sourceConfigFile,
          overrideConfigFile: saved.overrideConfigFile,
          idLabels,
          userDataFolder,
          ...(imageMissing && saved.image ? { image: saved.image } : {}),
        });
      } catch (error) {
        if (error instanceof DevcontainerUpError) await writeFile(path.join(dir, 'up.log'), error.output).catch(() => undefined);
        throw error;
      }
    };
    if (isCleanRoom(request.sessionId)) {
      // A clean room's container is as fresh as its folder: a previous reader could have changed anything in
      // it outside the folder (a planted `npm` that reports passing tests to the runtime's own test run).
      await this.docker.remove((await this.docker.containersByLabel({ [STORE_LABEL]: this.store, [SESSION_LABEL]: request.sessionId })).map((c) => c.id));
    }
    let up = await up_();
    // The folder was made again since this container was started (a repository deleted is re-made from the
    // vault): a running container still has the old one mounted. Only its own agents are misled if the
    // container lies about it.
    if (await this.mountsDeletedFolder(up.containerId)) {
      await this.docker.remove([up.containerId]);
      up = await up_();
    }
    const readOnly = request.access === 'read_only';
    const files: DisposableFileTools = this.options.fileTools
      ? await this.options.fileTools({ sessionId: request.sessionId, threadId: request.threadId, worktree, readOnly, displayRoot: up.remoteWorkspaceFolder })
      : createFileTools({ root: worktree, readOnly, displayRoot: up.remoteWorkspaceFolder });
    const mountedReadOnly = readOnly && !isCleanRoom(request.sessionId);
    const execRequest = {
      containerId: up.containerId,
      workspaceFolder: worktree,
      configFile: saved.sourceConfigFile,
      overrideConfigFile: saved.overrideConfigFile,
      userDataFolder,
    };
    const detail = [
      `dev container ${saved.image ?? '(built from its Dockerfile)'}, container ${up.containerId.slice(0, 12)}`,
      `network ${request.network ? 'on' : 'off'}`,
      mountedReadOnly ? 'files read-only' : 'files writable',
      '.git read-only',
      this.options.fileTools ? 'file tools in the OS sandbox' : 'file tools on the host, confined by path',
      ...(saved.dropped.length ? [`left out of devcontainer.json: ${saved.dropped.join('; ')}`] : []),
    ].join(' · ');
    let live = this.liveShells.get(up.containerId);
    if (!live) this.liveShells.set(up.containerId, (live = new Set()));
    await this.killStrayShells(up.containerId, live);
    const shells = new ContainerShells(
      up.containerId,
      this.docker,
      (pidFile) => this.cli.exec(execRequest, ['sh', '-c', `echo $$ > ${pidFile}; exec bash --noprofile --norc`]),
      live,
    );
    const bash = new BashSession({
      spawn: () => shells.spawn(),
      kill: (proc) => shells.kill(proc),
      ...(this.options.bashTimeoutMs !== undefined ? { defaultTimeoutMs: this.options.bashTimeoutMs } : {}),
    });
    const tools = createToolSandbox({
      info: {
        id: `devcontainer:${request.sessionId}:${variant}`,
        kind: 'devcontainer',
        confined: true,
        detail,
        workdir: worktree,
        access: request.access,
        network: request.network,
      },
      enabledTools: request.enabledTools,
      files,
      bash,
      onDispose: async () => {
        await shells.settled();
        await files.dispose?.();
        this.open_.get(request.sessionId)?.delete(sandbox);
      },
    });
    const sandbox: DevcontainerSandbox = {
      ...tools,
      async runTool(call, runOptions) {
        if (call.name === 'bash') await shells.revive();
        return tools.runTool(call, runOptions);
      },
      containerId: up.containerId,
      remoteWorkspaceFolder: up.remoteWorkspaceFolder,
    };
    let set = this.open_.get(request.sessionId);
    if (!set) this.open_.set(request.sessionId, (set = new Set()));
    set.add(sandbox);
    return sandbox;
  }

  /** A harness that was killed leaves its shells running in the container (the engine keeps exec'd
   * processes when the client goes), and with them whatever they had started: ended here, on re-attach,
   * except the shells this process still uses. */
  private async killStrayShells(containerId: string, live: ReadonlySet<string>): Promise<void> {
    const script =
      'for f in /tmp/.agent-os-shell-*; do [ -e "$f" ] || continue; case " $KEEP " in *" $f "*) continue;; esac; ' +
      'p=$(cat "$f" 2>/dev/null); [ -n "$p" ] && kill -s KILL -- -"$p" 2>/dev/null; rm -f "$f"; done';
    await this.docker.run(['exec', '-u', 'root', '-e', `KEEP=${[...live].join(' ')}`, containerId, 'sh', '-c', script], 30_000);
  }

  /** True when a bind mount of the container shows a folder deleted on the host (`//deleted` in mountinfo). */
  private async mountsDeletedFolder(containerId: string): Promise<boolean> {
    const check = await this.docker.run(['exec', '-u', 'root', containerId, 'sh', '-c', 'grep -c "//deleted " /proc/self/mountinfo || true'], 30_000);
    return check.code === 0 && Number(check.stdout.trim()) > 0;
  }

  private async pullOrExplain(image: string): Promise<void> {
    const pull = await this.docker.run(['pull', image], 10 * 60_000);
    if (pull.code === 0) return;
    throw (
      engineError(pull.stderr, this.docker.env) ??
      new DevcontainerUpError(
        `the dev container image "${image}" cannot be found: it is not on this machine and could not be pulled (${firstLine(pull.stderr)}); pull, load or build it (docker pull ${image}), then resume the session`,
        pull.stderr,
      )
    );
  }

  /** The hardened configuration of this session and variant. The repository's devcontainer.json is read
   * from the worktree once, when the session first opens a dev container, and saved: a woken session (or
   * another thread) gets a container made from the same configuration even if an agent edited the file in
   * the worktree since. The hardened file is derived again from that saved copy on every open. */
  private async savedConfig(request: SandboxRequest, worktree: string, dir: string): Promise<SavedConfig> {
    const sourceFile = path.join(this.sessionDir(request.sessionId), 'source.json');
    let saved: { sourceConfigFile: string; source: DevcontainerJson } | undefined;
    if (existsSync(sourceFile)) {
      saved = JSON.parse(await readFile(sourceFile, 'utf8')) as { sourceConfigFile: string; source: DevcontainerJson };
    } else {
      const sourceConfigFile = findDevcontainerConfig(worktree, this.options.configPath);
      if (!sourceConfigFile) {
        const where = this.options.configPath ?? DEFAULT_CONFIG_PATHS.join(' or ');
        throw new AgentOsError(
          'SANDBOX_UNAVAILABLE',
          `the session's repository ${worktree} has no dev container configuration (${where}): commit one, or set the sandbox to auto, os or worktree, then resume the session`,
        );
      }
      saved = { sourceConfigFile, source: await readDevcontainerJson(sourceConfigFile) };
      await mkdir(path.dirname(sourceFile), { recursive: true });
      await writeFile(sourceFile, `${JSON.stringify(saved, null, 2)}\n`);
    }
    const git = inspectWorktreeGit(worktree);
    const repositoryMounts = git ? await prepareGitMounts(git, path.join(dir, 'gitconfig')) : () => [];
    const borrowed = (await this.options.borrowedObjects?.(request.sessionId)) ?? [];
    const gitMounts = (target: string): string[] => [
      ...repositoryMounts(target),
      ...borrowed.map((source) => `type=bind,source=${source},target=${source},readonly`),
    ];
    const hardened = hardenConfig(saved.source, {
      network: request.network,
      readOnly: request.access === 'read_only' && !isCleanRoom(request.sessionId),
      gitMounts,
      labels: { 'agent-os.worktree': worktree },
    });
    await mkdir(dir, { recursive: true });
    // Named devcontainer.json: the CLI accepts only that name for configuration files.
    const overrideConfigFile = path.join(dir, 'devcontainer.json');
    await writeFile(overrideConfigFile, `${JSON.stringify(hardened.config, null, 2)}\n`);
    const image = configImage(saved.source);
    return { sourceConfigFile: saved.sourceConfigFile, overrideConfigFile, ...(image ? { image } : {}), dropped: hardened.dropped };
  }

  private async disposeOpen(sessionId: string): Promise<void> {
    const set = this.open_.get(sessionId);
    if (set) await Promise.all([...set].map((s) => s.dispose()));
    this.open_.delete(sessionId);
  }

  /** Ends the session's shells and stops its containers (they stay, to be started again on wake). */
  async stopSession(sessionId: string): Promise<void> {
    await this.disposeOpen(sessionId);
    const containers = await this.docker.containersByLabel({ [STORE_LABEL]: this.store, [SESSION_LABEL]: sessionId });
    await this.docker.stop(containers.filter((c) => c.state === 'running').map((c) => c.id));
  }

  /** Removes the session's containers (its clean rooms' and children's too), saved configurations and
   * (through its owner) its folder. */
  async removeSession(sessionId: string): Promise<void> {
    // A session's clean rooms and children go with it: nothing else would remove their containers.
    const mine = await this.docker.containersByLabel({ [STORE_LABEL]: this.store, [SESSION_LABEL]: undefined });
    const containers = mine.filter((c) => c.sessionId === sessionId || owningSession(c.sessionId) === sessionId);
    const names = new Set([sessionId, ...containers.map((c) => c.sessionId)]);
    for (const name of names) await this.disposeOpen(name);
    await this.docker.remove(containers.map((c) => c.id));
    for (const name of names) await rm(this.sessionDir(name), { recursive: true, force: true });
    await this.options.worktrees.removeSession?.(sessionId);
  }

  /** On start-up: removes this storage's containers of sessions that no longer exist (see pruneOrphanContainers). */
  async pruneOrphans(liveSessionIds: Iterable<string>): Promise<string[]> {
    return pruneOrphanContainers(
      { stateDir: this.options.stateDir, ...(this.options.dockerPath ? { dockerPath: this.options.dockerPath } : {}), ...(this.options.parentEnv ? { parentEnv: this.options.parentEnv } : {}) },
      liveSessionIds,
    );
  }
}
