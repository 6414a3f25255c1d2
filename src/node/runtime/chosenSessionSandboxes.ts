// A repository's sandboxes of one chosen kind (dev container, bubblewrap or the plain worktree), as the
// runtime sees them: the session's own worktree, plus the extra sandboxes a session may use at once — a
// clean room at a commit (the Reviewer) and child worktrees (parallel Coders) — all of the same kind.
import { readdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Sandbox, SandboxProvider, SandboxRequest } from '../../core/sandbox/sandbox.ts';
import { clearStaleSessionGitLocks, unlockAbandonedWorktrees } from '../pipeline/staleGitLocks.ts';
import { createSandboxProvider, devcontainerStateDir, type SandboxChoice, type SandboxProviderParts } from '../sandbox/sandboxChoice.ts';
import { stopSessionContainers } from '../sandbox/devcontainer/devcontainerSandboxProvider.ts';
import { childSessionId, cleanRoomSessionId, createChildSandboxProvider, createCleanRoomSandboxProvider } from '../sandbox/sessionSandboxes.ts';
import { removeStaleTempFiles } from '../sandbox/staleTempFiles.ts';
import { sessionBranch, WorktreeSandboxProvider } from '../sandbox/worktreeSandboxProvider.ts';
import type { SessionSandboxes } from './sessionSandboxes.ts';

export function chosenSessionSandboxes(choice: SandboxChoice, parts: SandboxProviderParts): SessionSandboxes {
  const session = createSandboxProvider(choice, parts);
  const children = createChildSandboxProvider(choice, parts);
  const cleanRooms = new Map<string, SandboxProvider>();
  // Git-level work on the session's worktree (where it is, its base, re-making it) is the same for every kind.
  const worktrees = new WorktreeSandboxProvider({ storageDir: parts.storageDir, repository: parts.repository, bubblewrap: 'off' });

  // The first use of a session in this process is a start or a wake: the moment to clear what a
  // killed predecessor left half-written or locked.
  const swept = new Map<string, Promise<unknown>>();
  const sweep = (sessionId: string): Promise<unknown> => {
    let done = swept.get(sessionId);
    if (!done) {
      done = (async () => {
        await unlockAbandonedWorktrees(parts.repository, sessionId);
        const w = await worktrees.ensureWorktree(sessionId);
        await removeStaleTempFiles(w.worktree);
        await clearStaleSessionGitLocks(w.worktree, sessionId);
      })();
      swept.set(sessionId, done);
      done.catch(() => swept.delete(sessionId));
    }
    return done;
  };

  const cleanRoom = (commit: string): SandboxProvider => {
    let provider = cleanRooms.get(commit);
    if (!provider) cleanRooms.set(commit, (provider = createCleanRoomSandboxProvider(choice, parts, commit)));
    return provider;
  };

  return {
    async open(request: SandboxRequest): Promise<Sandbox> {
      await sweep(request.sessionId);
      const { workspace, ...rest } = request;
      switch (workspace?.kind) {
        case 'clean_room':
          return cleanRoom(workspace.commit).open(rest);
        case 'child':
          // A child is named by its thread key: the same key finds the same worktree after a wake.
          return children.open({ ...rest, threadId: workspace.key });
        default:
          return session.open(rest);
      }
    },
    async removeSession(sessionId: string): Promise<void> {
      await children.removeSession(sessionId);
      // Clean rooms are found on disk: after a restart this process never opened them.
      const prefix = cleanRoomSessionId(sessionId, '');
      const names = await readdir(dirname(worktrees.worktreePath(sessionId))).catch(() => [] as string[]);
      for (const name of names) if (name.startsWith(prefix)) await worktrees.removeSession(name, { deleteBranch: true });
      await session.removeSession(sessionId);
    },
    supportsWorkspaces: true,
    async childWorktree(sessionId: string, key: string) {
      const id = childSessionId(sessionId, key);
      return { worktree: worktrees.worktreePath(id), branch: sessionBranch(id) };
    },
    async describe() {
      return { kind: choice.kind, confined: choice.confined, detail: choice.problem ? `${choice.detail} — ${choice.problem}` : choice.detail };
    },
    async stopSession(sessionId: string) {
      if (choice.kind !== 'devcontainer') return; // shells end with the harness; nothing else runs
      await stopSessionContainers({ stateDir: devcontainerStateDir(parts.storageDir), ...(parts.env ? { parentEnv: parts.env } : {}) }, sessionId);
    },
    async recover(sessionId: string) {
      await sweep(sessionId);
    },
    async workspace(sessionId: string) {
      const w = await worktrees.ensureWorktree(sessionId);
      return { worktree: w.worktree, baseCommit: w.baseCommit, branch: w.branch };
    },
  };
}
