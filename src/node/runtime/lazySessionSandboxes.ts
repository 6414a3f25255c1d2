// SessionSandboxes whose kind is decided asynchronously (probing Docker and the OS sandbox takes a moment):
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
    // Every kind has the session repository and its extra sandboxes; a kind that did not would say so here.
    supportsWorkspaces: true,
    describe: async () => (await get()).describe(),
    recover: async (sessionId) => (await get()).recover(sessionId),
    stopSession: async (sessionId) => (await get()).stopSession(sessionId),
    workspace: async (sessionId) => (await get()).workspace(sessionId),
    changes: async (sessionId) => (await get()).changes(sessionId),
    checkpoint: async (sessionId, message) => (await get()).checkpoint(sessionId, message),
    mergeChild: async (sessionId, key, label) => (await get()).mergeChild(sessionId, key, label),
    deliver: async (sessionId, head) => (await get()).deliver(sessionId, head),
    fork: async (sourceId, forkId, commit) => (await get()).fork(sourceId, forkId, commit),
    copyConfined: async (sessionId, request) => (await get()).copyConfined(sessionId, request),
  };
}
