// SessionSandboxes that hand every call on to others: made once when first needed (probing Docker and the
// OS sandbox takes a moment, so the kind is decided on first use), or with `open` replaced (the session's
// environment given to each sandbox opened). One forwarding list, so a method added to the port cannot be
// left out of one wrapper.
import type { SessionSandboxes } from '../../core/sandbox/sessionSandboxes.ts';

function forwardTo(target: () => Promise<SessionSandboxes>, open?: SessionSandboxes['open']): SessionSandboxes {
  return {
    open: open ?? (async (request) => (await target()).open(request)),
    removeSession: async (sessionId) => (await target()).removeSession(sessionId),
    describe: async () => (await target()).describe(),
    recover: async (sessionId) => (await target()).recover(sessionId),
    stopSession: async (sessionId) => (await target()).stopSession(sessionId),
    workspace: async (sessionId) => (await target()).workspace(sessionId),
    chooseWorkspace: async (sessionId, need) => (await target()).chooseWorkspace(sessionId, need),
    refuseWorkspace: async (sessionId, workspace) => (await target()).refuseWorkspace(sessionId, workspace),
    changes: async (sessionId) => (await target()).changes(sessionId),
    checkpoint: async (sessionId, message) => (await target()).checkpoint(sessionId, message),
    mergeChild: async (sessionId, key, label) => (await target()).mergeChild(sessionId, key, label),
    deliver: async (sessionId, head) => (await target()).deliver(sessionId, head),
    fork: async (sourceId, forkId, commit) => (await target()).fork(sourceId, forkId, commit),
    copyConfined: async (sessionId, request) => (await target()).copyConfined(sessionId, request),
  };
}

/** SessionSandboxes made by `make` on first use (once; again after a failure). */
export function lazySessionSandboxes(make: () => Promise<SessionSandboxes>): SessionSandboxes {
  let made: Promise<SessionSandboxes> | undefined;
  return forwardTo(() => {
    made ??= make();
    made.catch(() => (made = undefined));
    return made;
  });
}

/** A SessionSandboxes with `open` (and only it) replaced. */
export function withOpen(sandboxes: SessionSandboxes, open: SessionSandboxes['open']): SessionSandboxes {
  return forwardTo(async () => sandboxes, open);
}
