// What an Event Log panel's host side keeps for one session — never the session's events. It opens from
// the session's fold checkpoint (readFolded: the state, where the log ends) and serves rows from pages
// read by seq through the store's index (EventPages); the filter and the rows that show an earlier event
// beside themselves use a compact summary of every event (EventLogIndex) that is built from disk in the
// background, in pages, and then kept current by each live event. The webview asks for ranges of the
// filtered list (`rows(start, end)`). No `vscode` import: plain node tests drive it.
import { describeError } from '../core/errors.ts';
import type { EventOfType, SessionEvent } from '../core/events/sessionEvent.ts';
import type { SessionFold, SessionState } from '../core/session/sessionState.ts';
import { SESSION_STATE_FOLD } from '../core/session/sessionStateFold.ts';
import type { LogCursor, SessionMeta, SessionStore } from '../core/session/sessionStore.ts';
import {
  EVENT_KINDS,
  MAX_ROWS_PER_REQUEST,
  PAGE_SIZE,
  type EventRow,
  type InitMessage,
  type RowFilter,
  type SessionSummary,
  type ToolAsk,
} from '../shared/eventLogProtocol.ts';
import { EVENT_LOG_INDEX_FOLD, EventLogIndex, writtenPath } from './eventLogIndex.ts';
import { askedUses, pendingAsks, sessionSummary, verdictTestRuns, type TestRuns } from './eventLogSummary.ts';
import { EventPages, EVENTS_PER_PAGE } from './eventPages.ts';
import { eventBody, toEventRow, type RowContext } from './eventRows.ts';
import { sandboxRelativizer } from './toolRendering.ts';

export type EventLogSource = Pick<SessionStore, 'readPage' | 'readFolded'>;
type ToolUse = EventOfType<'agent.tool_use'>;

/** Events the background index reads from disk at a time. */
const INDEX_PAGE_EVENTS = 4096;
/** How far back a row looks for its tool use or previous write while the index has not reached it. */
const LOOKBACK_EVENTS = 2 * EVENTS_PER_PAGE;

export class EventLogModel {
  private readonly pages: EventPages;
  private index = new EventLogIndex();
  private stateCopy: SessionState | undefined;
  private filterValue: RowFilter;
  /** Seqs that pass the filter, in order; undefined while the filter passes everything (row i is seq i+1). */
  private filtered: Uint32Array | undefined;
  private filteredLength = 0;
  private matches: ((seq: number) => boolean) | undefined;
  private filterToken = 0;
  private indexing: Promise<void> | undefined;
  /** Rows were served from a guess (the index had not reached them): served again once it has. */
  private provisional = false;
  /** Confirmations of the pending `always_ask` calls. */
  private readonly confirmations = new Set<string>();
  private testRuns: { verdictId: string; runs: TestRuns } | undefined;
  private closed = false;
  /** Bumped when the filtered list changes other than by growing at the end. */
  generation = 0;
  /** Called when rows served so far changed (the index rebuilt their guesses): ask for them again. */
  onRowsChanged: (() => void) | undefined;

  private constructor(
    private readonly source: EventLogSource,
    readonly sessionId: string,
    private readonly fold: SessionFold,
    /** Where the log ended at open: a follow goes on from here. */
    readonly next: LogCursor,
  ) {
    this.pages = new EventPages(source, sessionId);
    this.filterValue = everything(null);
  }

  /** Opens the session at its fold checkpoint plus the records after it; a filter that hides some events
   * waits for the index. Throws what the store throws (SessionNotFoundError, LogCorruptError). */
  static async open(source: EventLogSource, sessionId: string, filter: RowFilter): Promise<EventLogModel> {
    const { state, next } = await source.readFolded(sessionId, SESSION_STATE_FOLD);
    const model = new EventLogModel(source, sessionId, state, next);
    await model.readConfirmations();
    await model.setFilter(filter);
    return model;
  }

  get filter(): RowFilter {
    return this.filterValue;
  }

  get total(): number {
    return this.filtered ? this.filteredLength : this.fold.lastSeq;
  }

  get lastSeq(): number {
    return this.fold.lastSeq;
  }

  get sessionState(): SessionState {
    return (this.stateCopy ??= this.fold.state);
  }

  /** Whether the index has every event (filters and guesses no longer wait for the disk). */
  get indexed(): boolean {
    return this.index.next > this.fold.lastSeq;
  }

  /** Adds live events in log order; returns how many of them pass the filter. Already-seen seqs are skipped. */
  append(events: readonly SessionEvent[]): number {
    let added = 0;
    for (const e of events) {
      if (e.seq !== this.fold.lastSeq + 1) continue;
      this.fold.apply(e);
      this.stateCopy = undefined;
      if (e.type === 'user.tool_confirmation') this.confirmations.add(e.tool_use_id);
      this.pages.add(e);
      const summarized = this.index.add(e);
      if (!this.filtered) added++;
      else if (summarized && this.matches?.(e.seq)) {
        this.pushFiltered(e.seq);
        added++;
      }
    }
    return added;
  }

