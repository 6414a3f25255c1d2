// A fold over one session's log that a store can checkpoint: each reader of a log folds what it shows
// (the session's state, the Overview's picture, what waits for the person), and a long log would be
// folded from its first record at every opening. A LogFold says how to save its state and load it
// again, so the file store keeps a checkpoint of it beside the log and an opening folds the checkpoint
// plus the records after it (SessionStore.readFolded). A checkpoint only ever saves time: the store
// trusts it only when it agrees with the log, and one of another `version` is ignored and rebuilt.
import type { SessionEvent } from '../events/sessionEvent.ts';
import type { LogCursor } from './sessionStore.ts';

export interface LogFold<S> {
  /** Names the fold's checkpoint beside the log: a lower-case letter, then letters, digits or dashes. */
  readonly name: string;
  /** Bump it whenever `apply` or `save` changes what it computes or writes: checkpoints saved by another
   * version are then ignored, and the fold is rebuilt from the log. */
  readonly version: number;
  start(sessionId: string): S;
  /** Folds one event in, in log order, changing `state` in place. */
  apply(state: S, event: SessionEvent): void;
  /** The state as JSON data. It is serialized at once (it may share objects with `state`). */
  save(state: S): unknown;
  /** The state again from what `save` gave; undefined when the data does not fit (never throws). */
  load(saved: unknown, sessionId: string): S | undefined;
  /** Set for a fold whose saved state grows with the log (the Event Log's index: bytes an event). A writer
   * saves it only once the log has doubled since it last did, and when it closes, so that all it writes for
   * the fold weighs about twice its last checkpoint, not one copy of the fold per checkpoint. */
  readonly growsWithLog?: boolean;
}

export interface FoldedLog<S> {
  state: S;
  /** Just after the last record folded in: a follow goes on from here (`after`) without reading again. */
  next: LogCursor;
}

const FOLD_NAME = /^[a-z][a-z0-9-]{0,39}$/;

/** Whether `name` can name a fold's checkpoint (it becomes part of a file name). */
export function isFoldName(name: string): boolean {
  return FOLD_NAME.test(name);
}

/** `events` folded from the start: what a store without checkpoints does. */
export function foldAll<S>(fold: LogFold<S>, sessionId: string, events: Iterable<SessionEvent>): S {
  const state = fold.start(sessionId);
  for (const event of events) fold.apply(state, event);
  return state;
}
