// A repository's sandboxes of one chosen kind (dev container, the OS sandbox, or unconfined), as the runtime
// sees them: the session's own repository, the extra sandboxes a session may use at once — a clean room at
// a commit (the Reviewer) and child repositories (parallel Coders) — and the ways work crosses to the host
// (taken over into the vault, merged, delivered), all through sessionGit.ts, confined like the agents.
import * as path from 'node:path';
import { AgentOsError } from '../../core/errors.ts';
import type { Sandbox, SandboxRequest, SandboxWorkspace } from '../../core/sandbox/sandbox.ts';
import { CLEAR_COPY_LEFTOVERS, confinedCopy } from './confinedCopy.ts';
import { hostConfinement, osConfinement, type Confinement, type ConfinementScope } from './confinement.ts';
import { toolServerFileTools, type FileToolsRequest } from './devcontainer/confinedFileTools.ts';
import { DevcontainerSandboxProvider } from './devcontainer/devcontainerSandboxProvider.ts';
import { owningSession, stopSessionContainers } from './devcontainer/sessionContainers.ts';
import { openLocalSandbox } from './localSandbox.ts';
import { devcontainerStateDir, type SandboxChoice, type SandboxProviderParts } from './sandboxChoice.ts';
import { CLEAR_STALE_LOCKS, runConfined, SessionGit } from './sessionGit.ts';
import { safeName, SessionRepositories } from './sessionRepository.ts';
import { toolServerFolders } from '../tools/toolServerScript.ts';
import type { SessionSandboxes } from '../../core/sandbox/sessionSandboxes.ts';

/** Agent OS's own thread name for the scratch home its git runs with. */
const OWN_THREAD = 'agent-os-git';

function storeOf(parts: SandboxProviderParts): string {
  if (parts.storeDir) return parts.storeDir;
  return path.basename(parts.storageDir) === '.worktrees' ? path.dirname(parts.storageDir) : parts.storageDir;
}