  /** Builds the summary of every event from disk, a page at a time; settles when it has them all. */
  whenIndexed(): Promise<void> {
    this.indexing ??= this.buildIndex();
    return this.indexing;
  }

  close(): void {
    this.closed = true;
  }

  async setFilter(filter: RowFilter): Promise<void> {
    const token = ++this.filterToken;
    if (filter.threadId === null && EVENT_KINDS.every((k) => filter.kinds.includes(k))) {
      this.useFilter(filter, undefined, undefined);
      return;
    }
    await this.whenIndexed();
    if (token !== this.filterToken) return; // another filter came meanwhile
    const matches = this.index.matcher(filter);
    const seqs = new Uint32Array(Math.max(16, this.fold.lastSeq >> 3));
    this.useFilter(filter, matches, seqs);
    for (let seq = 1; seq < this.index.next; seq++) if (matches(seq)) this.pushFiltered(seq);
  }

  /** Rows [start, end) of the filtered list, clamped to what exists and to MAX_ROWS_PER_REQUEST. Events the
   * log cannot give (damage) come as error rows that say why. */
  async rows(start: number, end: number): Promise<EventRow[]> {
    const from = Math.max(0, Math.min(start, this.total));
    const to = Math.min(end, this.total, from + MAX_ROWS_PER_REQUEST);
    const seqs: number[] = [];
    for (let i = from; i < to; i++) seqs.push(this.seqAt(i));
    let events: SessionEvent[];
    try {
      events = await this.eventsAt(seqs);
    } catch (error) {
      return seqs.map((seq, k) => unreadableRow(from + k, seq, error));
    }
    const ctx = await this.contextFor(events);
    return events.map((e, k) => toEventRow(e, from + k, ctx));
  }

  /** The page the webview shows first: the last one when following, else the one holding `anchorIndex`. */
  async initialRows(follow: boolean, anchorIndex: number | undefined): Promise<{ start: number; rows: EventRow[] }> {
    const last = Math.max(0, this.total - 1);
    const at = follow || anchorIndex === undefined ? last : Math.min(anchorIndex, last);
    const start = Math.floor(at / PAGE_SIZE) * PAGE_SIZE;
    return { start, rows: await this.rows(start, start + PAGE_SIZE) };
  }

  /** Everything the page shows first: its HTML carries this, and a `ready` without it is answered with it. */
  async init(
    meta: Pick<SessionMeta, 'title'>,
    live: boolean,
    follow: boolean,
    anchorIndex: number | undefined,
  ): Promise<InitMessage> {
    const initialRows = await this.initialRows(follow, anchorIndex);
    return {
      type: 'init',
      sessionId: this.sessionId,
      filter: this.filter,
      generation: this.generation,
      total: this.total,
      summary: await this.summary(meta, live),
      initialRows,
    };
  }

