// The timeline: one lane per thread, spans on a shared time axis, arrows for thread messages. Drawn
// as SVG of our own (a charting library would outweigh the page for rectangles and lines). One tab
// stop: arrow keys move between spans (left/right in a lane, up/down to the nearest span of the next
// lane), Enter opens the span's event in the Event Log; hover or focus shows what the span is. A
// table under it says the same in text.
import type { Lane, SessionOverview, Span, SpanKind } from '../../shared/overviewProtocol.ts';
import { formatDuration, h, s } from './dom.ts';
import { laneSummary, legend, spanDescription, textAlternative } from './timelineText.ts';

const LABEL_W = 132;
const LANE_H = 30;
const AXIS_H = 22;
const PAD_R = 16;
const MIN_SPAN_W = 3;

export interface TimelineHost {
  open(seq: number): void;
}

export class TimelineChart {
  readonly el: HTMLElement;
  private readonly tooltip: HTMLElement;
  private readonly chartBox: HTMLElement;
  private readonly textBox: HTMLElement;
  private lanes: Lane[] = [];
  /** Where the keyboard is: lane and span index (kept across updates by the span's seq). */
  private active: { lane: number; span: number } | undefined;
  private activeSeq: number | undefined;

  constructor(private readonly host: TimelineHost) {
    this.el = h('section', { class: 'section timeline', 'aria-labelledby': 'timeline-heading' });
    this.chartBox = h('div', { class: 'chart-box' });
    this.tooltip = h('div', { class: 'tooltip', role: 'tooltip', id: 'timeline-tooltip', hidden: '' });
    this.textBox = h('div');
    this.el.append(
      h('h2', { id: 'timeline-heading' }, 'Timeline'),
      legend(),
      this.chartBox,
      this.tooltip,
      this.textBox,
    );
  }

