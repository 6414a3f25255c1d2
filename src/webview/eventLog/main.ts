// The Event Log webview: a header with the session's status and filters, cards that ask the person
// something, and a virtualized list of rows paged from the extension host. Messages both ways are
// checked against src/shared/eventLogProtocol.ts; `setState` keeps only UI state.
import '../../shared/zodJitless.ts';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import {
  EVENT_KINDS,
  EventLogUiState,
  INITIAL_DATA_ID,
  InitialPage,
  parseHostMessage,
  type CardAction,
  type EventKind,
  type HostMessage,
  type RowFilter,
  type SessionSummary,
  type WebviewMessage,
} from '../../shared/eventLogProtocol.ts';
import { renderCards } from './cards.ts';
import { ListView } from './listView.ts';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const KIND_LABELS: Record<EventKind, string> = {
  message: 'Messages',
  tool: 'Tools',
  thread: 'Threads',
  status: 'Status',
  error: 'Errors',
  usage: 'Usage',
  review: 'Review',
};

const vscode = acquireVsCodeApi();
const saved = EventLogUiState.safeParse(vscode.getState());
let uiState: EventLogUiState | undefined = saved.success ? saved.data : undefined;
let filter: RowFilter | undefined = uiState?.filter;
let summary: SessionSummary | undefined;

function post(message: WebviewMessage): void {
  vscode.postMessage(message);
}

const doc = document;
const root = doc.getElementById('root') ?? doc.body;
const header = el('header', 'bar');
const titleLine = el('div', 'title-line');
const statusIcon = el('span', 'codicon codicon-circle-large-outline');
const title = el('span', 'session-title');
const stats = el('span', 'stats');
titleLine.append(statusIcon, title, stats);
const filters = el('div', 'filters');
const threadSelect = doc.createElement('vscode-single-select') as HTMLElement & { value: string };
threadSelect.id = 'thread-filter';
threadSelect.setAttribute('aria-label', 'Thread');
const kindBoxes = new Map<EventKind, HTMLElement & { checked: boolean }>();
const kinds = el('div', 'kinds');
for (const kind of EVENT_KINDS) {
  const box = doc.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
  box.setAttribute('label', KIND_LABELS[kind]);
  box.dataset['kind'] = kind;
  box.checked = true;
  box.addEventListener('change', () => changeFilter());
  kindBoxes.set(kind, box);
  kinds.append(box);
}
const followButton = headerButton('follow', 'arrow-down', 'Follow', 'Scroll to the end and follow new events');
const overviewButton = headerButton(
  'open-overview',
  'graph',
  'Overview',
  'Open the Session Overview: plan, progress, verdict, timeline and cost',
);
overviewButton.addEventListener('click', () => post({ type: 'openOverview' }));
header.append(titleLine, filters);
const cards = el('div', 'cards');
const banner = el('div', 'banner');
banner.hidden = true;
const viewport = el('div', 'viewport');
viewport.tabIndex = 0;
viewport.setAttribute('role', 'log');
root.append(header, banner, cards, viewport);

const list = new ListView(viewport, {
  requestRows: (generation, r) => post({ type: 'requestRows', generation, start: r.start, end: r.end }),
  requestDetail: (seq) => post({ type: 'requestDetail', seq }),
  scrolled: (anchorIndex, follow) => saveState({ anchorIndex, follow }),
});
if (uiState?.follow === false) list.follow = false;
followButton.addEventListener('click', () => list.scrollToEnd());
threadSelect.addEventListener('change', () => changeFilter());

window.addEventListener('message', (ev: MessageEvent) => {
  const msg = parseHostMessage(ev.data);
  if (!msg) {
    showBanner('The Event Log received a message it does not understand; reopen the panel.');
    return;
  }
  onHostMessage(msg);
});
function onHostMessage(msg: HostMessage): void {
  switch (msg.type) {
    case 'init':
      // VS Code merges this with a row's own context for the Event Log's context menu (Fork Session from Here).
      root.dataset['vscodeContext'] = JSON.stringify({ sessionId: msg.sessionId });
      filter = msg.filter;
      saveState({ sessionId: msg.sessionId, filter: msg.filter, threadId: msg.filter.threadId });
      updateSummary(msg.summary);
      syncFilterControls();
      list.reset(msg.generation, msg.total, uiState?.anchorIndex, msg.initialRows);
      break;
    case 'summary':
      updateSummary(msg.summary);
      break;
    case 'total':
      if (msg.generation === list.generation) list.grow(msg.total);
      else if (msg.generation > list.generation) list.reset(msg.generation, msg.total);
      break;
    case 'rows':
      list.put(msg.generation, msg.start, msg.rows);
      break;
    case 'detail':
      list.detail(msg.seq, msg.body);
      break;
    case 'reveal':
      list.reveal(msg.generation, msg.index, msg.seq);
      break;
    case 'error':
      showBanner(msg.message);
      break;
  }
}

