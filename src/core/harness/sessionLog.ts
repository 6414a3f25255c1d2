// The harness's view of one session's log while it writes it: every event in order, per-thread
// indexes, and the folded state — all kept current on each append, so no decision re-reads the log.
//
// Appends are pipelined: each is written at call time (so concurrent threads get their records in
// seq order) and waits only for its own durability, so appends of several threads share the
// writer's fdatasyncs (group commit) instead of each waiting for the one before it. An append is
// taken into the state, the indexes and the listeners in seq order, once it and every append before
// it are acknowledged: the state never shows a record whose predecessors could still be lost.
//
// An 'ahead' append is written and its fdatasync started at once, like a 'sync' one, but acknowledged
// as soon as it is written (and everything before it is acknowledged): the caller goes on while the disk
// works. Only for a record whose loss in a crash the wake already handles (a tool result: its call is
// then answered "interrupted, outcome unknown", or re-run when that is harmless) and on which nothing
// outside this process acts before a later 'sync' append, which covers it (one file, written in order).
// A failed fdatasync breaks the writer: every later append, and close(), report it.
//
// The state starts from the writer's opened state (the fold checkpoint plus the tail), and nothing of the
// log is read until asked for: a wake that decides from the state alone never holds the log. A thread's
// events, or the events of some types, are read on first use through the writer's record index and kept
// current from then on: stepping a thread holds that thread, not the log. Only `events` and `get` build
// indexes of the whole log.
import type { EventInput, SessionEvent } from '../events/sessionEvent.ts';
import type { Durability, SessionWriter } from '../session/sessionStore.ts';
import { reduce, type SessionState } from '../session/sessionState.ts';

/** The writer's durabilities, and 'ahead': synced like 'sync', acknowledged once written (see above). */
export type LogDurability = Durability | 'ahead';

interface PendingAppend {
  events: SessionEvent[];
  settled: 'waiting' | 'acknowledged' | 'failed';
  error?: unknown;
  resolve: (events: SessionEvent[]) => void;
  reject: (error: unknown) => void;
  done: Promise<unknown>;
}

/** Events of one thread, or of some types: read through the writer's index once, then kept current. */
interface Selection {
  matches(event: SessionEvent): boolean;
  events: SessionEvent[];
}

interface EventIndexes {
  all: SessionEvent[];
  byThread: Map<string, SessionEvent[]>;
  byId: Map<string, SessionEvent>;
}

export class SessionLog {
  private indexes: EventIndexes | undefined;
  private current: SessionState;
  /** Seq of the last event taken in: a selection read from the writer leaves out appends not taken in yet. */
  private takenThrough: number;
  private readonly selections = new Map<string, Selection>();
  /** Appends written, in seq order, not yet taken in. */
  private readonly pending: PendingAppend[] = [];
  private readonly listeners = new Set<(event: SessionEvent) => void>();
  /** The fdatasyncs of 'ahead' appends still running, and the first that failed. */
  private readonly ahead = new Set<Promise<void>>();
  private aheadFailure: { error: unknown } | undefined;

  constructor(
    private readonly writer: SessionWriter,
    sessionId: string,
  ) {
    this.current = { ...writer.opened.state, id: sessionId };
    this.takenThrough = this.current.lastSeq;
  }

  get sessionId(): string {
    return this.writer.sessionId;
  }
  get state(): SessionState {
    return this.current;
  }
  get events(): readonly SessionEvent[] {
    return this.built().all;
  }
  threadEvents(threadId: string): readonly SessionEvent[] {
    return this.selection(
      `thread ${threadId}`,
      (e) => e.thread === threadId,
      () => (this.indexes ? (this.indexes.byThread.get(threadId) ?? []) : this.writer.readThread(threadId)),
    );
  }
  /** The events of these types, in log order. */
  eventsOfTypes(types: readonly string[]): readonly SessionEvent[] {
    const wanted = new Set(types);
    return this.selection(
      `types ${[...wanted].sort().join(' ')}`,
      (e) => wanted.has(e.type),
      () =>
        this.indexes ? this.indexes.all.filter((e) => wanted.has(e.type)) : this.writer.readEventsOfTypes([...wanted]),
    );
  }
  get(eventId: string): SessionEvent | undefined {
    return this.built().byId.get(eventId);
  }

