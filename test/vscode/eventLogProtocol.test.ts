import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ALL_KINDS_FILTER,
  EventLogUiState,
  INITIAL_DATA_ID,
  InitialPage,
  parseHostMessage,
  parseWebviewMessage,
  type HostMessage,
  type WebviewMessage,
} from '../../src/shared/eventLogProtocol.ts';
import { eventLogHtml, jsonForScriptElement } from '../../src/vscode/eventLogHtml.ts';

describe('Event Log message protocol', () => {
  test('accepts every webview message the page sends', () => {
    const messages: WebviewMessage[] = [
      { type: 'ready' },
      { type: 'ready', filter: ALL_KINDS_FILTER },
      { type: 'requestRows', generation: 0, start: 0, end: 100 },
      { type: 'setFilter', filter: { threadId: 'sthr_x', kinds: ['tool', 'error'] } },
      { type: 'requestDetail', seq: 4 },
      { type: 'action', card: { action: 'approve', verdictEventId: 'sevt_v' } },
      { type: 'action', card: { action: 'denyTool', toolUseEventId: 'sevt_t' } },
      { type: 'action', card: { action: 'showChanges' } },
    ];
    for (const m of messages) assert.deepEqual(parseWebviewMessage(JSON.parse(JSON.stringify(m))), m);
  });

  test('rejects what a page must not send', () => {
    const bad: unknown[] = [
      null,
      'ready',
      { type: 'eval', code: '1' },
      { type: 'requestRows', generation: 0, start: -1, end: 5 },
      { type: 'requestRows', generation: 0, start: 0.5, end: 5 },
      { type: 'setFilter', filter: { threadId: null, kinds: ['everything'] } },
      { type: 'requestDetail', seq: 0 },
      { type: 'action', card: { action: 'approve' } },
      { type: 'action', card: { action: 'runShell', command: 'rm -rf /' } },
    ];
    for (const m of bad) assert.equal(parseWebviewMessage(m), undefined, JSON.stringify(m));
  });

  test('host messages round-trip, and malformed ones are refused', () => {
    const init: HostMessage = {
      type: 'init',
      sessionId: 'sesn_1',
      filter: ALL_KINDS_FILTER,
      generation: 0,
      total: 2,
      summary: {
        sessionId: 'sesn_1',
        title: 't',
        status: 'idle',
        costUsd: 0,
        tokens: 0,
        eventCount: 2,
        threads: [],
        toolAsks: [],
      },
    };
    assert.deepEqual(parseHostMessage(JSON.parse(JSON.stringify(init))), init);
    assert.equal(parseHostMessage({ type: 'rows', generation: 0, start: 0, rows: [{ index: 0 }] }), undefined);
    assert.equal(parseHostMessage({ type: 'total', generation: 0 }), undefined);
  });

  test('UI state names the session; events never belong in it', () => {
    assert.equal(EventLogUiState.safeParse({ threadId: null }).success, false);
    const s = EventLogUiState.parse({
      sessionId: 'sesn_1',
      threadId: null,
      anchorIndex: 40,
      follow: false,
      events: [1, 2],
    });
    assert.equal('events' in s, false);
  });

  test('the page has a strict CSP with a nonce on every script', () => {
    const html = eventLogHtml({
      cspSource: 'https://x.vscode-cdn.net',
      nonce: 'abc123',
      scriptUri: 's.js',
      styleUri: 's.css',
      codiconsUri: 'c.css',
      title: '<t>',
    });
    assert.match(html, /default-src 'none'/);
    assert.match(html, /script-src 'nonce-abc123'/);
    assert.doesNotMatch(html, /unsafe-(inline|eval)/);
    for (const tag of html.match(/<script[^>]*>/g) ?? []) assert.match(tag, /nonce="abc123"/);
    assert.doesNotMatch(html, /<t>/);
  });

  test('the page carries its initial data as JSON the browser never runs, whatever a model wrote', () => {
    const hostile = {
      title: '</script><script>alert(1)</script>',
      comment: '<!--<script>',
      upper: '</SCRIPT\t>',
      separators: '\u2028\u2029 & &amp; >',
    };
    const html = eventLogHtml({
      cspSource: 'https://x.vscode-cdn.net',
      nonce: 'abc123',
      scriptUri: 's.js',
      styleUri: 's.css',
      codiconsUri: 'c.css',
      title: 'Event Log',
      initialData: hostile,
    });
    const tags = html.match(/<script[^>]*>/g) ?? [];
    assert.deepEqual(tags, [
      `<script type="application/json" id="${INITIAL_DATA_ID}">`,
      '<script nonce="abc123" src="s.js">',
    ]);
    const open = html.indexOf(tags[0]!) + tags[0]!.length;
    const text = html.slice(open, html.indexOf('</script>', open));
    assert.doesNotMatch(text, /[<>&\u2028\u2029]/, 'nothing in it can end the element or open a comment');
    assert.deepEqual(JSON.parse(text), hostile, 'read back, it is the same data');
    assert.equal(jsonForScriptElement({ a: '<' }), '{"a":"\\u003c"}');
    assert.doesNotMatch(
      eventLogHtml({ cspSource: 'o', nonce: 'n', scriptUri: 's', styleUri: 'c', codiconsUri: 'c', title: 't' }),
      /application\/json/,
      'no element without data',
    );
  });

  test('the initial page is checked as a message is', () => {
    const init: HostMessage = {
      type: 'init',
      sessionId: 'sesn_1',
      filter: ALL_KINDS_FILTER,
      generation: 0,
      total: 0,
      summary: {
        sessionId: 'sesn_1',
        title: 't',
        status: 'idle',
        costUsd: 0,
        tokens: 0,
        eventCount: 0,
        threads: [],
        toolAsks: [],
      },
    };
    assert.equal(InitialPage.safeParse({ pageId: 'p', init }).success, true);
    assert.equal(InitialPage.safeParse({ pageId: 'p', init: { ...init, type: 'rows' } }).success, false);
    assert.equal(InitialPage.safeParse({ init }).success, false);
    assert.deepEqual(parseWebviewMessage({ type: 'ready', shownGeneration: 3 }), {
      type: 'ready',
      shownGeneration: 3,
    });
    assert.equal(parseWebviewMessage({ type: 'ready', shownGeneration: -1 }), undefined);
  });
});
