// A session's log a page at a time, through the store's index (readPage): what a reader that shows or copies
// every event (the CLI's `sessions show` and `export`) walks, holding one page, never the whole log.
import type { SessionEvent } from '../events/sessionEvent.ts';
import type { SessionStore } from './sessionStore.ts';

const PAGE_EVENTS = 2048;

/** The events 1..throughSeq (what the log held when the reader looked: a live writer may add more). */
export async function* logPages(
  store: Pick<SessionStore, 'readPage'>,
  sessionId: string,
  throughSeq: number,
  pageEvents = PAGE_EVENTS,
): AsyncGenerator<SessionEvent[]> {
  for (let from = 1; from <= throughSeq;) {
    const { events } = await store.readPage(sessionId, {
      fromSeq: from,
      limit: Math.min(pageEvents, throughSeq - from + 1),
    });
    if (events.length === 0) return;
    yield events;
    from = (events.at(-1) as SessionEvent).seq + 1;
  }
}

/** The first event that `matches`, found by walking the log a page at a time; undefined when it has none. */
export async function findInLog<E extends SessionEvent>(
  store: Pick<SessionStore, 'readPage'>,
  sessionId: string,
  matches: (event: SessionEvent) => event is E,
): Promise<E | undefined> {
  for await (const page of logPages(store, sessionId, Number.MAX_SAFE_INTEGER))
    for (const e of page) if (matches(e)) return e;
  return undefined;
}

/** The seq of the event `eventId`, or undefined when the log has none. */
export async function seqOfEvent(
  store: Pick<SessionStore, 'readPage'>,
  sessionId: string,
  eventId: string,
): Promise<number | undefined> {
  return (await findInLog(store, sessionId, (e): e is SessionEvent => e.id === eventId))?.seq;
}
