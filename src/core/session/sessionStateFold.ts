// The session's state as a LogFold: what the writer checkpoints as it appends (a wake is the checkpoint
// plus the tail) and what the Threads tree and the CLI read a session's state with, folding only the
// records after the newest checkpoint.
import type { EventOfType } from '../events/sessionEvent.ts';
import type { FoldedLog, LogFold } from './logFold.ts';
import { FOLD_VERSION, initialSessionState, SessionFold, type SessionState, type ThreadState } from './sessionState.ts';
import type { SessionStore } from './sessionStore.ts';

type ToolUse = EventOfType<'agent.tool_use'>;
/** A thread as JSON: its pending tool uses as a list (a Map does not serialize). */
type SavedThread = Omit<ThreadState, 'pendingToolUses'> & { pendingToolUses: ToolUse[] };
type SavedState = Omit<SessionState, 'threads'> & { threads: Record<string, SavedThread> };

export const SESSION_STATE_FOLD: LogFold<SessionFold> = {
  name: 'session',
  version: FOLD_VERSION,
  start: (sessionId) => new SessionFold(initialSessionState(sessionId)),
  apply: (fold, event) => fold.apply(event),
  save: (fold) => savedState(fold.state),
  load: (saved, sessionId) => {
    const state = loadedState(saved, sessionId);
    return state && new SessionFold(state);
  },
};

/** The session's state as the store has it folded (a checkpoint plus the records after it). */
export async function readSessionState(store: SessionStore, sessionId: string): Promise<FoldedLog<SessionState>> {
  const { state, next } = await store.readFolded(sessionId, SESSION_STATE_FOLD);
  return { state: state.state, next };
}

function savedState(state: SessionState): SavedState {
  const threads: Record<string, SavedThread> = {};
  for (const [id, t] of Object.entries(state.threads))
    threads[id] = { ...t, pendingToolUses: [...t.pendingToolUses.values()] };
  return { ...state, threads };
}

function loadedState(saved: unknown, sessionId: string): SessionState | undefined {
  const s = saved as Partial<SavedState> | null;
  if (s?.id !== sessionId || typeof s.threads !== 'object' || s.threads === null || typeof s.lastSeq !== 'number')
    return undefined;
  const threads: Record<string, ThreadState> = {};
  for (const [id, t] of Object.entries(s.threads)) {
    if (!Array.isArray(t?.pendingToolUses)) return undefined;
    threads[id] = { ...t, pendingToolUses: new Map(t.pendingToolUses.map((u) => [u.id, u])) };
  }
  return { ...(s as SavedState), threads };
}