  /** Waits for appends in flight, then releases the writer. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.pending.map((p) => p.done), ...this.ahead]);
    await this.writer.close();
    // An acknowledged record that never reached the disk: the caller must not take the log as complete.
    if (this.aheadFailure) throw this.aheadFailure.error;
  }

  onEvent(listener: (event: SessionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  append(event: EventInput, durability: LogDurability = 'sync'): Promise<SessionEvent> {
    return this.appendMany([event], durability).then((events) => events[0] as SessionEvent);
  }

  appendMany(events: EventInput[], durability: LogDurability = 'sync'): Promise<SessionEvent[]> {
    let receipt: ReturnType<SessionWriter['appendNow']>;
    try {
      receipt = this.writer.appendNow(events, durability === 'ahead' ? 'sync' : durability);
    } catch (error) {
      return Promise.reject(error);
    }
    let resolve!: (events: SessionEvent[]) => void;
    let reject!: (error: unknown) => void;
    const done = new Promise<SessionEvent[]>((yes, no) => {
      resolve = yes;
      reject = no;
    });
    const entry: PendingAppend = {
      events: receipt.events,
      settled: 'waiting',
      resolve,
      reject,
      done: done.catch(() => undefined),
    };
    this.pending.push(entry);
    if (durability === 'ahead') {
      entry.settled = 'acknowledged';
      this.runAhead(receipt.durable);
      // Taken in on a later tick, as every other append is: a listener never runs inside append().
      void Promise.resolve().then(() => this.takeIn());
      return done;
    }
    receipt.durable.then(
      () => {
        entry.settled = 'acknowledged';
        this.takeIn();
      },
      (error: unknown) => {
        entry.settled = 'failed';
        entry.error = error;
        this.takeIn();
      },
    );
    return done;
  }

  private runAhead(durable: Promise<void>): void {
    const running = durable.then(
      () => undefined,
      (error: unknown) => {
        this.aheadFailure ??= { error };
      },
    );
    this.ahead.add(running);
    void running.finally(() => this.ahead.delete(running));
  }

  /** Takes in the settled appends at the front, in seq order. */
  private takeIn(): void {
    while (this.pending.length > 0 && (this.pending[0] as PendingAppend).settled !== 'waiting') {
      const entry = this.pending.shift() as PendingAppend;
      if (entry.settled === 'failed') {
        // The writer is broken after a failed fdatasync: nothing after it is known to be on disk.
        entry.reject(entry.error);
        continue;
      }
      for (const event of entry.events) this.take(event);
      entry.resolve(entry.events);
    }
  }

  private selection(
    key: string,
    matches: (event: SessionEvent) => boolean,
    read: () => readonly SessionEvent[],
  ): readonly SessionEvent[] {
    let selected = this.selections.get(key);
    if (!selected) {
      const events = read().filter((e) => e.seq <= this.takenThrough);
      this.selections.set(key, (selected = { matches, events }));
    }
    return selected.events;
  }

  private take(event: SessionEvent): void {
    if (this.indexes) index(this.indexes, event);
    this.takenThrough = event.seq;
    for (const s of this.selections.values()) if (s.matches(event)) s.events.push(event);
    this.current = reduce(this.current, event);
    for (const l of this.listeners) l(event);
  }

  private built(): EventIndexes {
    if (!this.indexes) {
      const indexes: EventIndexes = { all: [], byThread: new Map(), byId: new Map() };
      for (const event of this.writer.opened.events) index(indexes, event);
      // What this run appended is read back, not kept: until a whole-log read, memory holds no copy of it.
      for (const event of this.writer.readSinceOpen()) if (event.seq <= this.takenThrough) index(indexes, event);
      this.indexes = indexes;
    }
    return this.indexes;
  }
}

function index(indexes: EventIndexes, event: SessionEvent): void {
  indexes.all.push(event);
  indexes.byId.set(event.id, event);
  let list = indexes.byThread.get(event.thread);
  if (!list) indexes.byThread.set(event.thread, (list = []));
  list.push(event);
}

/** Events of several selections (a thread's, some types') as one list in log order, each event once. */
export function inLogOrder(...lists: readonly (readonly SessionEvent[])[]): SessionEvent[] {
  const bySeq = new Map<number, SessionEvent>();
  for (const list of lists) for (const e of list) bySeq.set(e.seq, e);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}
