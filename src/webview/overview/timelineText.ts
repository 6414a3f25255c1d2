// The timeline in words: the legend, what a span or a lane is (said on hover and focus, and to a screen
// reader), and the table under the chart that says everything the chart shows.
import type { Lane, SessionOverview, Span, SpanKind } from '../../shared/overviewProtocol.ts';
import { formatDuration, h } from './dom.ts';

const KIND_LABEL: Record<SpanKind, string> = {
  model: 'Model requests',
  tool: 'Tool calls',
  validation: 'Validation runs',
  wait: 'Waits for you',
  delegation: 'Delegations',
};
const KIND_ORDER: SpanKind[] = ['model', 'tool', 'validation', 'delegation', 'wait'];

export function spanDescription(lane: Lane, sp: Span): string {
  const when = `at ${formatDuration(sp.start)}, ${sp.open ? 'still going' : `for ${formatDuration(sp.end - sp.start)}`}`;
  return `${lane.agentName}: ${sp.label} (${when})${sp.isError ? ', failed' : ''}`;
}

export function laneSummary(lane: Lane): string {
  const parts = KIND_ORDER.filter((k) => lane.counts[k]).map((k) => `${lane.counts[k]} ${KIND_LABEL[k].toLowerCase()}`);
  return `${lane.agentName} (${lane.status}): ${parts.join(', ') || 'no activity yet'}`;
}

export function legend(): HTMLElement {
  return h(
    'ul',
    { class: 'legend', 'aria-label': 'Legend' },
    ...KIND_ORDER.map((k) =>
      h('li', {}, h('span', { class: `swatch kind-${k}`, 'aria-hidden': 'true' }), KIND_LABEL[k]),
    ),
    h('li', {}, h('span', { class: 'swatch message', 'aria-hidden': 'true' }), 'Thread messages'),
    h('li', {}, h('span', { class: 'swatch error', 'aria-hidden': 'true' }), 'Failed'),
  );
}

/** The timeline in words: a table of what each thread did, and the messages between threads. */
export function textAlternative(o: SessionOverview): HTMLElement {
  const { lanes, arrows } = o.timeline;
  const table = h('table', { class: 'lanes-table' });
  table.append(
    h(
      'caption',
      {},
      `What each thread did, over ${formatDuration(o.timeline.durationMs)} from ${new Date(o.timeline.startTime).toLocaleString()}`,
    ),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Thread'),
        h('th', { scope: 'col' }, 'Status'),
        ...KIND_ORDER.map((k) => h('th', { scope: 'col' }, KIND_LABEL[k])),
        h('th', { scope: 'col' }, 'Busy'),
      ),
    ),
  );
  const body = h('tbody');
  for (const l of lanes) {
    body.append(
      h(
        'tr',
        {},
        h('th', { scope: 'row' }, l.agentName),
        h('td', {}, l.status),
        ...KIND_ORDER.map((k) => h('td', {}, String(l.counts[k]))),
        h('td', {}, formatDuration(l.busyMs)),
      ),
    );
  }
  table.append(body);
  const shown = arrows.slice(-50);
  const messages = h(
    'ol',
    { class: 'messages' },
    ...shown.map((a) => h('li', {}, `${formatDuration(a.at)}: ${a.label}`)),
  );
  return h(
    'details',
    { class: 'timeline-text', id: 'timeline-text' },
    h('summary', {}, 'Timeline as text'),
    table,
    h(
      'h3',
      {},
      arrows.length > shown.length
        ? `Thread messages (the last ${shown.length} of ${arrows.length})`
        : 'Thread messages',
    ),
    messages,
  );
}
