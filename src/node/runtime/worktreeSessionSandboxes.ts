// The worktree sandbox (confined by bubblewrap when it works here) as the runtime sees it.
import { clearStaleSessionGitLocks } from '../pipeline/staleGitLocks.ts';
import { removeStaleTempFiles } from '../sandbox/staleTempFiles.ts';
import type { WorktreeSandboxProvider } from '../sandbox/worktreeSandboxProvider.ts';
import type { SessionSandboxes } from './sessionSandboxes.ts';

export function worktreeSessionSandboxes(provider: WorktreeSandboxProvider): SessionSandboxes {
  // The first open of a session in this process is a start or a wake: the moment to clear what a
  // killed predecessor left half-written.
  const swept = new Map<string, Promise<unknown>>();
  return {
    async open(request) {
      let sweep = swept.get(request.sessionId);
      if (!sweep) {
        sweep = provider.ensureWorktree(request.sessionId).then(async (w) => {
          await removeStaleTempFiles(w.worktree);
          await clearStaleSessionGitLocks(w.worktree, request.sessionId);
        });
        swept.set(request.sessionId, sweep);
      }
      await sweep;
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
    async workspace(sessionId) {
      const w = await provider.ensureWorktree(sessionId);
      return { worktree: w.worktree, baseCommit: w.baseCommit, branch: w.branch };
    },
  };
}
