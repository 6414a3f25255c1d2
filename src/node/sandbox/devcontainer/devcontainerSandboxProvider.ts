// The dev container sandbox: an agent's tools run in the repository's dev container, started by
// `@devcontainers/cli` on one of the session's repositories (its own, a clean room, a child: never the
// person's checkout). `bash` is a persistent shell through `devcontainer exec`; the file tools run in a tool
// server inside the host's OS sandbox, confined to the mounted folder (confinedFileTools.ts), or, where no OS
// sandbox works, on the host confined by path with the folder's containers paused (folderFreezer.ts). Each repository gets its own containers. Containers are found
// again by their labels, so a woken session gets its container back, or an identical one made from the
// configuration saved when the session first opened it. A container runs only while a sandbox is open on it
// (containerOccupancy.ts): nothing an agent started there outlives its sandbox.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { AgentOsError } from '../../../core/errors.ts';
import type { Sandbox, SandboxProvider, SandboxRequest } from '../../../core/sandbox/sandbox.ts';
import { BashSession } from '../../tools/bashSession.ts';
import { createFileTools } from '../../tools/fileTools.ts';
import { createToolSandbox } from '../toolSandbox.ts';
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
import { ContainerOccupancy } from './containerOccupancy.ts';
import { ContainerShells } from './containerShells.ts';
import { FolderFreezer, frozenFileTools } from './folderFreezer.ts';
import {
  containerIdLabels,
  engineEnv,
  isCleanRoom,
  owningSession,
  pruneOrphanContainers,
  sessionDirOf,
  STORE_LABEL,
  storeId,
} from './sessionContainers.ts';

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

export class DevcontainerSandboxProvider implements SandboxProvider {
  readonly docker: DockerCli;
  private readonly cli: DevcontainerCli;
  private readonly open_ = new Map<string, Set<DevcontainerSandbox>>();
  private readonly occupancy: ContainerOccupancy;
  private readonly freezers = new Map<string, FolderFreezer>();
  /** One `devcontainer up` (or stop) at a time per container identity, so two threads never make two
   * containers and a container is never stopped under a sandbox opening on it. */
  private readonly queue = new Map<string, Promise<unknown>>();

  private readonly store: string;

  constructor(private readonly options: DevcontainerSandboxProviderOptions) {
    this.store = storeId(options.stateDir);
    const env = engineEnv(options.parentEnv ?? process.env);
    this.docker = new DockerCli({ ...(options.dockerPath ? { dockerPath: options.dockerPath } : {}), env });
    this.occupancy = new ContainerOccupancy(this.docker);
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

  /** One per folder: its file tools' calls take turns pausing the containers on it. */
  private freezerOf(worktree: string): FolderFreezer {
    let freezer = this.freezers.get(worktree);
    if (!freezer)
      this.freezers.set(
        worktree,
        (freezer = new FolderFreezer(this.docker, { [STORE_LABEL]: this.store, 'agent-os.worktree': worktree })),
      );
    return freezer;
  }

  private sessionDir(sessionId: string): string {
    return sessionDirOf(this.options.stateDir, sessionId);
  }

  async open(request: SandboxRequest): Promise<Sandbox> {
    await this.docker.probe();
    const { worktree } = await this.options.worktrees.ensureWorktree(request.sessionId);
    const variant = `${request.access}-${request.network ? 'net' : 'nonet'}`;
    return this.serially(`${request.sessionId}/${variant}`, () => this.start(request, worktree, variant));
  }

  private serially<T>(key: string, job: () => Promise<T>): Promise<T> {
    const next = (this.queue.get(key) ?? Promise.resolve()).catch(() => undefined).then(job);
    this.queue.set(key, next);
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
        if (error instanceof DevcontainerUpError)
          await writeFile(path.join(dir, 'up.log'), error.output).catch(() => undefined);
        throw error;
      }
    };
    if (isCleanRoom(request.sessionId)) {
      // A clean room's container is as fresh as its folder: a previous reader could have changed anything in
      // it outside the folder (a planted `npm` that reports passing tests to the runtime's own test run).
      await this.docker.remove(
        (await this.docker.containersByLabel({ [STORE_LABEL]: this.store, [SESSION_LABEL]: request.sessionId })).map(
          (c) => c.id,
        ),
      );
    }
    // What a harness that died left running there (its shells, what they started) ends here.
    await this.occupancy.claim(idLabels);
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
      ? await this.options.fileTools({
          sessionId: request.sessionId,
          threadId: request.threadId,
          worktree,
          readOnly,
          displayRoot: up.remoteWorkspaceFolder,
        })
      : frozenFileTools(
          createFileTools({ root: worktree, readOnly, displayRoot: up.remoteWorkspaceFolder }),
          this.freezerOf(worktree),
        );
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
      this.options.fileTools
        ? 'file tools in the OS sandbox'
        : 'file tools on the host, the container paused meanwhile',
      ...(saved.dropped.length ? [`left out of devcontainer.json: ${saved.dropped.join('; ')}`] : []),
    ].join(' · ');
    const shells = new ContainerShells(up.containerId, this.docker, (pidFile) =>
      this.cli.exec(execRequest, ['sh', '-c', `echo $$ > ${pidFile}; exec bash --noprofile --norc`]),
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
        await this.serially(`${request.sessionId}/${variant}`, () => this.occupancy.leave(up.containerId));
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
    this.occupancy.enter(up.containerId);
    return sandbox;
  }

  /** True when a bind mount of the container shows a folder deleted on the host (`//deleted` in mountinfo). */
  private async mountsDeletedFolder(containerId: string): Promise<boolean> {
    const check = await this.docker.run(
      ['exec', '-u', 'root', containerId, 'sh', '-c', 'grep -c "//deleted " /proc/self/mountinfo || true'],
      30_000,
    );
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
    return {
      sourceConfigFile: saved.sourceConfigFile,
      overrideConfigFile,
      ...(image ? { image } : {}),
      dropped: hardened.dropped,
    };
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
    const ofSession = async () =>
      (await this.docker.containersByLabel({ [STORE_LABEL]: this.store, [SESSION_LABEL]: undefined })).filter(
        (c) => c.sessionId === sessionId || owningSession(c.sessionId) === sessionId,
      );
    const containers = await ofSession();
    const names = new Set([sessionId, ...containers.map((c) => c.sessionId)]);
    for (const name of names) await this.disposeOpen(name);
    // Listed again once its sandboxes are closed: one opening while the first list was made is there now.
    const ids = new Set([...containers, ...(await ofSession())].map((c) => c.id));
    await this.docker.remove([...ids]);
    for (const name of names) await rm(this.sessionDir(name), { recursive: true, force: true });
    await this.options.worktrees.removeSession?.(sessionId);
  }

  /** On start-up: removes this storage's containers of sessions that no longer exist (see pruneOrphanContainers). */
  async pruneOrphans(liveSessionIds: Iterable<string>): Promise<string[]> {
    return pruneOrphanContainers(
      {
        stateDir: this.options.stateDir,
        ...(this.options.dockerPath ? { dockerPath: this.options.dockerPath } : {}),
        ...(this.options.parentEnv ? { parentEnv: this.options.parentEnv } : {}),
      },
      liveSessionIds,
    );
  }
}
