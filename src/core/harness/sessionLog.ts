// The harness's view of one session's log while it writes it: every event in order, per-thread
// indexes, and the folded state — all kept current on each append, so no decision re-reads the log.
// Appends are queued so that concurrent threads get their records written in seq order.
import type { EventInput, SessionEvent } from '../events/sessionEvent.ts';
import type { Durability, SessionWriter } from '../session/sessionStore.ts';
import { initialSessionState, reduce, type SessionState } from '../session/sessionState.ts';

export class SessionLog {
  private readonly all: SessionEvent[] = [];
  private readonly byThread = new Map<string, SessionEvent[]>();
  private readonly byId = new Map<string, SessionEvent>();
  private current: SessionState;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<(event: SessionEvent) => void>();

  constructor(
    private readonly writer: SessionWriter,
    sessionId: string,
  ) {
    this.current = initialSessionState(sessionId);
    for (const e of writer.opened.events) this.index(e);
  }

  get sessionId(): string {
    return this.writer.sessionId;
  }
  get state(): SessionState {
    return this.current;
  }
  get events(): readonly SessionEvent[] {
    return this.all;
  }
  threadEvents(threadId: string): readonly SessionEvent[] {
    return this.byThread.get(threadId) ?? [];
  }
  get(eventId: string): SessionEvent | undefined {
    return this.byId.get(eventId);
  }

  /** Waits for queued appends, then releases the writer. */
  async close(): Promise<void> {
    await this.queue;
    await this.writer.close();
  }

  onEvent(listener: (event: SessionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  append(event: EventInput, durability: Durability = 'sync'): Promise<SessionEvent> {
    return this.appendMany([event], durability).then((events) => events[0] as SessionEvent);
  }

  appendMany(events: EventInput[], durability: Durability = 'sync'): Promise<SessionEvent[]> {
    const run = this.queue.then(async () => {
      const stored = await this.writer.appendMany(events, durability);
      for (const e of stored) this.index(e);
      return stored;
    });
    // A failed append must not wedge the queue for everyone else; the caller still sees the error.
    this.queue = run.catch(() => undefined);
    return run;
  }

  private index(event: SessionEvent): void {
    this.all.push(event);
    this.byId.set(event.id, event);
    let list = this.byThread.get(event.thread);
    if (!list) this.byThread.set(event.thread, (list = []));
    list.push(event);
    this.current = reduce(this.current, event);
    for (const l of this.listeners) l(event);
  }
}
