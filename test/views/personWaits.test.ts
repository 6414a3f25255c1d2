// The bookkeeping behind the notifications that ask the person something: one per session, shown when a
// question arises live, closed when it is answered (by whatever surface: the answer is an event in the log),
// replaced by the session's next question, never stacked, never shown again once dismissed or when it was
// already open before the window opened. And what a notification says is safe to show.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { NoticeBook } from '../../src/views/noticeBook.ts';
import type { SessionMeta } from '../../src/core/session/sessionStore.ts';
import {
  noticeFor,
  noticeText,
  noticeWithLinks,
  PersonWaits,
  withoutLinks,
  type PersonWait,
} from '../../src/views/personWaits.ts';
import { ThreadsTreeModel } from '../../src/views/threadsTreeModel.ts';
import { sandboxRelativizer } from '../../src/views/toolRendering.ts';
import { LogBuilder, T } from './overviewLog.ts';

const SESSION = 'sesn_aHU9';

/** A surface that records what is on screen, as VS Code's notification area would hold it. */
class Screen {
  readonly open = new Map<number, { sessionId: string; wait: PersonWait; dismiss: () => void }>();
  shown = 0;
  closed = 0;
  show(sessionId: string, wait: PersonWait, dismissed: () => void): number {
    const id = ++this.shown;
    this.open.set(id, { sessionId, wait, dismiss: () => (this.open.delete(id), dismissed()) });
    return id;
  }
  close(id: number): void {
    assert.ok(this.open.delete(id), `notification ${id} was closed twice or never shown`);
    this.closed++;
  }
  keys(): string[] {
    return [...this.open.values()].map((n) => `${n.sessionId} ${n.wait.key}`);
  }
}

/** The notifications of the extension in plain node: the log's events go in, the screen shows the result. */
function world() {
  const screen = new Screen();
  const waits = new PersonWaits();
  const book = new NoticeBook<number>({ show: (s, w, d) => screen.show(s, w, d), close: (id) => screen.close(id) });
  const rel = sandboxRelativizer(SESSION);
  const feed = (events: readonly SessionEvent[], live = true, sessionId = SESSION): void => {
    waits.apply(sessionId, events);
    book.update(sessionId, waits.current(sessionId, rel), live);
  };
  return { screen, waits, book, feed };
}

function coderSession(): LogBuilder {
  const log = new LogBuilder();
  log.thread(T.coordinator, 'Coordinator', null, 0);
  log.thread(T.coder, 'Coder', T.coordinator, 10);
  return log;
}

const ask = (log: LogBuilder, command: string) =>
  log.tool(T.coder, 'bash', { command }, log.at + 10, undefined, 'ok', false, 'ask');
const confirm = (log: LogBuilder, use: SessionEvent, result: 'allow' | 'deny') =>
  log.add(T.coordinator, {
    type: 'user.tool_confirmation',
    tool_use_id: use.id,
    result,
    ...(result === 'deny' ? { deny_message: 'no' } : {}),
  });
const verdict = (log: LogBuilder, decision: 'APPROVE' | 'REJECT') =>
  log.add(T.coordinator, {
    type: 'agent_os.verdict_submitted',
    verdict:
      decision === 'APPROVE'
        ? { decision, summary: 'Looks right.' }
        : { decision, summary: 'No.', fixes: [{ problem: 'p', fix: 'f' }] },
    model_request_end_id: 'sevt_x',
    evidence: {
      base_commit: 'a'.repeat(40),
      head_commit: 'b'.repeat(40),
      diff_sha256: 'c'.repeat(64),
      test_run_event_ids: [],
    },
  });

/** Feeds the log's events from `from` on, one at a time, as the follower does. */
function followFrom(log: LogBuilder, from: number, feed: (events: readonly SessionEvent[]) => void): number {
  for (const e of log.events.slice(from)) feed([e]);
  return log.events.length;
}

