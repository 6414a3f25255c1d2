// SessionSandboxes whose kind is decided asynchronously (probing Docker and bubblewrap takes a moment):
// every call waits for the decision, made once.
import type { SessionSandboxes } from './sessionSandboxes.ts';

export function lazySessionSandboxes(make: () => Promise<SessionSandboxes>): SessionSandboxes {
  let made: Promise<SessionSandboxes> | undefined;
  const get = (): Promise<SessionSandboxes> => {
    made ??= make();
    made.catch(() => (made = undefined));
    return made;
  };
  return {
    open: async (request) => (await get()).open(request),
    removeSession: async (sessionId) => (await get()).removeSession(sessionId),
    // Every kind has the session worktree and its extra sandboxes; a kind that did not would say so here.
    supportsWorkspaces: true,
    describe: async () => (await get()).describe(),
    recover: async (sessionId) => (await get()).recover?.(sessionId),
    stopSession: async (sessionId) => (await get()).stopSession?.(sessionId),
    workspace: async (sessionId) => (await get()).workspace(sessionId),
    childWorktree: async (sessionId, key) => {
      const made = await get();
      if (!made.childWorktree) throw new Error('this sandbox kind has no child worktrees');
      return made.childWorktree(sessionId, key);
    },
  };
}
