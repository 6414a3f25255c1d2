// One Event Log row as DOM: a header line (icon, agent, title, note) and, when expanded, its body.
// Few nodes per row keep the page within its node budget however long the session.
import type { EventRow } from '../../shared/eventLogProtocol.ts';

/** Bodies up to this size are shown expanded; longer ones start collapsed behind a chevron. */
const SHORT_BODY_LINES = 8;
const SHORT_BODY_CHARS = 800;
const DIFF_OPEN_LINES = 40;
const TERMINAL_OPEN_LINES = 16;

export function iconFor(row: EventRow): string {
  if (row.isError) return 'error';
  switch (row.type) {
    case 'user.message':
      return 'account';
    case 'agent.message':
      return 'comment';
    case 'agent.thinking':
      return 'lightbulb';
    case 'agent.tool_use':
      return 'tools';
    case 'agent.tool_result':
      return 'output';
    case 'user.tool_confirmation':
      return 'shield';
    case 'agent.thread_message_sent':
      return 'arrow-right';
    case 'agent.thread_message_received':
      return 'arrow-left';
    case 'session.thread_created':
      return 'type-hierarchy-sub';
    case 'span.model_request_start':
    case 'span.model_request_end':
      return 'pulse';
    case 'agent_os.plan_submitted':
      return 'checklist';
    case 'agent_os.verdict_submitted':
      return 'law';
    case 'agent_os.approval':
      return 'pass';
    case 'agent_os.pull_request_opened':
      return 'git-pull-request';
    case 'agent_os.wake':
      return 'history';
    case 'agent_os.session_configured':
      return 'settings-gear';
    case 'agent_os.sandbox_unconfined':
      return 'warning';
    default:
      return row.type.includes('running') ? 'debug-start' : 'circle-small';
  }
}

/** Whether a row has details beyond its title line. */
export function hasDetails(row: EventRow): boolean {
  if (row.diff || row.terminal) return true;
  if (!row.body) return false;
  return row.body.includes('\n') || row.body.length > row.title.length || row.bodyLength !== undefined;
}

export function startsExpanded(row: EventRow): boolean {
  // Diffs and terminal output are what a person scans for: open unless long.
  if (row.diff) return row.diff.lines.length <= DIFF_OPEN_LINES;
  if (row.terminal) return row.terminal.output.split('\n', TERMINAL_OPEN_LINES + 1).length <= TERMINAL_OPEN_LINES;
  if (!row.body || row.bodyLength !== undefined) return false;
  if (row.body.length > SHORT_BODY_CHARS) return false;
  let lines = 1;
  for (let i = 0; i < row.body.length; i++)
    if (row.body.charCodeAt(i) === 10 && ++lines > SHORT_BODY_LINES) return false;
  // A tool call's one-line title already says the command or path; its input opens on demand
  // unless it carries more (an edit's old and new text).
  if (row.type === 'agent.tool_use') return lines > 4;
  return row.type !== 'span.model_request_end' && row.type !== 'agent_os.session_configured';
}