describe('notifications that ask the person', () => {
  test('a tool call that asks shows one notification, closed once it is allowed anywhere', () => {
    const { screen, feed } = world();
    const log = coderSession();
    const use = ask(log, 'npm publish');
    let at = followFrom(log, 0, feed);
    assert.deepEqual(screen.keys(), [`${SESSION} tool:${use.id}`]);
    const [shown] = screen.open.values();
    assert.equal(shown?.wait.kind === 'tool' && shown.wait.agent, 'Coder');
    confirm(log, use, 'allow');
    at = followFrom(log, at, feed);
    assert.deepEqual(screen.keys(), []);
    // The result that follows changes nothing more.
    log.add(T.coder, {
      type: 'agent.tool_result',
      tool_use_id: use.id,
      content: [{ type: 'text', text: 'ok' }],
      is_error: false,
    });
    followFrom(log, at, feed);
    assert.equal(screen.shown, 1);
    assert.equal(screen.closed, 1);
  });

  test('two asks in one session never stack: the second replaces the first once it is answered', () => {
    const { screen, feed } = world();
    const log = coderSession();
    const first = ask(log, 'curl one');
    const second = ask(log, 'curl two');
    let at = followFrom(log, 0, feed);
    assert.deepEqual(screen.keys(), [`${SESSION} tool:${first.id}`]);
    confirm(log, first, 'deny');
    at = followFrom(log, at, feed);
    assert.deepEqual(screen.keys(), [`${SESSION} tool:${second.id}`]);
    assert.equal(screen.closed, 1);
    // An interrupted call resolved on wake (an error result, no confirmation) is answered too.
    log.add(T.coder, {
      type: 'agent.tool_result',
      tool_use_id: second.id,
      content: [{ type: 'text', text: 'interrupted' }],
      is_error: true,
    });
    followFrom(log, at, feed);
    assert.deepEqual(screen.keys(), []);
  });

  test('events delivered twice (a follower reconnecting) show nothing twice', () => {
    const { screen, feed } = world();
    const log = coderSession();
    ask(log, 'make deploy');
    followFrom(log, 0, feed);
    feed(log.events);
    feed(log.events.slice(-1));
    assert.equal(screen.shown, 1);
    assert.equal(screen.open.size, 1);
  });

  test("the Reviewer's APPROVE asks until it is approved or sent back; a REJECT asks nothing", () => {
    const { screen, feed } = world();
    const log = coderSession();
    verdict(log, 'REJECT');
    let at = followFrom(log, 0, feed);
    assert.equal(screen.shown, 0);
    const approve = verdict(log, 'APPROVE');
    at = followFrom(log, at, feed);
    assert.deepEqual(screen.keys(), [`${SESSION} verdict:${approve.id}`]);
    log.add(T.coordinator, {
      type: 'agent_os.approval',
      verdict_event_id: approve.id,
      decision: 'reject',
      feedback: 'more tests',
    });
    at = followFrom(log, at, feed);
    assert.deepEqual(screen.keys(), []);
    const again = verdict(log, 'APPROVE');
    at = followFrom(log, at, feed);
    assert.deepEqual(screen.keys(), [`${SESSION} verdict:${again.id}`]);
    log.add(T.coordinator, { type: 'agent_os.approval', verdict_event_id: again.id, decision: 'approve' });
    followFrom(log, at, feed);
    assert.deepEqual(screen.keys(), []);
    assert.equal(screen.shown, 2);
  });

  test('a tool call asks before the verdict: the verdict shows once the call is answered', () => {
    const { screen, feed } = world();
    const log = coderSession();
    const use = ask(log, 'rm -rf build');
    const approve = verdict(log, 'APPROVE');
    let at = followFrom(log, 0, feed);
    assert.deepEqual(screen.keys(), [`${SESSION} tool:${use.id}`]);
    confirm(log, use, 'allow');
    at = followFrom(log, at, feed);
    assert.deepEqual(screen.keys(), [`${SESSION} verdict:${approve.id}`]);
  });

  test('questions already open in a log read at start-up are remembered, not announced; new ones are', () => {
    const { screen, feed } = world();
    const log = coderSession();
    const old = ask(log, 'old question');
    feed(log.events, false);
    log.add(T.coder, { type: 'agent.message', content: [{ type: 'text', text: 'still waiting' }] });
    let at = followFrom(log, log.events.length - 1, feed);
    assert.equal(screen.shown, 0, 'an unrelated live event does not announce the old question');
    confirm(log, old, 'allow');
    const fresh = ask(log, 'new question');
    at = followFrom(log, at, feed);
    assert.deepEqual(screen.keys(), [`${SESSION} tool:${fresh.id}`]);
  });

  test('a notification the person closed stays closed for that question; the next one shows', () => {
    const { screen, book, feed } = world();
    const log = coderSession();
    const first = ask(log, 'first');
    let at = followFrom(log, 0, feed);
    [...screen.open.values()][0]?.dismiss();
    assert.equal(screen.open.size, 0);
    log.add(T.coder, { type: 'agent.message', content: [{ type: 'text', text: 'tick' }] });
    at = followFrom(log, at, feed);
    assert.equal(screen.shown, 1, 'not shown again');
    assert.deepEqual(book.showing(), []);
    confirm(log, first, 'allow');
    ask(log, 'second');
    followFrom(log, at, feed);
    assert.equal(screen.shown, 2);
    assert.equal(screen.closed, 0, 'nothing to close: the person closed the first');
  });

  test('one notification per session across sessions; forgetting a session or disposing closes them', () => {
    const { screen, book, feed } = world();
    const a = coderSession();
    ask(a, 'in a');
    const b = coderSession();
    ask(b, 'in b');
    feed(a.events, true, 'sesn_a');
    feed(b.events, true, 'sesn_b');
    assert.equal(screen.open.size, 2);
    book.forget('sesn_a');
    assert.deepEqual(book.showing(), ['sesn_b']);
    book.dispose();
    assert.equal(screen.open.size, 0);
    assert.equal(screen.closed, 2);
  });

  test('glob and grep paths in a notification read from the sandbox root', () => {
    const { screen, feed } = world();
    const log = coderSession();
    const root = `/home/me/.vscode/storage/agent-os/snapshots/${SESSION}/sthr_Ab12`;
    log.tool(T.coder, 'grep', { pattern: 'TODO', path: `${root}/src/lib` }, 100, undefined, 'ok', false, 'ask');
    followFrom(log, 0, feed);
    const [shown] = screen.open.values();
    assert.ok(shown);
    const notice = noticeFor(SESSION, 'Fix it', shown.wait);
    assert.equal(notice.message, 'Coder asks to run grep: TODO in src/lib ("Fix it")');
  });

  test('in a session whose sandbox confines nothing, the notification says why the command asks', () => {
    const { screen, feed } = world();
    const log = coderSession();
    log.add(T.coordinator, {
      type: 'agent_os.session_configured',
      agent_versions: { Coder: 1 },
      sandbox: { kind: 'worktree', confined: false },
    });
    ask(log, 'npm test');
    followFrom(log, 0, feed);
    const [shown] = screen.open.values();
    assert.ok(shown);
    assert.equal(
      noticeFor(SESSION, 'Fix it', shown.wait).message,
      'Coder asks to run bash: npm test ("Fix it") — unconfined: every command asks you',
    );
  });
});