function updateSummary(next: SessionSummary): void {
  summary = next;
  statusIcon.className = `codicon codicon-${STATUS_ICONS[next.status] ?? 'circle-large-outline'} status-${next.status}`;
  title.textContent = next.title;
  stats.textContent =
    `${next.status} · $${next.costUsd.toFixed(2)} · ${next.tokens.toLocaleString('en-US')} tokens · ` +
    `${next.eventCount.toLocaleString('en-US')} events`;
  doc.body.dataset['status'] = next.status;
  syncThreadOptions();
  renderCards(doc, cards, next, (card: CardAction) => post({ type: 'action', card }));
}

const STATUS_ICONS: Record<string, string> = {
  running: 'sync codicon-modifier-spin',
  idle: 'circle-large-outline',
  waiting: 'bell-dot',
  failed: 'error',
  interrupted: 'debug-pause',
  terminated: 'circle-slash',
  done: 'git-pull-request',
};

let threadOptionsKey = '';
function syncThreadOptions(): void {
  if (!summary) return;
  const key = summary.threads.map((t) => `${t.id}:${t.agentName}`).join('|');
  if (key === threadOptionsKey) return;
  threadOptionsKey = key;
  const options: HTMLElement[] = [option('', 'All threads')];
  for (const t of summary.threads) options.push(option(t.id, t.agentName));
  threadSelect.replaceChildren(...options);
  threadSelect.value = filter?.threadId ?? '';
}

function option(value: string, label: string): HTMLElement {
  const o = doc.createElement('vscode-option');
  o.setAttribute('value', value);
  o.textContent = label;
  return o;
}

function syncFilterControls(): void {
  if (!filter) return;
  const on = new Set(filter.kinds);
  for (const [kind, box] of kindBoxes) box.checked = on.has(kind);
  threadSelect.value = filter.threadId ?? '';
}

function changeFilter(): void {
  const next: RowFilter = {
    threadId: threadSelect.value ? threadSelect.value : null,
    kinds: EVENT_KINDS.filter((k) => kindBoxes.get(k)?.checked),
  };
  filter = next;
  saveState({ filter: next, threadId: next.threadId, anchorIndex: 0 });
  post({ type: 'setFilter', filter: next });
}

function saveState(patch: Partial<EventLogUiState>): void {
  const sessionId = patch.sessionId ?? uiState?.sessionId;
  if (!sessionId) return;
  uiState = { threadId: null, ...uiState, ...patch, sessionId };
  vscode.setState(uiState);
}

function showBanner(message: string): void {
  banner.hidden = false;
  banner.textContent = message;
}

function headerButton(id: string, icon: string, label: string, title: string): HTMLElement {
  const b = doc.createElement('vscode-button');
  b.setAttribute('secondary', '');
  b.setAttribute('icon', icon);
  b.id = id;
  b.textContent = label;
  b.title = title;
  return b;
}

function el(tag: string, className: string): HTMLElement {
  const e = doc.createElement(tag);
  e.className = className;
  return e;
}

// Last, once every declaration above has run. The first rows come with the page: drawn now, unless an
// earlier load of this same HTML drew them (a hidden panel's page is reloaded from it when shown again)
// and they are stale.
const initial = readInitialPage();
const drawn = initial && initial.pageId !== uiState?.pageId ? initial.init : undefined;
if (drawn && initial) {
  onHostMessage(drawn);
  saveState({ pageId: initial.pageId });
}
post({
  type: 'ready',
  ...(filter ? { filter } : {}),
  follow: uiState?.follow ?? true,
  ...(uiState?.anchorIndex !== undefined ? { anchorIndex: uiState.anchorIndex } : {}),
  ...(drawn ? { shownGeneration: drawn.generation } : {}),
});

/** The InitialPage the host wrote into the page, checked as a message is; undefined when absent or malformed
 * (then the `ready` round trip brings it). */
function readInitialPage(): InitialPage | undefined {
  const element = doc.getElementById(INITIAL_DATA_ID);
  if (!element) return undefined;
  element.remove();
  try {
    const parsed = InitialPage.safeParse(JSON.parse(element.textContent ?? ''));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

// The filter controls are web components whose first render costs about what the rows' does: they join the
// page once a frame with the rows has been painted, not before it (their line keeps its height meanwhile).
requestAnimationFrame(() =>
  setTimeout(() => {
    filters.append(threadSelect, kinds, followButton, overviewButton);
  }),
);
