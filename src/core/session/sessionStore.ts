// The SessionStore port: where session logs live. Implemented in memory (tests, previews) and on
// files (src/node/session/fileSessionStore.ts). Both pass test/conformance/sessionStoreConformance.ts.
import type { EventInput, SessionEvent } from '../events/sessionEvent.ts';
import type { FoldedLog, LogFold } from './logFold.ts';
import type { SessionState } from './sessionState.ts';

export interface SessionMeta {
  /** `sesn_…` */
  id: string;
  title: string;
  created_at: string;
  updated_at: string;
  /** What the session works on, e.g. `owner/repo#12` or a typed task. */
  source?: string;
  /** The git repository the session works in (its main checkout), when there is one. */
  repository?: string;
  /** Free-form string map, as on the platform (≤16 keys). */
  metadata: Record<string, string>;
}

export interface NewSession {
  id?: string;
  title: string;
  source?: string;
  repository?: string;
  metadata?: Record<string, string>;
}

/** When an append must reach the disk before it is acknowledged. */
export type Durability =
  /** fsync before the promise resolves: turn and tool boundaries, anything recovery depends on. */
  | 'sync'
  /** written now, fsynced with the next `sync` append or `flush()`: streaming deltas and telemetry. */
  | 'batch';

export interface OpenedLog {
  /** Every event that was in the log at open. The file store reads them on first use, in windows:
   * a writer that needs only the state (wake = checkpoint + tail) never holds a long log. */
  readonly events: SessionEvent[];
  /** Bytes of a torn last record that were cut off on open (0 when the log was whole). */
  readonly truncatedTailBytes: number;
  /** The log folded, as it was at open (the file store starts from its fold checkpoint). */
  readonly state: SessionState;
  /** Set when the log is near the size a session may hold, long before appends are refused (LOG_FULL):
   * what to tell the person. */
  readonly sizeWarning?: string;
}

/** A place in a log: the record with this seq starts at this byte (or the log ends there). Cursors
 * come from the store (`readPage`); a stale or made-up one is found out, never trusted. */
export interface LogCursor {
  readonly offset: number;
  readonly seq: number;
}

export interface LogPage {
  events: SessionEvent[];
  /** Just after the last event read: the next page, or `follow`, starts here without reading again. */
  next: LogCursor;
}

export interface SessionWriter {
  readonly sessionId: string;
  /** Fencing number of this writer; grows each time the session is opened for writing. */
  readonly fence: number;
  /** What was in the log when this writer opened it, after any torn tail was cut off. */
  readonly opened: OpenedLog;
  append(event: EventInput, durability?: Durability): Promise<SessionEvent>;
  /** Writes the records now, on this tick and so in call order, and hands them back stamped at once;
   * `durable` settles when they are (at once for 'batch'). Throws (and writes nothing) on a bad event.
   * What lets appends from many threads share one fdatasync without waiting for each other. */
  appendNow(events: EventInput[], durability?: Durability): AppendReceipt;
  /** Appends several records in order; durability applies to the last one (and so to all). */
  appendMany(events: EventInput[], durability?: Durability): Promise<SessionEvent[]>;
  /** Makes every acknowledged record durable. */
  flush(): Promise<void>;
  /** The events of one thread written so far (the latest may not be durable yet), in order, read through an
   * index of where each thread's records are: what the harness reads of a long log instead of all of it. */
  readThread(threadId: string): SessionEvent[];
  /** The events of these types written so far, in order, read the same way. */
  readEventsOfTypes(types: readonly string[]): SessionEvent[];
  /** The events this writer appended since it opened (those `opened.events` does not hold), read back from the
   * log: what lets a reader of the whole log keep no copy of what the run appended meanwhile. */
  readSinceOpen(): SessionEvent[];
  /** Calls `listener` once (soon after, never inside an append) when an append takes the log past the share
   * of its size limit where the store warns: a run that grows a log towards the limit says so then, not at
   * the next opening. A writer opened past it has said so in `opened.sizeWarning` and calls nothing. Stores
   * without a size limit may leave it out. */
  onSizeWarning?(listener: (message: string) => void): void;
  /** Releases the writer lock. */
  close(): Promise<void>;
}

export interface AppendReceipt {
  events: SessionEvent[];
  durable: Promise<void>;
}

export interface VerifyReport {
  ok: boolean;
  records: number;
  bytes: number;
  /** Present when the log is damaged: where and why. A torn tail is reported here too. */
  damage?: { byteOffset: number; reason: string; tornTail: boolean };
}

/** A new session whose log starts as a copy of another's first events (a fork, see src/node/runtime/sessionFork.ts). */
export interface ForkRequest {
  /** The last event of the source to copy, by seq: the fork's log begins with the source's events 1..throughSeq
   * exactly as stored (ids, seq, times), so every reference between them still holds. */
  throughSeq: number;
  session: NewSession;
  /** Appended after the copies as part of the same creation: the fork is never seen without them. */
  append?: EventInput[];
}

export interface SessionStore {
  create(session: NewSession): Promise<SessionMeta>;
  /** Creates a session from a prefix of another's log (the source is only read; a live writer of it may go
   * on). INVALID_ARGUMENT when throughSeq is not an event of the source. */
  fork(sourceId: string, request: ForkRequest): Promise<SessionMeta>;
  list(): Promise<SessionMeta[]>;
  /** Throws SessionNotFoundError. */
  get(sessionId: string): Promise<SessionMeta>;
  updateMeta(sessionId: string, patch: Partial<Pick<SessionMeta, 'title' | 'metadata'>>): Promise<SessionMeta>;
  delete(sessionId: string): Promise<void>;
  /** Takes the session's single-writer lock (SessionLockedError when a live writer holds it). */
  openWriter(sessionId: string): Promise<SessionWriter>;
  /** Reads the log without taking the lock. Damage before the tail throws LogCorruptError. */
  read(sessionId: string, options?: { fromSeq?: number }): Promise<SessionEvent[]>;
  /** Up to `limit` events from `fromSeq` (default 1) on, and where they end. Pages through an index
   * (seq → offset), so a page near the end of a long log does not read the log before it. */
  readPage(sessionId: string, options?: { fromSeq?: number; limit?: number }): Promise<LogPage>;
  /** The log folded by `fold`: from the newest checkpoint of that fold that agrees with the log (the file
   * store keeps them beside the log, its writers those of the session's state and of the folds it was
   * given), plus the records after it; `next` is where a follow goes on. Damage throws LogCorruptError. */
  readFolded<S>(sessionId: string, fold: LogFold<S>): Promise<FoldedLog<S>>;
  /** Yields events from `fromSeq` (or from `after`, a page's `next`) on, then follows new ones as the
   * writer appends them, until aborted. Never blocks the writer. */
  follow(
    sessionId: string,
    options: { fromSeq?: number; after?: LogCursor; signal: AbortSignal },
  ): AsyncIterable<SessionEvent>;
  verify(sessionId: string): Promise<VerifyReport>;
}

// Records larger than a store's limit (tool outputs of megabytes) are kept by the store in
// content-addressed blobs and resolved on read: producers and readers always see whole events.
