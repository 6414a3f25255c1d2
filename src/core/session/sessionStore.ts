// The SessionStore port: where session logs live. Implemented in memory (tests, previews) and on
// files (src/node/session/fileSessionStore.ts). Both pass test/conformance/sessionStoreConformance.ts.
import type { EventInput, SessionEvent } from '../events/sessionEvent.ts';

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
  events: SessionEvent[];
  /** Bytes of a torn last record that were cut off on open (0 when the log was whole). */
  truncatedTailBytes: number;
}

export interface SessionWriter {
  readonly sessionId: string;
  /** Fencing number of this writer; grows each time the session is opened for writing. */
  readonly fence: number;
  /** What was in the log when this writer opened it, after any torn tail was cut off. */
  readonly opened: OpenedLog;
  append(event: EventInput, durability?: Durability): Promise<SessionEvent>;
  /** Appends several records in order; durability applies to the last one (and so to all). */
  appendMany(events: EventInput[], durability?: Durability): Promise<SessionEvent[]>;
  /** Makes every acknowledged record durable. */
  flush(): Promise<void>;
  /** Releases the writer lock. */
  close(): Promise<void>;
}

export interface VerifyReport {
  ok: boolean;
  records: number;
  bytes: number;
  /** Present when the log is damaged: where and why. A torn tail is reported here too. */
  damage?: { byteOffset: number; reason: string; tornTail: boolean };
}

export interface SessionStore {
  create(session: NewSession): Promise<SessionMeta>;
  list(): Promise<SessionMeta[]>;
  /** Throws SessionNotFoundError. */
  get(sessionId: string): Promise<SessionMeta>;
  updateMeta(sessionId: string, patch: Partial<Pick<SessionMeta, 'title' | 'metadata'>>): Promise<SessionMeta>;
  delete(sessionId: string): Promise<void>;
  /** Takes the session's single-writer lock (SessionLockedError when a live writer holds it). */
  openWriter(sessionId: string): Promise<SessionWriter>;
  /** Reads the log without taking the lock. Damage before the tail throws LogCorruptError. */
  read(sessionId: string, options?: { fromSeq?: number }): Promise<SessionEvent[]>;
  /** Yields events from `fromSeq` on, then follows new ones as the writer appends them, until aborted.
   * Never blocks the writer. */
  follow(sessionId: string, options: { fromSeq?: number; signal: AbortSignal }): AsyncIterable<SessionEvent>;
  verify(sessionId: string): Promise<VerifyReport>;
}

// Records larger than a store's limit (tool outputs of megabytes) are kept by the store in
// content-addressed blobs and resolved on read: producers and readers always see whole events.