  /** Position of the event `seq` in the filtered list, or undefined when the filter hides it. */
  indexOfSeq(seq: number): number | undefined {
    if (!Number.isInteger(seq) || seq < 1 || seq > this.fold.lastSeq) return undefined;
    if (!this.filtered) return seq - 1;
    let lo = 0;
    let hi = this.filteredLength - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const at = this.filtered[mid] as number;
      if (at === seq) return mid;
      if (at < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  async detail(seq: number): Promise<string | undefined> {
    if (!Number.isInteger(seq) || seq < 1 || seq > this.fold.lastSeq) return undefined;
    const event = await this.pages.event(seq);
    return event && eventBody(event, await this.contextFor([event]));
  }

  async summary(meta: Pick<SessionMeta, 'title'>, live: boolean): Promise<SessionSummary> {
    const state = this.sessionState;
    const v = state.latestVerdict;
    if (v && this.testRuns?.verdictId !== v.id) {
      this.testRuns = { verdictId: v.id, runs: await verdictTestRuns(v, this.pages) };
    }
    return sessionSummary(this.sessionId, state, meta, live, this.toolAsks(), v ? (this.testRuns?.runs ?? []) : []);
  }

  /** `always_ask` tool calls the person has not answered yet. */
  toolAsks(): ToolAsk[] {
    return pendingAsks(this.sessionState, this.confirmations);
  }

  private useFilter(
    filter: RowFilter,
    matches: ((seq: number) => boolean) | undefined,
    seqs: Uint32Array | undefined,
  ): void {
    this.filterValue = filter;
    this.matches = matches;
    this.filtered = seqs;
    this.filteredLength = 0;
    this.generation++;
  }

  private pushFiltered(seq: number): void {
    let seqs = this.filtered as Uint32Array;
    if (this.filteredLength === seqs.length) {
      const bigger = new Uint32Array(seqs.length * 2);
      bigger.set(seqs);
      this.filtered = seqs = bigger;
    }
    seqs[this.filteredLength++] = seq;
  }

  private seqAt(i: number): number {
    return this.filtered ? (this.filtered[i] as number) : i + 1;
  }

  private async buildIndex(): Promise<void> {
    // The index's checkpoint, where a reader left one, plus the records after it (the store leaves a new
    // checkpoint when that was a long stretch); then the events followed since, from disk.
    const { state } = await this.source.readFolded(this.sessionId, EVENT_LOG_INDEX_FOLD);
    if (state.next > this.index.next) this.index = state;
    while (!this.closed && !this.indexed) {
      const fromSeq = this.index.next;
      const { events } = await this.source.readPage(this.sessionId, { fromSeq, limit: INDEX_PAGE_EVENTS });
      if (events[0]?.seq !== fromSeq)
        throw new Error(
          `session ${this.sessionId}: the log has no event ${fromSeq}, though it was read up to ${this.lastSeq}`,
        );
      for (const e of events) this.index.add(e);
    }
    if (this.provisional && !this.closed) {
      this.provisional = false;
      this.generation++;
      this.onRowsChanged?.();
    }
  }

  /** Pending `always_ask` calls the person already answered: looked for after the first of them. */
  private async readConfirmations(): Promise<void> {
    const asked = askedUses(this.sessionState);
    if (asked.length === 0) return;
    const ids = new Set(asked.map(({ use }) => use.id));
    const first = Math.min(...asked.map(({ use }) => use.seq));
    for (let lo = first; lo <= this.lastSeq; lo += EVENTS_PER_PAGE) {
      for (const e of await this.pages.range(lo, Math.min(this.lastSeq, lo + EVENTS_PER_PAGE - 1)))
        if (e.type === 'user.tool_confirmation' && ids.has(e.tool_use_id)) this.confirmations.add(e.tool_use_id);
    }
  }

  private async eventsAt(seqs: readonly number[]): Promise<SessionEvent[]> {
    const out: SessionEvent[] = [];
    for (let k = 0; k < seqs.length;) {
      // A run of seqs on the same pages is one read.
      let end = k;
      while (end + 1 < seqs.length && (seqs[end + 1] as number) - (seqs[end] as number) < EVENTS_PER_PAGE) end++;
      const want = new Set(seqs.slice(k, end + 1));
      for (const e of await this.pages.range(seqs[k] as number, seqs[end] as number)) if (want.has(e.seq)) out.push(e);
      k = end + 1;
    }
    if (out.length !== seqs.length) throw new Error(`session ${this.sessionId}: events missing from the log`);
    return out;
  }

  /** What rendering `events` needs from earlier in the log: the tool use of each result, the previous write
   * of each written path — through the index's links once it covers them, else from the pages just before. */
  private async contextFor(events: readonly SessionEvent[]): Promise<RowContext> {
    const uses = new Map<string, ToolUse>();
    const previous = new Map<number, string>();
    for (const e of events) if (e.type === 'agent.tool_use') uses.set(e.id, e);
    for (const e of events) {
      if (e.type === 'agent.tool_result' && !uses.has(e.tool_use_id)) {
        const use = await this.earlier(
          e.seq,
          (c): c is ToolUse => c.type === 'agent.tool_use' && c.id === e.tool_use_id,
        );
        if (use) uses.set(use.id, use);
      } else if (e.type === 'agent.tool_use') {
        const path = writtenPath(e.name, e.input);
        if (path === undefined) continue;
        const before = await this.earlier(
          e.seq,
          (c): c is ToolUse => c.type === 'agent.tool_use' && writtenPath(c.name, c.input) === path,
        );
        if (before) previous.set(e.seq, (before.input as { content: string }).content);
      }
    }
    return {
      agentOf: (threadId) => this.fold.agentName(threadId) ?? threadId,
      toolUse: (id) => uses.get(id),
      previousWrite: (_path, seq) => previous.get(seq),
      relative: sandboxRelativizer(this.sessionId),
    };
  }

  /** The event `seq` links to (its tool use, its previous write): the index's answer when it covers `seq`,
   * else the last match in the events just before (a guess when none is there, served again later). */
  private async earlier(seq: number, match: (e: SessionEvent) => e is ToolUse): Promise<ToolUse | undefined> {
    try {
      if (this.index.covers(seq)) {
        const link = this.index.link(seq);
        const linked = link ? await this.pages.event(link) : undefined;
        return linked && match(linked) ? linked : undefined;
      }
      const before = await this.pages.range(Math.max(1, seq - LOOKBACK_EVENTS), seq - 1);
      const found = before.findLast(match);
      if (!found && seq > LOOKBACK_EVENTS + 1) this.provisional = true;
      return found;
    } catch {
      return undefined; // the row shows without it; damage is reported by the read of the rows themselves
    }
  }
}

function everything(threadId: string | null): RowFilter {
  return { threadId, kinds: [...EVENT_KINDS] };
}

function unreadableRow(index: number, seq: number, error: unknown): EventRow {
  return {
    index,
    seq,
    id: `unreadable-${seq}`,
    thread: '',
    agent: '',
    type: 'agent_os.unreadable',
    kind: 'error',
    time: '',
    title: `Cannot read event ${seq}: ${describeError(error)}`,
    isError: true,
  };
}