describe('what a notification says', () => {
  // VS Code's notification link syntax (parseLinkedText): what would turn into a link that runs a command.
  const LINK = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/gi;
  const linksIn = (text: string) => [...text.matchAll(LINK)].map((m) => ({ label: m[1] ?? '', href: m[2] ?? '' }));

  test('its own actions are its only links, whatever the model wrote', () => {
    const hostile =
      'ok [Deny](command:agentOs.allowTool?%5B%5D) [Open](command:workbench.action.terminal.sendSequence?x) [swallow';
    const wait: PersonWait = {
      kind: 'tool',
      key: 'tool:sevt_1',
      seq: 1,
      toolUseEventId: 'sevt_1',
      agent: 'Coder',
      tool: 'bash',
      input: hostile,
    };
    const text = noticeWithLinks(noticeFor(SESSION, 'title [x](https://evil.example)', wait));
    const links = linksIn(text);
    assert.deepEqual(
      links.map((l) => l.label),
      ['Allow', 'Deny…', 'Open Event Log'],
    );
    assert.deepEqual(
      links.map((l) => l.href.split('?')[0]),
      ['command:agentOs.allowTool', 'command:agentOs.denyTool', 'command:agentOs.openEventLog'],
    );
    assert.deepEqual(JSON.parse(decodeURIComponent(links[0]?.href.split('?')[1] ?? '')), [
      { sessionId: SESSION, toolUseEventId: 'sevt_1' },
    ]);
    assert.match(text, /［Deny］\(command:agentOs\.allowTool/, 'the model text stays readable, as text');
  });

  test('the verdict offers approve, changes, request changes and the Event Log', () => {
    const wait: PersonWait = {
      kind: 'verdict',
      key: 'verdict:sevt_9',
      seq: 9,
      verdictEventId: 'sevt_9',
      summary: 'Fine.',
    };
    const text = noticeWithLinks(noticeFor(SESSION, 'Fix the count', wait));
    assert.match(text, /^Reviewer approves "Fix the count": Fine\. — /);
    assert.deepEqual(
      linksIn(text).map((l) => l.label),
      ['Approve and Create PR', 'Show Changes', 'Request Changes…', 'Open Event Log'],
    );
  });

  test('text is one line, clipped, with control characters visible', () => {
    assert.equal(noticeText('a\n\tb \x1b]0;t\x07 \u202ec'), 'a b ␛］0;t␇ \\u{202e}c');
    const long = noticeText('x'.repeat(500));
    assert.equal(long.length, 180);
    assert.ok(long.endsWith('…'));
  });
});

test('session titles in the Threads tree show their control characters; error notifications make no links', () => {
  const model = new ThreadsTreeModel(() => false);
  model.upsertSession({
    id: 'sesn_t',
    title: 'acme#1: \x1b]0;owned\x07 [Allow](command:x)',
    created_at: '2026-12-01T00:00:00Z',
    source: 'acme#1\u202e',
  } as SessionMeta);
  const [node] = model.sessions();
  assert.equal(node?.label, 'acme#1: ␛]0;owned␇ [Allow](command:x)', 'a tree label is plain text: brackets stay');
  assert.match(node?.tooltip ?? '', /acme#1\\u\{202e\}/);
  assert.equal(
    withoutLinks('failed: [Run](command:workbench.action.terminal.sendSequence?x)\nsee log'),
    'failed: ［Run］(command:workbench.action.terminal.sendSequence?x)\nsee log',
  );
});
