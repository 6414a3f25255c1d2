// SessionStore kept in memory: for tests, previews and the webview's sample data. Same semantics as the
// file store (test/conformance/sessionStoreConformance.ts), minus durability: nothing outlives the process.
import { FenceLostError, SessionExistsError, SessionLockedError, SessionNotFoundError } from '../errors.ts';
import type { EventInput, SessionEvent } from '../events/sessionEvent.ts';
import {
  assertForkPoint,
  assertSessionId,
  newSessionMeta,
  patchedMeta,
  serializeEvent,
  stampEvent,
} from './storeRules.ts';
import { foldAll, type FoldedLog, type LogFold } from './logFold.ts';
import { foldSession } from './sessionState.ts';
import type {
  AppendReceipt,
  Durability,
  ForkRequest,
  LogCursor,
  LogPage,
  NewSession,
  OpenedLog,
  SessionMeta,
  SessionStore,
  SessionWriter,
  VerifyReport,
} from './sessionStore.ts';

interface MemorySession {
  meta: SessionMeta;
  /** Serialized records, so a reader never shares (or can mutate) the writer's objects. */
  records: string[];
  fence: number;
  writerOpen: boolean;
  listeners: Set<() => void>;
}

export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, MemorySession>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  async create(session: NewSession): Promise<SessionMeta> {
    const meta = newSessionMeta(session, this.now());
    if (this.sessions.has(meta.id)) throw new SessionExistsError(meta.id);
    this.sessions.set(meta.id, { meta, records: [], fence: 0, writerOpen: false, listeners: new Set() });
    return clone(meta);
  }

  async fork(sourceId: string, request: ForkRequest): Promise<SessionMeta> {
    const source = this.session(sourceId);
    assertForkPoint(sourceId, request.throughSeq, source.records.length);
    const meta = newSessionMeta(request.session, this.now());
    if (this.sessions.has(meta.id)) throw new SessionExistsError(meta.id);
    const now = this.now();
    const copied = source.records.slice(0, request.throughSeq);
    const appended = (request.append ?? []).map((e, i) =>
      serializeEvent(stampEvent(e, request.throughSeq + 1 + i, now)),
    );
    this.sessions.set(meta.id, {
      meta,
      records: [...copied, ...appended],
      fence: 0,
      writerOpen: false,
      listeners: new Set(),
    });
    return clone(meta);
  }

  async list(): Promise<SessionMeta[]> {
    return [...this.sessions.values()]
      .map((s) => clone(s.meta))
      .sort((a, b) => b.created_at.localeCompare(a.created_at) || a.id.localeCompare(b.id));
  }

  async get(sessionId: string): Promise<SessionMeta> {
    return clone(this.session(sessionId).meta);
  }

  async updateMeta(sessionId: string, patch: Partial<Pick<SessionMeta, 'title' | 'metadata'>>): Promise<SessionMeta> {
    const session = this.session(sessionId);
    session.meta = patchedMeta(session.meta, patch, this.now());
    return clone(session.meta);
  }

  async delete(sessionId: string): Promise<void> {
    const session = this.session(sessionId);
    if (session.writerOpen) throw new SessionLockedError(sessionId, undefined, session.fence);
    this.sessions.delete(sessionId);
    for (const wake of session.listeners) wake();
  }

  async openWriter(sessionId: string): Promise<SessionWriter> {
    const session = this.session(sessionId);
    if (session.writerOpen) throw new SessionLockedError(sessionId, undefined, session.fence);
    session.writerOpen = true;
    session.fence += 1;
    const events = session.records.map(parse);
    const opened: OpenedLog = { events, truncatedTailBytes: 0, state: foldSession(sessionId, events) };
    return new MemorySessionWriter(sessionId, session, session.fence, opened, this.now);
  }

  async read(sessionId: string, options?: { fromSeq?: number }): Promise<SessionEvent[]> {
    const records = this.session(sessionId).records;
    return records.slice(Math.max(0, (options?.fromSeq ?? 1) - 1)).map(parse);
  }

  /** A cursor's offset here is the index of its record: the same meaning as a file offset, in records. */
  async readPage(sessionId: string, options?: { fromSeq?: number; limit?: number }): Promise<LogPage> {
    const records = this.session(sessionId).records;
    const from = Math.max(1, options?.fromSeq ?? 1);
    const page = records
      .slice(from - 1, options?.limit === undefined ? undefined : from - 1 + Math.max(0, options.limit))
      .map(parse);
    const seq = Math.min(records.length + 1, from + page.length);
    return { events: page, next: { offset: seq - 1, seq } };
  }

  /** No checkpoints here: every reading folds the whole log. */
  async readFolded<S>(sessionId: string, fold: LogFold<S>): Promise<FoldedLog<S>> {
    const records = this.session(sessionId).records;
    return {
      state: foldAll(fold, sessionId, records.map(parse)),
      next: { offset: records.length, seq: records.length + 1 },
    };
  }

  async *follow(
    sessionId: string,
    options: { fromSeq?: number; after?: LogCursor; signal: AbortSignal },
  ): AsyncIterable<SessionEvent> {
    const session = this.session(sessionId);
    let next = Math.max(1, options.after?.seq ?? 1, options.fromSeq ?? 1);
    let wake: (() => void) | undefined;
    const listener = (): void => wake?.();
    session.listeners.add(listener);
    options.signal.addEventListener('abort', listener);
    try {
      while (!options.signal.aborted) {
        while (next <= session.records.length) {
          yield parse(session.records[next - 1] as string);
          next++;
          if (options.signal.aborted) return;
        }
        if (!this.sessions.has(sessionId)) throw new SessionNotFoundError(sessionId);
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      session.listeners.delete(listener);
      options.signal.removeEventListener('abort', listener);
    }
  }

  async verify(sessionId: string): Promise<VerifyReport> {
    const records = this.session(sessionId).records;
    return { ok: true, records: records.length, bytes: records.reduce((n, r) => n + r.length + 1, 0) };
  }

  private session(sessionId: string): MemorySession {
    assertSessionId(sessionId);
    const session = this.sessions.get(sessionId);
    if (!session) throw new SessionNotFoundError(sessionId);
    return session;
  }
}