export function renderRow(
  doc: Document,
  row: EventRow | undefined,
  index: number,
  expanded: boolean,
  fullBody: string | undefined,
): HTMLElement {
  const el = doc.createElement('div');
  el.className = 'row';
  el.dataset['index'] = String(index);
  if (!row) {
    el.classList.add('placeholder');
    el.textContent = '…';
    return el;
  }
  el.dataset['seq'] = String(row.seq);
  // The row's part of its context menu's argument (package.json `webview/context`): which event to fork from.
  el.dataset['vscodeContext'] = JSON.stringify({ webviewSection: 'event', eventId: row.id });
  el.classList.add(`kind-${row.kind}`);
  if (row.isError) el.classList.add('error');
  const details = hasDetails(row);
  const head = doc.createElement('div');
  head.className = 'head';
  if (details) {
    head.classList.add('toggle');
    head.setAttribute('role', 'button');
    head.setAttribute('aria-expanded', String(expanded));
    head.tabIndex = 0;
  }
  const icon = doc.createElement('span');
  icon.className = `codicon codicon-${details ? (expanded ? 'chevron-down' : 'chevron-right') : iconFor(row)}`;
  if (details) icon.title = row.type;
  const agent = doc.createElement('span');
  agent.className = 'agent';
  agent.textContent = row.agent;
  const title = doc.createElement('span');
  title.className = 'title';
  title.textContent = row.title;
  title.title = `#${row.seq} ${row.type} · ${row.time}`;
  head.append(icon, agent, title);
  if (row.note) {
    const note = doc.createElement('span');
    note.className = 'note';
    note.textContent = row.note;
    head.append(note);
  }
  el.append(head);
  if (details && expanded && row.diff) {
    el.append(renderDiff(doc, row.diff));
    return el;
  }
  if (details && expanded && row.terminal) {
    el.append(renderTerminal(doc, row.terminal));
    return el;
  }
  if (details && expanded && row.body) {
    const body = doc.createElement('pre');
    body.className = 'body';
    body.textContent = fullBody ?? row.body;
    el.append(body);
    if (row.bodyLength !== undefined && fullBody === undefined) {
      const more = doc.createElement('a');
      more.className = 'more';
      more.href = '#';
      more.dataset['action'] = 'more';
      more.textContent = `Show all ${row.bodyLength.toLocaleString('en-US')} characters`;
      el.append(more);
    }
  }
  return el;
}

/** An edit or write as a diff: one element per line (few nodes), + and − marked in text too. */
function renderDiff(doc: Document, diff: NonNullable<EventRow['diff']>): HTMLElement {
  const box = doc.createElement('div');
  box.className = 'diff';
  const caption = doc.createElement('div');
  caption.className = 'diff-caption';
  const base =
    diff.base === 'new-file'
      ? 'new file (no earlier write in this log)'
      : diff.base === 'previous-write'
        ? 'against the previous write'
        : 'edit';
  caption.textContent = `${diff.path} · +${diff.added} −${diff.removed} · ${base}`;
  const pre = doc.createElement('pre');
  pre.className = 'diff-lines';
  pre.setAttribute('aria-label', `Changes to ${diff.path}: ${diff.added} lines added, ${diff.removed} removed`);
  for (const line of diff.lines) {
    const span = doc.createElement('span');
    span.className = line.kind === '+' ? 'add' : line.kind === '-' ? 'del' : line.kind === '@' ? 'hunk' : 'ctx';
    span.textContent = line.kind === '@' ? `@@ ${line.text}\n` : `${line.kind}${line.text}\n`;
    pre.append(span);
  }
  box.append(caption, pre);
  if (diff.omitted) {
    const more = doc.createElement('div');
    more.className = 'diff-caption';
    more.textContent = `${diff.omitted} more lines: Show Changes has the whole change`;
    box.append(more);
  }
  return box;
}

/** A bash result as a terminal shows it, with its exit code. */
function renderTerminal(doc: Document, t: NonNullable<EventRow['terminal']>): HTMLElement {
  const box = doc.createElement('div');
  box.className = 'terminal';
  const prompt = doc.createElement('div');
  prompt.className = 'prompt';
  prompt.textContent = `$ ${t.command}`;
  const out = doc.createElement('pre');
  out.className = 'terminal-output';
  out.textContent = t.output || '(no output)';
  const exit = doc.createElement('div');
  exit.className = `exit ${t.exitCode === 0 ? 'ok' : 'fail'}`;
  exit.textContent =
    (t.exitCode === null ? 'stopped (no exit code)' : `exit code ${t.exitCode}`) +
    (t.outputLength !== undefined
      ? ` · output cut at ${t.output.length.toLocaleString('en-US')} of ${t.outputLength.toLocaleString('en-US')} characters`
      : '');
  box.append(prompt, out, exit);
  return box;
}
