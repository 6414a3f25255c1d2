// The session's work as spans on a time axis, one lane per thread: model requests (start → end),
// tool calls (use → result; a step's validation command is drawn as a validation run), delegations
// (the delegating call, which waits for the other agent), and waits for the person (an `always_ask`
// call until its confirmation, an APPROVE verdict until the person's answer). Thread messages are
// arrows between lanes. Fed one event at a time in log order; `lanes()` gives a bounded picture.
import { COMPLETE_STEP_TOOL_NAME } from '../core/pipeline/planSteps.ts';
import { DELEGATION_TOOL_NAME } from '../core/harness/delegationTool.ts';
import type { SessionEvent } from '../core/events/sessionEvent.ts';
import type { Arrow, Lane, SpanKind } from '../shared/overviewProtocol.ts';
import { oneLine, readVerdict, toolInputSummary } from './eventRows.ts';
import { normalizeCommand } from './planProgress.ts';
import { formatTokens, formatUsd } from './sessionStatus.ts';
import { compactLane, LANE_CAP, SpanMerger, type RawSpan } from './timelineMerging.ts';

/** Spans per lane beyond which neighbours are drawn as one (a page stays small for any log). */
export const MAX_SPANS_PER_LANE = 240;
/** Arrows beyond this are thinned the same way. */
export const MAX_ARROWS = 400;
export { LANE_CAP } from './timelineMerging.ts';
/** After a compaction, the lane is compacted again once it is this much longer (or at LANE_CAP): open
 * spans are never merged, so a lane of many of them is not compacted at every span. */
const COMPACTION_STEP = 128;

interface RawArrow {
  from: string;
  to: string;
  at: number;
  seq: number;
  label: string;
}

interface SavedTimeline {
  t0?: number;
  tEnd: number;
  primary?: string;
  lanes: Array<[string, RawSpan[]]>;
  openModel: Array<[string, string, number]>;
  openTools: Array<[string, string, number]>;
  openWaits: Array<[string, string, number]>;
  arrows: RawArrow[];
  compactAt: Array<[string, number]>;
}

export interface LaneThread {
  id: string;
  agentName: string;
  status: string;
  depth: number;
}

export class TimelineBuilder {
  private t0: number | undefined;
  private tEnd = 0;
  private readonly byThread = new Map<string, RawSpan[]>();
  private readonly openModel = new Map<string, RawSpan>();
  private readonly openTools = new Map<string, RawSpan>();
  private readonly openWaits = new Map<string, RawSpan>();
  private readonly arrows: RawArrow[] = [];
  private primary: string | undefined;
  /** Lanes compacted before: the length at which each is compacted next. */
  private readonly compactAt = new Map<string, number>();

  get startTime(): number {
    return this.t0 ?? 0;
  }

  get durationMs(): number {
    return this.t0 === undefined ? 0 : this.tEnd - this.t0;
  }

