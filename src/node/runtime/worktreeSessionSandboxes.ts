// The worktree sandbox (confined by bubblewrap when it works here) as the runtime sees it.
import { clearStaleSessionGitLocks, unlockAbandonedWorktrees } from '../pipeline/staleGitLocks.ts';
import { removeStaleTempFiles } from '../sandbox/staleTempFiles.ts';
import type { WorktreeSandboxProvider } from '../sandbox/worktreeSandboxProvider.ts';
import type { SessionSandboxes } from './sessionSandboxes.ts';

export function worktreeSessionSandboxes(provider: WorktreeSandboxProvider, repository: string): SessionSandboxes {
  // The first use of a session in this process is a start or a wake: the moment to clear what a
  // killed predecessor left half-written or locked.
  const swept = new Map<string, Promise<unknown>>();
  const sweep = (sessionId: string): Promise<unknown> => {
    let done = swept.get(sessionId);
    if (!done) {
      done = (async () => {
        await unlockAbandonedWorktrees(repository, sessionId);
        const w = await provider.ensureWorktree(sessionId);
        await removeStaleTempFiles(w.worktree);
        await clearStaleSessionGitLocks(w.worktree, sessionId);
      })();
      swept.set(sessionId, done);
      done.catch(() => swept.delete(sessionId));
    }
    return done;
  };
  return {
    async open(request) {
      await sweep(request.sessionId);
      return provider.open(request);
    },
    removeSession: (sessionId) => provider.removeSession(sessionId),
    supportsWorkspaces: true,
    childWorktree: (sessionId, key) => provider.childWorktree(sessionId, key),
    async describe() {
      const probe = await provider.bubblewrap();
      return probe.available
        ? { kind: 'bubblewrap', confined: true, detail: 'commands run under bubblewrap: worktree only, no network unless allowed' }
        : { kind: 'worktree', confined: false, detail: `unconfined: ${probe.reason ?? 'bubblewrap is not available'}` };
    },
    async recover(sessionId) {
      await sweep(sessionId);
    },
    async workspace(sessionId) {
      const w = await provider.ensureWorktree(sessionId);
      return { worktree: w.worktree, baseCommit: w.baseCommit, branch: w.branch };
    },
  };
}
