// What an Event Log panel's host side keeps for one session: every event (read once, then followed),
// the fold, and the filtered index the webview pages through. The webview never holds the events;
// it asks for ranges of rows (`rows(start, end)`). No `vscode` import: plain node tests drive it.
import type { EventOfType, SessionEvent } from '../core/events/sessionEvent.ts';
import type { SessionMeta } from '../core/session/sessionStore.ts';
import { initialSessionState, reduce, totalTokens, type SessionState } from '../core/session/sessionState.ts';
import {
  MAX_ROWS_PER_REQUEST,
  PAGE_SIZE,
  type EventKind,
  type EventRow,
  type RowFilter,
  type SessionSummary,
  type ToolAsk,
  type VerdictCard,
} from '../shared/eventLogProtocol.ts';
import {
  eventBody,
  eventKind,
  oneLine,
  readVerdict,
  toEventRow,
  toolInputSummary,
  type RowContext,
} from './eventRows.ts';
import { sessionDisplayStatus, threadDisplayStatus } from './sessionStatus.ts';
import { sandboxRelativizer } from './toolRendering.ts';
import { showControlCharactersIn } from './controlCharacters.ts';

export class EventLogModel {
  private readonly events: SessionEvent[] = [];
  /** Positions in `events` of the events that pass the filter. */
  private filtered: number[] = [];
  private kinds: Set<EventKind>;
  private state: SessionState;
  private readonly toolUses = new Map<string, EventOfType<'agent.tool_use'>>();
  private readonly toolResults = new Map<string, EventOfType<'agent.tool_result'>>();
  private readonly confirmations = new Set<string>();
  private readonly bySeq = new Map<number, number>();
  private readonly byId = new Map<string, number>();
  /** Every `write`'s content by path, in log order: an inline diff shows a write against the one before. */
  private readonly writes = new Map<string, { seq: number; content: string }[]>();
  private readonly ctx: RowContext;
  private filterValue: RowFilter;
  /** Bumped when the filtered list changes other than by growing at the end. */
  generation = 0;

  constructor(
    readonly sessionId: string,
    filter: RowFilter,
  ) {
    this.state = initialSessionState(sessionId);
    this.filterValue = filter;
    this.kinds = new Set(filter.kinds);
    this.ctx = {
      agentOf: (threadId) => this.state.threads[threadId]?.agentName ?? threadId,
      toolUse: (id) => this.toolUses.get(id),
      previousWrite: (path, seq) => this.writes.get(path)?.findLast((w) => w.seq < seq)?.content,
      relative: sandboxRelativizer(sessionId),
    };
  }

  get filter(): RowFilter {
    return this.filterValue;
  }

  get total(): number {
    return this.filtered.length;
  }

  get eventCount(): number {
    return this.events.length;
  }

  get lastSeq(): number {
    return this.state.lastSeq;
  }

  get sessionState(): SessionState {
    return this.state;
  }

  /** Adds events in log order; returns how many of them pass the filter. Already-seen seqs are skipped. */
  append(events: readonly SessionEvent[]): number {
    let added = 0;
    for (const e of events) {
      if (e.seq <= this.state.lastSeq) continue;
      this.state = reduce(this.state, e);
      if (e.type === 'agent.tool_use') {
        this.toolUses.set(e.id, e);
        if (e.name === 'write') this.recordWrite(e);
      } else if (e.type === 'agent.tool_result') this.toolResults.set(e.tool_use_id, e);
      else if (e.type === 'user.tool_confirmation') this.confirmations.add(e.tool_use_id);
      const pos = this.events.push(e) - 1;
      this.bySeq.set(e.seq, pos);
      this.byId.set(e.id, pos);
      if (this.passes(e)) {
        this.filtered.push(pos);
        added++;
      }
    }
    return added;
  }

  setFilter(filter: RowFilter): void {
    this.filterValue = filter;
    this.kinds = new Set(filter.kinds);
    const next: number[] = [];
    for (let i = 0; i < this.events.length; i++) if (this.passes(this.events[i]!)) next.push(i);
    this.filtered = next;
    this.generation++;
  }

  /** Rows [start, end) of the filtered list, clamped to what exists and to MAX_ROWS_PER_REQUEST. */
  rows(start: number, end: number): EventRow[] {
    const from = Math.max(0, Math.min(start, this.filtered.length));
    const to = Math.min(end, this.filtered.length, from + MAX_ROWS_PER_REQUEST);
    const out: EventRow[] = [];
    for (let i = from; i < to; i++) out.push(toEventRow(this.events[this.filtered[i]!]!, i, this.ctx));
    return out;
  }

  /** The page the webview shows first: the last one when following, else the one holding `anchorIndex`. */
  initialRows(follow: boolean, anchorIndex: number | undefined): { start: number; rows: EventRow[] } {
    const last = Math.max(0, this.total - 1);
    const at = follow || anchorIndex === undefined ? last : Math.min(anchorIndex, last);
    const start = Math.floor(at / PAGE_SIZE) * PAGE_SIZE;
    return { start, rows: this.rows(start, start + PAGE_SIZE) };
  }