  add(e: SessionEvent, agentOf: (threadId: string) => string): void {
    const at = Date.parse(e.processed_at);
    if (Number.isFinite(at)) {
      this.t0 ??= at;
      if (at > this.tEnd) this.tEnd = at;
    }
    const t = Number.isFinite(at) ? at : this.tEnd;
    switch (e.type) {
      case 'session.thread_created':
        if (e.parent_thread_id === null) this.primary ??= e.session_thread_id;
        return;
      case 'span.model_request_start':
        this.openModel.set(
          e.id,
          this.push(e.thread, {
            kind: 'model',
            start: t,
            seq: e.seq,
            label: `Model request (${e.model})`,
            isError: false,
          }),
        );
        return;
      case 'span.model_request_end': {
        const span = this.openModel.get(e.model_request_start_id);
        if (!span) return;
        this.openModel.delete(e.model_request_start_id);
        const u = e.model_usage;
        const tokens = u.input_tokens + u.output_tokens + u.cache_creation_input_tokens + u.cache_read_input_tokens;
        span.end = t;
        span.isError = e.is_error;
        span.label += e.is_error ? ': failed' : `: ${formatTokens(tokens)} tokens, ${formatUsd(e.cost_usd)}`;
        return;
      }
      case 'agent.tool_use': {
        const delegation = e.name === DELEGATION_TOOL_NAME;
        const input = (e.input ?? {}) as Record<string, unknown>;
        const label = delegation
          ? `Delegates to ${typeof input['agent_name'] === 'string' ? input['agent_name'] : 'an agent'}`
          : oneLine(`${e.name} ${toolInputSummary(e.name, e.input)}`, 160);
        const span: RawSpan = {
          kind: delegation ? 'delegation' : 'tool',
          start: t,
          seq: e.seq,
          label,
          isError: e.evaluated_permission === 'deny',
        };
        if (e.name === 'bash' && typeof input['command'] === 'string')
          span.command = normalizeCommand(input['command']);
        if (e.name === COMPLETE_STEP_TOOL_NAME) {
          span.validation = true;
          span.label = `step ${String(input['step_id'] ?? '?')}, run by Agent OS`;
        }
        this.openTools.set(e.id, this.push(e.thread, span));
        if (e.evaluated_permission === 'ask') {
          this.openWaits.set(
            e.id,
            this.push(e.thread, {
              kind: 'wait',
              start: t,
              seq: e.seq,
              label: `Waits for you to allow ${e.name}`,
              isError: false,
            }),
          );
        }
        return;
      }
      case 'agent.tool_result': {
        const span = this.openTools.get(e.tool_use_id);
        if (!span) return;
        this.openTools.delete(e.tool_use_id);
        span.end = t;
        span.isError = span.isError || e.is_error;
        if (e.is_error) span.label += ' (failed)';
        this.closeWait(e.tool_use_id, t);
        return;
      }
      case 'user.tool_confirmation':
        this.closeWait(e.tool_use_id, t, e.result === 'allow' ? 'allowed' : 'denied');
        return;
      case 'agent_os.verdict_submitted': {
        // A new verdict ends the wait for an older one.
        for (const key of [...this.openWaits.keys()]) if (key.startsWith('verdict:')) this.closeWait(key, t);
        const { decision } = readVerdict(e.verdict);
        if (decision !== 'APPROVE') return;
        const lane = this.primary ?? e.thread;
        this.openWaits.set(
          `verdict:${e.id}`,
          this.push(lane, {
            kind: 'wait',
            start: t,
            seq: e.seq,
            label: "Waits for your answer to the Reviewer's APPROVE",
            isError: false,
          }),
        );
        return;
      }
      case 'agent_os.approval':
        this.closeWait(`verdict:${e.verdict_event_id}`, t, e.decision === 'approve' ? 'approved' : 'changes requested');
        return;
      case 'agent.thread_message_sent': {
        const text = e.content.map((b) => b.text).join(' ');
        this.arrows.push({
          from: e.thread,
          to: e.to_session_thread_id,
          at: t,
          seq: e.seq,
          label: oneLine(`${agentOf(e.thread)} → ${e.to_agent_name ?? agentOf(e.to_session_thread_id)}: ${text}`, 160),
        });
        return;
      }
      default:
        return;
    }
  }

  /**
   * Lanes in the given thread order, times relative to the first event. `validations` holds the
   * plan's validation commands (normalized): shell calls of those are validation runs. Open spans end
   * at `until` (epoch ms; default: the last event).
   */
  lanes(threads: readonly LaneThread[], validations: ReadonlySet<string>, until?: number): Lane[] {
    const t0 = this.t0 ?? 0;
    const end = Math.max(until ?? this.tEnd, this.tEnd);
    const duration = end - t0;
    return threads.map((thread) => {
      const raw = this.byThread.get(thread.id) ?? [];
      const counts: Record<SpanKind, number> = { model: 0, tool: 0, validation: 0, wait: 0, delegation: 0 };
      let busyMs = 0;
      // A long lane is merged as it is read: one object per slice of the axis, not one per span.
      const merger = new SpanMerger(raw.length > MAX_SPANS_PER_LANE ? Math.max(duration, 1) / MAX_SPANS_PER_LANE : 0);
      for (const r of raw) {
        const kind =
          r.kind === 'tool' && (r.validation || (r.command !== undefined && validations.has(r.command)))
            ? 'validation'
            : r.kind;
        counts[kind] += r.count ?? 1;
        const stop = r.end ?? end;
        if (kind !== 'wait' && kind !== 'delegation') busyMs += r.busy ?? stop - r.start;
        merger.add(kind, r.start - t0, stop - t0, r, kind === 'validation');
      }
      return {
        threadId: thread.id,
        agentName: thread.agentName,
        status: thread.status,
        depth: thread.depth,
        spans: merger.done(),
        counts,
        busyMs,
      };
    });
  }

