// The Session Overview webview: the session at a glance, drawn from the overview the host folds from
// the log (src/views/sessionOverview.ts). Messages both ways are checked against
// src/shared/overviewProtocol.ts; `setState` keeps only which session the panel shows.
import '../../shared/zodJitless.ts';
import type { CardAction } from '../../shared/eventLogProtocol.ts';
import {
  OverviewUiState,
  parseOverviewHostMessage,
  type OverviewWebviewMessage,
  type SessionOverview,
} from '../../shared/overviewProtocol.ts';
import { renderChecklist } from './checklist.ts';
import { renderCostChart } from './costChart.ts';
import { button, h, icon } from './dom.ts';
import { TimelineChart } from './timelineChart.ts';
import { renderVerdict } from './verdictCard.ts';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const saved = OverviewUiState.safeParse(vscode.getState());
let sessionId = saved.success ? saved.data.sessionId : undefined;

const post = (m: OverviewWebviewMessage) => vscode.postMessage(m);
const open = (seq: number) => post({ type: 'openEvent', seq });
const act = (card: CardAction) => post({ type: 'action', card });

const root = document.getElementById('root') ?? document.body;
const banner = h('div', { class: 'banner', role: 'alert', hidden: '' });
const header = h('header', { class: 'section head' });
const planBox = h('div');
const verdictBox = h('div');
const timeline = new TimelineChart({ open });
const costBox = h('div');
const main = h(
  'main',
  { class: 'overview', 'aria-label': 'Session overview' },
  header,
  h('div', { class: 'columns' }, planBox, verdictBox),
  timeline.el,
  costBox,
);
root.append(banner, main);

/** Sections are redrawn only when what they show changed, so live updates keep focus and scroll. */
const drawn = new Map<string, string>();
let last: SessionOverview | undefined;

window.addEventListener('message', (ev: MessageEvent) => {
  const msg = parseOverviewHostMessage(ev.data);
  if (!msg) {
    showBanner('The Session Overview received a message it does not understand; reopen the panel.');
    return;
  }
  if (msg.type === 'error') showBanner(msg.message);
  else render(msg.overview);
});
window.addEventListener('resize', () => {
  if (!last) return;
  drawn.delete('timeline');
  drawn.delete('costs');
  render(last);
});
post({ type: 'ready' });

function render(o: SessionOverview): void {
  last = o;
  if (sessionId !== o.sessionId) {
    sessionId = o.sessionId;
    vscode.setState({ sessionId } satisfies OverviewUiState);
  }
  document.body.dataset['status'] = o.status;
  section(
    'head',
    { t: o.title, s: o.status, src: o.source, sb: o.sandbox, i: o.issueText, n: o.eventCount, pr: o.pullRequest },
    () => header.replaceChildren(...headerContent(o)),
  );
  section('plan', o.plan, () => swap(planBox, renderChecklist(o.plan, open)));
  section('verdict', [o.verdict, o.pullRequest], () => swap(verdictBox, renderVerdict(o, act, open)));
  section('timeline', o.timeline, () => timeline.render(o));
  section('costs', o.costs, () => swap(costBox, renderCostChart(o)));
  document.body.dataset['rendered'] = String(o.eventCount);
}

function section(key: string, value: unknown, draw: () => void): void {
  const json = JSON.stringify(value) ?? '';
  if (drawn.get(key) === json) return;
  drawn.set(key, json);
  draw();
}

/** Replaces a box's content, keeping the keyboard where it was when that element is drawn again. */
function swap(box: HTMLElement, next: HTMLElement): void {
  const focused =
    document.activeElement instanceof HTMLElement && box.contains(document.activeElement)
      ? focusKey(document.activeElement)
      : undefined;
  box.replaceChildren(next);
  if (focused) box.querySelector<HTMLElement>(focused)?.focus();
}

function focusKey(el: HTMLElement): string | undefined {
  const action = el.dataset['action'];
  if (action) return `[data-action="${action}"]`;
  const seq = el.dataset['seq'];
  return seq ? `[data-seq="${seq}"]` : undefined;
}

function headerContent(o: SessionOverview): Node[] {
  const out: Node[] = [];
  out.push(
    h(
      'div',
      { class: 'title-line' },
      h('h1', {}, o.title || o.sessionId),
      h('span', { class: `badge status-${o.status}`, 'aria-label': `Status: ${o.statusLabel}` }, o.statusLabel),
      button('Open Event Log', 'openEventLog', () => post({ type: 'openEventLog' }), true),
    ),
  );
  const facts = h('dl', { class: 'facts' });
  if (o.source) {
    const src = /^https?:\/\//.test(o.source) ? h('a', { href: o.source }, o.source) : h('span', {}, o.source);
    facts.append(h('dt', {}, 'Issue'), h('dd', {}, src));
  }
  if (o.sandbox) {
    facts.append(
      h('dt', {}, 'Sandbox'),
      h(
        'dd',
        { class: `sandbox ${o.sandbox.confined ? 'confined' : 'unconfined'}` },
        icon(o.sandbox.confined ? 'lock' : 'warning'),
        ' ',
        h('strong', {}, o.sandbox.kind),
        ` — ${o.sandbox.plain}`,
        o.sandbox.detail ? h('span', { class: 'muted' }, ` (${o.sandbox.detail})`) : '',
      ),
    );
  }
  facts.append(h('dt', {}, 'Events'), h('dd', {}, o.eventCount.toLocaleString('en-US')));
  out.push(facts);
  if (o.issueText)
    out.push(
      h(
        'details',
        { class: 'issue' },
        h('summary', {}, 'The task as the agents were given it'),
        h('pre', { class: 'issue-text' }, o.issueText),
      ),
    );
  return out;
}

function showBanner(message: string): void {
  banner.hidden = false;
  banner.textContent = message;
}