  render(o: SessionOverview): void {
    const { lanes, arrows, durationMs } = o.timeline;
    this.lanes = lanes;
    const width = Math.max(480, (this.chartBox.clientWidth || this.el.clientWidth || 900) - 2);
    const plotW = width - LABEL_W - PAD_R;
    const height = AXIS_H + lanes.length * LANE_H + 4;
    const span = Math.max(durationMs, 1);
    const x = (ms: number) => LABEL_W + (ms / span) * plotW;
    const laneIndex = new Map(lanes.map((l, i) => [l.threadId, i]));
    const laneMid = (i: number) => AXIS_H + i * LANE_H + LANE_H / 2;

    const svg = s('svg', {
      class: 'timeline-svg',
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      role: 'group',
      'aria-roledescription': 'timeline',
      'aria-label': `Timeline of ${lanes.length} threads over ${formatDuration(durationMs)}; arrow keys move between spans, Enter opens one in the Event Log`,
      'aria-describedby': 'timeline-text',
    });
    svg.append(
      s(
        'defs',
        {},
        s(
          'marker',
          {
            id: 'arrowhead',
            viewBox: '0 0 8 8',
            refX: 7,
            refY: 4,
            markerWidth: 7,
            markerHeight: 7,
            orient: 'auto-start-reverse',
          },
          s('path', { d: 'M0,0 L8,4 L0,8 z', class: 'arrowhead' }),
        ),
      ),
    );
    // Axis: ticks at a round step giving about six of them.
    const axis = s('g', { class: 'axis', 'aria-hidden': 'true' });
    const step = tickStep(span);
    for (let t = 0; t <= span; t += step) {
      axis.append(
        s('line', { x1: x(t), x2: x(t), y1: AXIS_H - 4, y2: height, class: 'grid' }),
        s(
          'text',
          { x: x(t), y: AXIS_H - 8, class: 'tick', 'text-anchor': t === 0 ? 'start' : 'middle' },
          formatDuration(t),
        ),
      );
    }
    svg.append(axis);

    lanes.forEach((lane, li) => {
      const top = AXIS_H + li * LANE_H;
      const g = s('g', {
        class: 'lane',
        role: 'list',
        'aria-label': laneSummary(lane),
        'data-thread': lane.threadId,
        'data-agent': lane.agentName,
      });
      g.append(
        s('rect', {
          x: 0,
          y: top,
          width,
          height: LANE_H,
          class: li % 2 ? 'lane-bg odd' : 'lane-bg',
          'aria-hidden': 'true',
        }),
        s(
          'text',
          { x: 8 + lane.depth * 10, y: top + LANE_H / 2 + 4, class: 'lane-label', 'aria-hidden': 'true' },
          lane.agentName,
        ),
      );
      lane.spans.forEach((sp, si) => {
        const [y, hgt] = band(sp.kind, top);
        const x0 = x(sp.start);
        const w = Math.max(MIN_SPAN_W, x(sp.end) - x0);
        const rect = s('rect', {
          x: x0,
          y,
          width: w,
          height: hgt,
          rx: 2,
          class: `span kind-${sp.kind}${sp.isError ? ' error' : ''}${sp.open ? ' open' : ''}`,
          role: 'listitem',
          tabindex: -1,
          'aria-label': spanDescription(lane, sp),
          'data-lane': li,
          'data-span': si,
          'data-seq': sp.seq,
        });
        g.append(rect);
      });
      svg.append(g);
    });

    const arrowLayer = s('g', { class: 'arrows', role: 'list', 'aria-label': `${arrows.length} thread messages` });
    for (const a of arrows) {
      const from = laneIndex.get(a.from);
      const to = laneIndex.get(a.to);
      if (from === undefined || to === undefined || from === to) continue;
      const ax = x(a.at);
      const dir = to > from ? 1 : -1;
      arrowLayer.append(
        s('line', {
          x1: ax,
          y1: laneMid(from) + dir * 6,
          x2: ax + 4,
          y2: laneMid(to) - dir * 8,
          class: 'message',
          'marker-end': 'url(#arrowhead)',
          role: 'listitem',
          'aria-label': `Message at ${formatDuration(a.at)}: ${a.label}`,
          'data-seq': a.seq,
        }),
      );
    }
    svg.append(arrowLayer);

    svg.addEventListener('keydown', (ev) => this.onKey(ev));
    svg.addEventListener('focusin', (ev) => this.showFor(ev.target as Element, true));
    svg.addEventListener('focusout', () => this.hideTooltip());
    svg.addEventListener('mouseover', (ev) => this.showFor(ev.target as Element, false, ev));
    svg.addEventListener('mousemove', (ev) => this.moveTooltip(ev));
    svg.addEventListener('mouseleave', () => this.hideTooltip());
    svg.addEventListener('click', (ev) => {
      const seq = Number((ev.target as Element).getAttribute('data-seq'));
      if (seq > 0) this.host.open(seq);
    });

    const hadFocus = this.chartBox.contains(document.activeElement);
    this.chartBox.replaceChildren(svg);
    this.restoreActive(svg, hadFocus);
    this.textBox.replaceChildren(textAlternative(o));
  }

  private restoreActive(svg: SVGElement, focus: boolean): void {
    let pos: { lane: number; span: number } | undefined;
    if (this.activeSeq !== undefined) {
      this.lanes.forEach((l, li) => {
        const si = l.spans.findIndex((sp) => sp.seq === this.activeSeq);
        if (si >= 0) pos = { lane: li, span: si };
      });
    }
    pos ??= this.firstSpan();
    this.active = pos;
    if (!pos) {
      svg.setAttribute('tabindex', '0');
      return;
    }
    const rect = this.rectAt(pos);
    rect?.setAttribute('tabindex', '0');
    if (focus) rect?.focus();
  }

  private firstSpan(): { lane: number; span: number } | undefined {
    const li = this.lanes.findIndex((l) => l.spans.length > 0);
    return li < 0 ? undefined : { lane: li, span: 0 };
  }

  private rectAt(p: { lane: number; span: number }): SVGElement | null {
    return this.chartBox.querySelector<SVGElement>(`rect.span[data-lane="${p.lane}"][data-span="${p.span}"]`);
  }