  arrowsView(): Arrow[] {
    const t0 = this.t0 ?? 0;
    const all = this.arrows.map((a) => ({ ...a, at: a.at - t0 }));
    if (all.length <= MAX_ARROWS) return all;
    // Evenly thinned: the first and last stay, so the picture's ends are right.
    const step = all.length / MAX_ARROWS;
    const out: Arrow[] = [];
    for (let i = 0; i < MAX_ARROWS; i++) out.push(all[Math.floor(i * step)]!);
    out[out.length - 1] = all[all.length - 1]!;
    return out;
  }

  /** The builder's state as plain JSON (a fold checkpoint of the Overview): open spans by their place. */
  save(): SavedTimeline {
    const place = new Map<RawSpan, [string, number]>();
    for (const [thread, spans] of this.byThread) spans.forEach((span, i) => place.set(span, [thread, i]));
    const open = (spans: Map<string, RawSpan>): Array<[string, string, number]> =>
      [...spans].map(([key, span]) => [key, ...(place.get(span) as [string, number])]);
    return {
      ...(this.t0 === undefined ? {} : { t0: this.t0 }),
      tEnd: this.tEnd,
      ...(this.primary === undefined ? {} : { primary: this.primary }),
      lanes: [...this.byThread],
      openModel: open(this.openModel),
      openTools: open(this.openTools),
      openWaits: open(this.openWaits),
      arrows: this.arrows,
      compactAt: [...this.compactAt],
    };
  }

  /** A builder from what `save` gave; throws on data of another shape. */
  static load(saved: unknown): TimelineBuilder {
    const s = saved as SavedTimeline;
    const b = new TimelineBuilder();
    if (s.t0 !== undefined) b.t0 = Number(s.t0);
    b.tEnd = Number(s.tEnd);
    if (s.primary !== undefined) b.primary = String(s.primary);
    for (const [thread, spans] of s.lanes) b.byThread.set(thread, spans);
    const reopen = (into: Map<string, RawSpan>, open: Array<[string, string, number]>): void => {
      for (const [key, thread, i] of open) {
        const span = b.byThread.get(thread)?.[i];
        if (!span) throw new Error(`open span ${key} is not in lane ${thread}`);
        into.set(key, span);
      }
    };
    reopen(b.openModel, s.openModel);
    reopen(b.openTools, s.openTools);
    reopen(b.openWaits, s.openWaits);
    b.arrows.push(...s.arrows);
    for (const [thread, at] of s.compactAt) b.compactAt.set(thread, Number(at));
    return b;
  }

  private push(threadId: string, span: RawSpan): RawSpan {
    let list = this.byThread.get(threadId);
    if (!list) this.byThread.set(threadId, (list = []));
    list.push(span);
    if (list.length > (this.compactAt.get(threadId) ?? LANE_CAP)) {
      compactLane(list, this.t0 ?? 0, this.tEnd);
      this.compactAt.set(threadId, Math.max(LANE_CAP, list.length + COMPACTION_STEP));
    }
    return span;
  }

  private closeWait(key: string, t: number, outcome?: string): void {
    const wait = this.openWaits.get(key);
    if (!wait) return;
    this.openWaits.delete(key);
    wait.end = t;
    if (outcome) wait.label += ` (${outcome})`;
  }
}
