// How a timeline stays small: a lane's raw spans merged once it grows past LANE_CAP (compactLane), and
// spans of one kind in one slice of the axis drawn as one (SpanMerger), counts and busy time kept exact.
import type { Span, SpanKind } from '../shared/overviewProtocol.ts';

/** Raw spans a lane keeps: past it, closed spans close in time are merged (compactLane), so a long
 * session's picture (and the Overview's checkpoint) stays about the same size however long it runs. Well
 * above MAX_SPANS_PER_LANE: a lane of fewer spans is drawn from every span as it was. */
export const LANE_CAP = 1024;
export interface RawSpan {
  kind: SpanKind;
  /** Epoch milliseconds. */
  start: number;
  end?: number;
  seq: number;
  label: string;
  isError: boolean;
  /** A shell call's command (normalized), so a step's validation can be told apart once the plan is known. */
  command?: string;
  /** A step reported with `complete_step`: the runtime's own validation run. */
  validation?: boolean;
  /** Spans merged into this one when its lane grew past LANE_CAP (1 when absent), the last one's label,
   * and the time they took together. */
  count?: number;
  lastLabel?: string;
  busy?: number;
}

const KIND_WORDS: Record<SpanKind, string> = {
  model: 'model requests',
  tool: 'tool calls',
  validation: 'validation runs',
  wait: 'waits for you',
  delegation: 'delegations',
};

/**
 * Spans of one kind whose starts fall in the same slice of the axis (`width` ms) become one, which
 * covers them all and counts them; with `width` 0 every span stays itself. Spans come in by start.
 */
export class SpanMerger {
  private readonly out: Span[] = [];
  private readonly current = new Map<SpanKind, { slice: number; span: Span; last: string }>();

  constructor(private readonly width: number) {}

  add(kind: SpanKind, start: number, end: number, r: RawSpan, validation: boolean): void {
    const prefix = validation ? 'Validation: ' : '';
    const label = `${prefix}${r.label}`;
    const last = r.lastLabel === undefined ? label : `${prefix}${r.lastLabel}`;
    const count = r.count ?? 1;
    const open = r.end === undefined;
    if (this.width === 0) {
      this.out.push({
        kind,
        start,
        end,
        seq: r.seq,
        label: count > 1 ? mergedLabel(kind, count, label, last) : label,
        open,
        isError: r.isError,
        count,
      });
      return;
    }
    const slice = Math.floor(start / this.width);
    const c = this.current.get(kind);
    if (c && c.slice === slice) {
      if (end > c.span.end) c.span.end = end;
      c.span.count += count;
      c.span.isError ||= r.isError;
      c.span.open ||= open;
      c.last = last;
      return;
    }
    this.close(kind);
    this.current.set(kind, {
      slice,
      span: { kind, start, end, seq: r.seq, label, open, isError: r.isError, count },
      last,
    });
  }

  done(): Span[] {
    for (const kind of [...this.current.keys()]) this.close(kind);
    return this.width === 0 ? this.out : this.out.sort((a, b) => a.start - b.start || a.seq - b.seq);
  }

  private close(kind: SpanKind): void {
    const c = this.current.get(kind);
    if (!c) return;
    if (c.span.count > 1) c.span.label = mergedLabel(kind, c.span.count, c.span.label, c.last);
    this.out.push(c.span);
    this.current.delete(kind);
  }
}

function mergedLabel(kind: SpanKind, count: number, first: string, last: string): string {
  return `${count} ${KIND_WORDS[kind]}, from ${first} to ${last}`;
}

/**
 * Merges a lane's closed spans of one kind whose starts fall in one slice of the time so far, each slice
 * half of LANE_CAP's share of it: finer than the picture draws (MAX_SPANS_PER_LANE slices), so it looks
 * the same, with the counts and busy time kept exact. Open spans stay themselves (the builder holds them
 * to close them). Shell calls of other commands merge into one of no command: a plan's validation that
 * only a later plan names is then not told apart among the earlier calls of a lane this long.
 */
export function compactLane(lane: RawSpan[], t0: number, tEnd: number): void {
  const width = Math.max(1, (tEnd - t0) / (LANE_CAP / 2));
  const out: RawSpan[] = [];
  const slots = new Map<string, number>();
  for (const span of lane) {
    if (span.end === undefined) {
      out.push(span);
      continue;
    }
    const key = `${span.kind}${span.validation ? '+v' : ''}:${Math.floor((span.start - t0) / width)}`;
    const at = slots.get(key);
    if (at === undefined) {
      slots.set(key, out.length);
      out.push(span);
    } else {
      out[at] = mergedSpans(out[at] as RawSpan, span);
    }
  }
  lane.splice(0, lane.length, ...out);
}

function mergedSpans(a: RawSpan, b: RawSpan): RawSpan {
  const busy = (s: RawSpan): number => s.busy ?? (s.end as number) - s.start;
  const merged: RawSpan = {
    kind: a.kind,
    start: a.start,
    end: Math.max(a.end as number, b.end as number),
    seq: a.seq,
    label: a.label,
    lastLabel: b.lastLabel ?? b.label,
    isError: a.isError || b.isError,
    count: (a.count ?? 1) + (b.count ?? 1),
    busy: busy(a) + busy(b),
  };
  if (a.command !== undefined && a.command === b.command) merged.command = a.command;
  if (a.validation) merged.validation = true;
  return merged;
}
