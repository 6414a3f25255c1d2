// Several sandboxes in one session. Each is a sandbox of the session's chosen kind (a dev container, bubblewrap
// or the plain worktree) on its own worktree, kept under a derived session id so that its worktree, branch and
// container are found again on wake and removed with it:
// - a clean room at one commit, for a Reviewer whose evidence must rest on committed work only;
// - child worktrees on branches from the session branch, for Coder threads fanned out in parallel, merged
//   back into the session worktree when they finish (conflicts come back as data, see cleanRoom.ts).
import { readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { AgentOsError } from '../../core/errors.ts';
import type { Sandbox, SandboxProvider, SandboxRequest } from '../../core/sandbox/sandbox.ts';
import { createCleanRoom, mergeChild, type MergeResult } from './cleanRoom.ts';
import { DevcontainerSandboxProvider } from './devcontainer/devcontainerSandboxProvider.ts';
import { devcontainerStateDir, UnavailableSandboxProvider, type SandboxChoice, type SandboxProviderParts } from './sandboxChoice.ts';
import { sessionBranch, WorktreeSandboxProvider } from './worktreeSandboxProvider.ts';

/** Worktree provider (branches deleted on removal) and the chosen kind's provider over it. */
function providersFor(choice: SandboxChoice, parts: SandboxProviderParts, baseRef: string): { worktrees: WorktreeSandboxProvider; inner: SandboxProvider; remove(id: string): Promise<void> } {
  const worktrees = new WorktreeSandboxProvider({
    storageDir: parts.storageDir,
    repository: parts.repository,
    baseRef,
    ...(parts.bashDefaultTimeoutMs !== undefined ? { bashDefaultTimeoutMs: parts.bashDefaultTimeoutMs } : {}),
    bubblewrap: choice.kind === 'bubblewrap' ? 'auto' : 'off',
  });
  const removeWorktree = (id: string): Promise<void> => worktrees.removeSession(id, { deleteBranch: true });
  const inner: SandboxProvider = choice.problem
    ? new UnavailableSandboxProvider(choice.problem, worktrees)
    : choice.kind === 'devcontainer'
      ? new DevcontainerSandboxProvider({
          worktrees: { ensureWorktree: (id) => worktrees.ensureWorktree(id), removeSession: removeWorktree },
          stateDir: devcontainerStateDir(parts.storageDir),
          ...(parts.devcontainerConfigPath ? { configPath: parts.devcontainerConfigPath } : {}),
          ...(parts.dockerPath ? { dockerPath: parts.dockerPath } : {}),
          ...(parts.env ? { parentEnv: parts.env } : {}),
        })
      : worktrees;
  return { worktrees, inner, remove: (id) => (inner === worktrees ? removeWorktree(id) : inner.removeSession(id)) };
}

/** The session id under which a clean room at `commit` is kept (its worktree, branch and container). */
export function cleanRoomSessionId(sessionId: string, commit: string): string {
  return `${sessionId}-clean-${commit.slice(0, 12)}`;
}

/**
 * Sandboxes of the chosen kind on a clean room: a worktree at `commit` holding exactly the committed files,
 * cleaned of every leftover each time a sandbox opens. For a Reviewer that runs the tests on the Coder's
 * head commit, so that its verdict cannot rest on a file the Coder left uncommitted.
 * `open` takes the real session id; `removeSession` removes the clean room, its branch and its container.
 */
export function createCleanRoomSandboxProvider(choice: SandboxChoice, parts: SandboxProviderParts, commit: string): SandboxProvider {
  if (!/^[0-9a-f]{40,64}$/.test(commit)) throw new AgentOsError('INVALID_ARGUMENT', `a clean room needs a full commit id, not "${commit}"`);
  const { worktrees, inner, remove } = providersFor(choice, parts, commit);
  return {
    async open(request: SandboxRequest): Promise<Sandbox> {
      const id = cleanRoomSessionId(request.sessionId, commit);
      if (!choice.problem) {
        const { worktree } = await worktrees.ensureWorktree(id);
        await createCleanRoom({ repository: parts.repository, commit, dir: worktree });
      }
      return inner.open({ ...request, sessionId: id });
    },
    removeSession(sessionId: string): Promise<void> {
      return remove(cleanRoomSessionId(sessionId, commit));
    },
  };
}

/** The session id under which a child thread's worktree (branch `agent-os/<id>`) and container are kept. */
export function childSessionId(sessionId: string, childName: string): string {
  return `${sessionId}-child-${childName}`;
}

export interface ChildSandboxProvider extends SandboxProvider {
  /** Merges the child's branch into the session worktree (see mergeChild in cleanRoom.ts). */
  mergeBack(sessionId: string, childName: string, options?: { commitLeftovers?: boolean }): Promise<MergeResult>;
}

/**
 * Sandboxes on child worktrees: `open` with `request.threadId` as the child's name gives that thread its own
 * worktree on the branch `agent-os/<session>-child-<thread>`, made from the session branch's head the first
 * time. `mergeBack` merges it into the session worktree; `removeSession(sessionId)` removes every child of
 * the session (worktrees, branches, containers: merge first).
 */
export function createChildSandboxProvider(choice: SandboxChoice, parts: SandboxProviderParts): ChildSandboxProvider {
  const perSession = new Map<string, ReturnType<typeof providersFor>>();
  const forSession = (sessionId: string): ReturnType<typeof providersFor> => {
    let p = perSession.get(sessionId);
    if (!p) perSession.set(sessionId, (p = providersFor(choice, parts, sessionBranch(sessionId))));
    return p;
  };
  const sessionWorktrees = new WorktreeSandboxProvider({ storageDir: parts.storageDir, repository: parts.repository, bubblewrap: 'off' });
  return {
    async open(request: SandboxRequest): Promise<Sandbox> {
      // The session's own worktree (and so its branch) must exist before a child branches off it.
      await sessionWorktrees.ensureWorktree(request.sessionId);
      return forSession(request.sessionId).inner.open({ ...request, sessionId: childSessionId(request.sessionId, request.threadId) });
    },
    async mergeBack(sessionId: string, childName: string, options: { commitLeftovers?: boolean } = {}): Promise<MergeResult> {
      const id = childSessionId(sessionId, childName);
      return mergeChild({
        parentWorktree: sessionWorktrees.worktreePath(sessionId),
        child: { worktree: sessionWorktrees.worktreePath(id), branch: sessionBranch(id) },
        label: childName,
        ...(options.commitLeftovers !== undefined ? { commitLeftovers: options.commitLeftovers } : {}),
      });
    },
    async removeSession(sessionId: string): Promise<void> {
      // Found on disk, not in memory: after a restart this process never opened them.
      const prefix = childSessionId(sessionId, '');
      const names = await readdir(path.dirname(sessionWorktrees.worktreePath(sessionId))).catch(() => [] as string[]);
      for (const name of names) {
        if (name.startsWith(prefix) && !name.includes('.broken-')) await forSession(sessionId).remove(name);
      }
      perSession.delete(sessionId);
    },
  };
}
