// The Event Log's window on a session's log: events by seq, read from the store a page at a time
// (`readPage`, which starts near the page through the store's seq → offset index) and kept decoded in a
// small least-recently-used cache. The host never holds the log: a 100,000-event session costs the pages
// the person looks at, not the session's size.
import type { SessionEvent } from '../core/events/sessionEvent.ts';
import type { SessionStore } from '../core/session/sessionStore.ts';

/** Events per page: the unit read from disk and cached. */
export const EVENTS_PER_PAGE = 256;
/** Pages kept decoded; the least recently used goes first. 4096 events: a few screens around the viewport and
 * the look-back before them, ~10 MB of realistic events (2.5 KB on average), 80 MB if every one were 20 KB. */
const DEFAULT_CACHED_PAGES = 16;

export type PageSource = Pick<SessionStore, 'readPage'>;

export class EventPages {
  /** Page number → its events in seq order; Map order is recency (the first key is the oldest). */
  private readonly pages = new Map<number, SessionEvent[]>();

  constructor(
    private readonly store: PageSource,
    private readonly sessionId: string,
    private readonly maxPages = DEFAULT_CACHED_PAGES,
  ) {}

  /** The events with seqs in [fromSeq, toSeq], in order (fewer when the log ends first). Throws what the
   * store throws on a damaged log (LogCorruptError, naming the byte). */
  async range(fromSeq: number, toSeq: number): Promise<SessionEvent[]> {
    const out: SessionEvent[] = [];
    for (let page = pageOf(fromSeq); page <= pageOf(toSeq); page++) {
      const events = await this.page(page, Math.min(toSeq, (page + 1) * EVENTS_PER_PAGE));
      for (const e of events) if (e.seq >= fromSeq && e.seq <= toSeq) out.push(e);
      if (events.length < EVENTS_PER_PAGE) break; // the log ends in this page
    }
    return out;
  }

  async event(seq: number): Promise<SessionEvent | undefined> {
    if (seq < 1) return undefined;
    const events = await this.page(pageOf(seq), seq);
    return events[seq - pageStart(pageOf(seq))];
  }

  /** A decoded page, if cached (no read). */
  cached(seq: number): SessionEvent | undefined {
    return this.pages.get(pageOf(seq))?.[seq - pageStart(pageOf(seq))];
  }

  /** A live event, as followed: it extends its page when that page is cached up to it (else a later
   * read finds it on disk). */
  add(event: SessionEvent): void {
    const page = this.pages.get(pageOf(event.seq));
    if (page && page.length === event.seq - pageStart(pageOf(event.seq))) page.push(event);
  }

  /** Page `n`, read when it is not cached or does not yet reach `needSeq` (a live tail read earlier). */
  private async page(n: number, needSeq: number): Promise<SessionEvent[]> {
    const cached = this.pages.get(n);
    if (cached && (cached.length === EVENTS_PER_PAGE || pageStart(n) + cached.length > needSeq)) {
      this.pages.delete(n);
      this.pages.set(n, cached);
      return cached;
    }
    const { events } = await this.store.readPage(this.sessionId, { fromSeq: pageStart(n), limit: EVENTS_PER_PAGE });
    this.pages.delete(n);
    this.pages.set(n, events);
    while (this.pages.size > this.maxPages) this.pages.delete(this.pages.keys().next().value as number);
    return events;
  }
}

function pageOf(seq: number): number {
  return Math.floor((seq - 1) / EVENTS_PER_PAGE);
}

function pageStart(page: number): number {
  return page * EVENTS_PER_PAGE + 1;
}
