// The worktree sandbox (confined by bubblewrap when it works here) as the runtime sees it.
import type { WorktreeSandboxProvider } from '../sandbox/worktreeSandboxProvider.ts';
import type { SessionSandboxes } from './sessionSandboxes.ts';

export function worktreeSessionSandboxes(provider: WorktreeSandboxProvider): SessionSandboxes {
  return {
    open: (request) => provider.open(request),
    removeSession: (sessionId) => provider.removeSession(sessionId),
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