  /** Position of the event `seq` in the filtered list, or undefined when the filter hides it. */
  indexOfSeq(seq: number): number | undefined {
    const pos = this.bySeq.get(seq);
    if (pos === undefined) return undefined;
    // `filtered` holds positions in ascending order.
    let lo = 0;
    let hi = this.filtered.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const at = this.filtered[mid]!;
      if (at === pos) return mid;
      if (at < pos) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  detail(seq: number): string | undefined {
    const pos = this.bySeq.get(seq);
    return pos === undefined ? undefined : eventBody(this.events[pos]!, this.ctx);
  }

  event(eventId: string): SessionEvent | undefined {
    const pos = this.byId.get(eventId);
    return pos === undefined ? undefined : this.events[pos];
  }

  summary(meta: Pick<SessionMeta, 'title'>, live: boolean): SessionSummary {
    const s = this.state;
    const status = sessionDisplayStatus(s, live);
    const summary: SessionSummary = {
      sessionId: this.sessionId,
      title: meta.title,
      status,
      costUsd: s.usage.cost_usd,
      tokens: totalTokens(s.usage),
      eventCount: s.eventCount,
      threads: Object.values(s.threads).map((t) => ({
        id: t.id,
        agentName: t.agentName,
        status: threadDisplayStatus(t, status),
        tokens: totalTokens(t.usage),
      })),
      toolAsks: this.toolAsks(),
    };
    const verdict = this.verdictCard();
    if (verdict) summary.verdict = verdict;
    const asked = s.openQuestions;
    if (asked) {
      summary.questions = {
        eventId: asked.id,
        seq: asked.seq,
        reason: asked.reason,
        questions: asked.questions,
        ...(asked.confidence !== undefined ? { confidence: asked.confidence } : {}),
      };
    }
    if (s.pullRequest) summary.pullRequest = { url: s.pullRequest.url, number: s.pullRequest.number };
    return showControlCharactersIn(summary);
  }

  /** `always_ask` tool calls the person has not answered yet. */
  toolAsks(): ToolAsk[] {
    const out: ToolAsk[] = [];
    for (const thread of Object.values(this.state.threads)) {
      for (const use of thread.pendingToolUses.values()) {
        if (use.evaluated_permission !== 'ask' || this.confirmations.has(use.id)) continue;
        out.push({
          eventId: use.id,
          seq: use.seq,
          thread: use.thread,
          agent: thread.agentName,
          tool: use.name,
          input: oneLine(toolInputSummary(use.name, use.input), 400),
        });
      }
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  verdictCard(): VerdictCard | undefined {
    const v = this.state.latestVerdict;
    if (!v) return undefined;
    const { decision, summary } = readVerdict(v.verdict);
    const testRuns: VerdictCard['testRuns'] = [];
    const suite = v.evidence.suite_run;
    const suiteEvent = suite ? this.event(suite.event_id) : undefined;
    if (suite && suiteEvent)
      testRuns.push({ seq: suiteEvent.seq, command: `${suite.command} (run by Agent OS)`, ok: suite.exit_code === 0 });
    for (const id of v.evidence.test_run_event_ids) {
      const e = this.event(id);
      const use =
        e?.type === 'agent.tool_use'
          ? e
          : e?.type === 'agent.tool_result'
            ? this.toolUses.get(e.tool_use_id)
            : undefined;
      if (!e) continue;
      const result = use ? this.toolResults.get(use.id) : e.type === 'agent.tool_result' ? e : undefined;
      testRuns.push({
        seq: (use ?? e).seq,
        command: use ? toolInputSummary(use.name, use.input) : id,
        ok: result ? !result.is_error : null,
      });
    }
    const card: VerdictCard = {
      eventId: v.id,
      seq: v.seq,
      decision,
      summary,
      testRuns,
      baseCommit: v.evidence.base_commit,
      headCommit: v.evidence.head_commit,
    };
    const approval = this.state.latestApproval;
    if (approval && approval.verdict_event_id === v.id) card.answered = approval.decision;
    else if (this.state.pullRequest) card.answered = 'approve';
    return card;
  }

  private recordWrite(e: EventOfType<'agent.tool_use'>): void {
    const input = (e.input ?? {}) as { file_path?: unknown; path?: unknown; content?: unknown };
    const path = typeof input.file_path === 'string' ? input.file_path : input.path;
    if (typeof path !== 'string' || typeof input.content !== 'string') return;
    const list = this.writes.get(path);
    if (list) list.push({ seq: e.seq, content: input.content });
    else this.writes.set(path, [{ seq: e.seq, content: input.content }]);
  }

  private passes(e: SessionEvent): boolean {
    if (
      this.filterValue.threadId !== null &&
      e.thread !== this.filterValue.threadId &&
      !concerns(e, this.filterValue.threadId)
    ) {
      return false;
    }
    return this.kinds.has(eventKind(e));
  }
}

/** Session-level events that name a thread in their payload belong to that thread's view too. */
function concerns(e: SessionEvent, threadId: string): boolean {
  switch (e.type) {
    case 'session.thread_created':
    case 'session.thread_status_running':
    case 'session.thread_status_idle':
    case 'session.thread_status_rescheduled':
    case 'session.thread_status_terminated':
      return e.session_thread_id === threadId;
    default:
      return false;
  }
}