class MemorySessionWriter implements SessionWriter {
  private closed = false;

  constructor(
    readonly sessionId: string,
    private readonly session: MemorySession,
    readonly fence: number,
    readonly opened: OpenedLog,
    private readonly now: () => Date,
  ) {}

  async append(event: EventInput, durability: Durability = 'sync'): Promise<SessionEvent> {
    const [stored] = await this.appendMany([event], durability);
    return stored as SessionEvent;
  }

  async appendMany(events: EventInput[], durability: Durability = 'sync'): Promise<SessionEvent[]> {
    return this.appendNow(events, durability).events;
  }

  readSinceOpen(): SessionEvent[] {
    return this.session.records.slice(this.opened.events.length).map(parse);
  }

  appendNow(events: EventInput[], _durability: Durability = 'sync'): AppendReceipt {
    this.checkFence();
    const now = this.now();
    const base = this.session.records.length;
    // Validate the whole batch before keeping any of it: a bad event appends nothing.
    const records = events.map((e, i) => serializeEvent(stampEvent(e, base + 1 + i, now)));
    this.session.records.push(...records);
    for (const wake of this.session.listeners) wake();
    return { events: records.map(parse), durable: Promise.resolve() };
  }

  async flush(): Promise<void> {
    this.checkFence();
  }

  readThread(threadId: string): SessionEvent[] {
    return this.session.records.map(parse).filter((e) => e.thread === threadId);
  }

  readEventsOfTypes(types: readonly string[]): SessionEvent[] {
    return this.session.records.map(parse).filter((e) => types.includes(e.type));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.session.fence === this.fence) this.session.writerOpen = false;
  }

  private checkFence(): void {
    if (this.closed) throw new Error(`writer of session ${this.sessionId} is closed`);
    if (this.session.fence !== this.fence) throw new FenceLostError(this.sessionId, this.fence, this.session.fence);
  }
}

function parse(record: string): SessionEvent {
  return JSON.parse(record) as SessionEvent;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}