  private onKey(ev: KeyboardEvent): void {
    const at = this.active;
    if (!at) return;
    const lane = this.lanes[at.lane];
    if (!lane) return;
    let next: { lane: number; span: number } | undefined;
    switch (ev.key) {
      case 'ArrowRight':
        next = { lane: at.lane, span: Math.min(lane.spans.length - 1, at.span + 1) };
        break;
      case 'ArrowLeft':
        next = { lane: at.lane, span: Math.max(0, at.span - 1) };
        break;
      case 'Home':
        next = { lane: at.lane, span: 0 };
        break;
      case 'End':
        next = { lane: at.lane, span: lane.spans.length - 1 };
        break;
      case 'ArrowDown':
      case 'ArrowUp': {
        const t = lane.spans[at.span]?.start ?? 0;
        const dir = ev.key === 'ArrowDown' ? 1 : -1;
        for (let li = at.lane + dir; li >= 0 && li < this.lanes.length; li += dir) {
          const spans = this.lanes[li]!.spans;
          if (spans.length === 0) continue;
          next = { lane: li, span: nearest(spans, t) };
          break;
        }
        break;
      }
      case 'Enter':
      case ' ': {
        const sp = lane.spans[at.span];
        if (sp) this.host.open(sp.seq);
        ev.preventDefault();
        return;
      }
      default:
        return;
    }
    ev.preventDefault();
    if (!next) return;
    this.rectAt(at)?.setAttribute('tabindex', '-1');
    this.active = next;
    this.activeSeq = this.lanes[next.lane]?.spans[next.span]?.seq;
    const rect = this.rectAt(next);
    rect?.setAttribute('tabindex', '0');
    rect?.focus();
  }

  private showFor(target: Element, byKeyboard: boolean, ev?: MouseEvent): void {
    const label = target.getAttribute('aria-label');
    if (!label || !(target.matches('rect.span') || target.matches('line.message'))) {
      if (!byKeyboard) this.hideTooltip();
      return;
    }
    if (byKeyboard && target.matches('rect.span')) {
      this.active = { lane: Number(target.getAttribute('data-lane')), span: Number(target.getAttribute('data-span')) };
      this.activeSeq = Number(target.getAttribute('data-seq'));
    }
    this.tooltip.textContent = label;
    this.tooltip.hidden = false;
    if (ev) this.moveTooltip(ev);
    else {
      const box = target.getBoundingClientRect();
      const host = this.el.getBoundingClientRect();
      this.place(box.left - host.left, box.bottom - host.top + 6);
    }
  }

  private moveTooltip(ev: MouseEvent): void {
    if (this.tooltip.hidden) return;
    const host = this.el.getBoundingClientRect();
    this.place(ev.clientX - host.left + 12, ev.clientY - host.top + 16);
  }

  private place(left: number, top: number): void {
    const max = this.el.clientWidth - this.tooltip.offsetWidth - 4;
    this.tooltip.style.left = `${Math.max(0, Math.min(left, max))}px`;
    this.tooltip.style.top = `${top}px`;
  }

  private hideTooltip(): void {
    this.tooltip.hidden = true;
  }
}

/** Vertical band of a span in its lane: work in the middle, delegations below it, waits above. */
function band(kind: SpanKind, top: number): [number, number] {
  switch (kind) {
    case 'wait':
      return [top + 2, 5];
    case 'delegation':
      return [top + LANE_H - 7, 5];
    default:
      return [top + 8, LANE_H - 16];
  }
}

function tickStep(span: number): number {
  const steps = [
    100, 250, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000,
    3_600_000, 7_200_000,
  ];
  return steps.find((st) => span / st <= 7) ?? Math.ceil(span / 7);
}

function nearest(spans: readonly Span[], t: number): number {
  let best = 0;
  for (let i = 1; i < spans.length; i++) if (Math.abs(spans[i]!.start - t) < Math.abs(spans[best]!.start - t)) best = i;
  return best;
}