export function chosenSessionSandboxes(choice: SandboxChoice, parts: SandboxProviderParts): SessionSandboxes {
  const repos = new SessionRepositories({
    storageDir: parts.storageDir,
    repository: parts.repository,
    ...(parts.baseRef ? { baseRef: parts.baseRef } : {}),
  });
  let confinementMade: Promise<Confinement> | undefined;
  // The OS sandbox confines agents (kind `os`) and, where it works, Agent OS's git in a dev container session.
  const confinement = (): Promise<Confinement> => {
    confinementMade ??= (async () => {
      if (choice.kind === 'worktree' || !choice.osSandbox) return hostConfinement();
      return osConfinement({
        repository: parts.repository,
        repositoryObjects: await repos.repositoryObjects(),
        store: storeOf(parts),
        readable: toolServerFolders(),
      });
    })();
    return confinementMade;
  };
  const scope = (
    sessionId: string,
    workdir: string,
    writable: boolean,
    threadId: string,
    allowedDomains: readonly string[] = [],
  ): ConfinementScope => ({
    workdir,
    writable,
    allowedDomains,
    scratchHome: repos.homePath(sessionId, threadId),
    vault: repos.vaultPath(sessionId),
  });
  let gitMade: Promise<SessionGit> | undefined;
  const git = (): Promise<SessionGit> => {
    gitMade ??= confinement().then(
      (c) =>
        new SessionGit({
          repos,
          confinement: c,
          scope: (id, workdir, writable) => scope(id, workdir, writable, OWN_THREAD),
        }),
    );
    return gitMade;
  };
  const devcontainer =
    choice.kind === 'devcontainer' && !choice.problem
      ? new DevcontainerSandboxProvider({
          // The folder is made before a sandbox opens on it (below); the provider only mounts it.
          worktrees: { ensureWorktree: async (id) => ({ worktree: repos.repoPath(id) }) },
          stateDir: devcontainerStateDir(parts.storageDir),
          borrowedObjects: async (sessionId) => [
            await repos.repositoryObjects(),
            path.join(repos.vaultPath(sessionId.replace(/-(clean|child)-.*$/, '')), 'objects'),
          ],
          // Where the OS sandbox works, the file tools run in it, confined to the container's folder.
          ...(choice.osSandbox
            ? {
                fileTools: async (r: FileToolsRequest) =>
                  toolServerFileTools(
                    await confinement(),
                    scope(owningSession(r.sessionId), r.worktree, !r.readOnly, r.threadId),
                    r,
                  ),
              }
            : {}),
          ...(parts.devcontainerConfigPath ? { configPath: parts.devcontainerConfigPath } : {}),
          ...(parts.dockerPath ? { dockerPath: parts.dockerPath } : {}),
          ...(parts.env ? { parentEnv: parts.env } : {}),
          ...(parts.bashDefaultTimeoutMs !== undefined ? { bashTimeoutMs: parts.bashDefaultTimeoutMs } : {}),
        })
      : undefined;

  const open = new Map<string, Set<Sandbox>>();
  const track = (sessionId: string, sandbox: Sandbox): Sandbox => {
    let set = open.get(sessionId);
    if (!set) open.set(sessionId, (set = new Set()));
    set.add(sandbox);
    return sandbox;
  };

  const takeOverSession = async (sessionId: string, commitMessage?: string) => {
    const session = await repos.ensureSession(sessionId);
    const state = await (
      await git()
    ).takeOver(sessionId, session.workdir, {
      ref: `refs/heads/${session.branch}`,
      base: session.baseCommit,
      ...(commitMessage ? { commitMessage } : {}),
    });
    return { session, state };
  };

  const swept = new Map<string, Promise<unknown>>();
  const recover = (sessionId: string): Promise<unknown> => {
    let done = swept.get(sessionId);
    if (!done) {
      done = (async () => {
        const session = await repos.ensureSession(sessionId);
        // A git command (or a copy) killed mid-way leaves its lock (its half copy); removed confined, like any
        // work in the repository.
        const dirs = [
          session.workdir,
          ...(await repos.childKeys(sessionId)).map((key) => repos.childPath(sessionId, key)),
        ];
        for (const dir of dirs) {
          await runConfined(
            await confinement(),
            scope(sessionId, dir, true, OWN_THREAD),
            `${CLEAR_STALE_LOCKS}; ${CLEAR_COPY_LEFTOVERS}`,
          );
        }
      })();
      swept.set(sessionId, done);
      done.catch(() => swept.delete(sessionId));
    }
    return done;
  };

  return {
    async open(request: SandboxRequest): Promise<Sandbox> {
      if (choice.problem) throw new AgentOsError('SANDBOX_UNAVAILABLE', choice.problem);
      await recover(request.sessionId);
      const { sessionId, threadId, workspace } = request;
      let workdir: string;
      let writable = request.access === 'read_write';
      let what = "the session's repository";
      let name = sessionId;
      if (workspace?.kind === 'clean_room') {
        workdir = await repos.freshCleanRoom(sessionId, workspace.commit);
        // A throw-away copy: the Reviewer's tests may write in it (build output, caches).
        writable = true;
        what = `a clean room at ${workspace.commit.slice(0, 12)}`;
        name = path.basename(workdir);
      } else if (workspace?.kind === 'child') {
        const from = (await takeOverSession(sessionId)).state.head;
        workdir = (await repos.ensureChild(sessionId, workspace.key, from)).workdir;
        what = `its own repository (thread ${workspace.key})`;
        name = path.basename(workdir);
      } else {
        workdir = (await repos.ensureSession(sessionId)).workdir;
      }
      if (devcontainer)
        return track(
          sessionId,
          await devcontainer.open({ ...request, sessionId: name, workspace: { kind: 'session' } }),
        );
      // The OS sandbox opens the network only to named domains (its proxy has no "anywhere"); an agent whose
      // definition gives it the network gets the environment file's network.agents (withAgentNetwork).
      if (request.network && !request.allowedDomains && choice.kind === 'os') {
        throw new AgentOsError(
          'SANDBOX_UNAVAILABLE',
          "this agent's definition gives its commands the network, but the OS sandbox opens it only to named domains: list them under network.agents in the repository's environment file (.agents/environment.yaml)",
        );
      }
      const allowedDomains = request.network ? (request.allowedDomains ?? ['*']) : [];
      const sandbox = await openLocalSandbox(await confinement(), {
        id: `${choice.kind}:${name}:${threadId}`,
        scope: scope(sessionId, workdir, writable, threadId, allowedDomains),
        access: request.access,
        enabledTools: request.enabledTools,
        what,
        ...(parts.bashDefaultTimeoutMs !== undefined ? { bashDefaultTimeoutMs: parts.bashDefaultTimeoutMs } : {}),
        onDispose: () => open.get(sessionId)?.delete(sandbox),
      });
      return track(sessionId, sandbox);
    },
    async removeSession(sessionId: string): Promise<void> {
      for (const sandbox of [...(open.get(sessionId) ?? [])]) await sandbox.dispose();
      open.delete(sessionId);
      if (devcontainer) {
        for (const name of [
          sessionId,
          ...(await repos.childKeys(sessionId)).map((k) => path.basename(repos.childPath(sessionId, k))),
        ])
          await devcontainer.removeSession(name);
      }
      // The branch Agent OS delivered to the person's repository (if it did) stays: a pull request may need it.
      await repos.remove(sessionId);
    },
    async describe() {
      return {
        kind: choice.kind,
        confined: choice.confined,
        detail: choice.problem ? `${choice.detail} — ${choice.problem}` : choice.detail,
      };
    },
    async stopSession(sessionId: string) {
      if (choice.kind !== 'devcontainer') return; // shells end with the harness; nothing else runs
      await stopSessionContainers(
        { stateDir: devcontainerStateDir(parts.storageDir), ...(parts.env ? { parentEnv: parts.env } : {}) },
        sessionId,
      );
    },
    async recover(sessionId: string) {
      await recover(sessionId);
    },
    async chooseWorkspace(sessionId, need) {
      if (need.kind === 'clean_room') {
        // Exactly what was committed: the session's files taken over first, so the head is current.
        const commit = (await takeOverSession(sessionId)).state.head;
        return { workspace: { kind: 'clean_room', commit }, workdir: repos.cleanRoomPath(sessionId, commit) };
      }
      if (need.kind === 'child')
        return { workspace: { kind: 'child', key: need.key }, workdir: repos.childPath(sessionId, need.key) };
      return { workspace: { kind: 'session' }, workdir: repos.repoPath(sessionId) };
    },
    async refuseWorkspace(sessionId: string, workspace: SandboxWorkspace) {
      if (workspace.kind === 'session') return undefined;
      if (workspace.kind === 'child') {
        try {
          safeName('thread key', workspace.key);
          return undefined;
        } catch (error) {
          return (error as Error).message;
        }
      }
      // The vault borrows the person's objects: any of their commits would check out, so only the session's
      // own history (its base and what Agent OS took over since) is a commit a clean room may hold.
      return (await repos.inHistory(sessionId, workspace.commit))
        ? undefined
        : `commit ${JSON.stringify(workspace.commit)} is not in the session's history`;
    },
    async workspace(sessionId: string) {
      const session = await repos.ensureSession(sessionId);
      return { worktree: session.workdir, baseCommit: session.baseCommit, branch: session.branch };
    },
    async changes(sessionId: string) {
      const { session, state } = await takeOverSession(sessionId);
      const diff = await (await git()).diff(sessionId, session.baseCommit, state.snapshot);
      return { head: state.head, diff, snapshot: state.snapshot, gitDir: repos.vaultPath(sessionId) };
    },
    async checkpoint(sessionId: string, message: string) {
      const session = await repos.ensureSession(sessionId);
      const before = (await repos.vaultCommit(sessionId, `refs/heads/${session.branch}`)) ?? session.baseCommit;
      const { state } = await takeOverSession(sessionId, message);
      return { commit: state.head, committed: state.head !== before };
    },
    async mergeChild(sessionId: string, key: string, label: string) {
      const ops = await git();
      const session = await repos.ensureSession(sessionId);
      const child = await repos.ensureChild(sessionId, key, session.baseCommit);
      await ops.takeOver(sessionId, child.workdir, {
        ref: `refs/heads/${child.branch}`,
        base: session.baseCommit,
        commitMessage: `Uncommitted work of ${label}`,
      });
      // The session's own leftovers are committed first: a merge must not mix them in.
      await takeOverSession(sessionId, `Work in the session before merging ${label}`);
      const merged = await ops.mergeChild(sessionId, session.workdir, child.branch, label);
      await takeOverSession(sessionId);
      return merged;
    },
    async deliver(sessionId: string, head: string) {
      const session = await repos.ensureSession(sessionId);
      await (await git()).deliver(sessionId, session.branch, head);
    },
    async fork(sourceId: string, forkId: string, commit: string | undefined) {
      const made = await repos.forkFrom(sourceId, forkId, commit);
      return { commit: made.commit, baseCommit: made.baseCommit };
    },
    async copyConfined(sessionId, request) {
      return confinedCopy(await confinement(), scope(sessionId, request.to, true, OWN_THREAD), request);
    },
  };
}
