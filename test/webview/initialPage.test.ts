// The Event Log page draws its first rows from its own HTML (the InitialPage in a JSON script element),
// before any message: in headless Chromium, the real bundle and page (eventLogHtml), a host that records
// what the page says and answers only when told. Model-written text in that JSON stays text: it cannot end
// the element, start a script or add markup. A reload of the same HTML (a hidden webview shown again) does
// not draw its stale rows; it asks. The filter controls join the page after the rows.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EventRow, HostMessage, InitialPage, InitMessage } from '../../src/shared/eventLogProtocol.ts';
import { ALL_KINDS_FILTER } from '../../src/shared/eventLogProtocol.ts';
import { missingBrowser, openWebviewPage, type WebviewPage } from '../../bench/support/webviewPage.ts';
import { verdict } from '../support/requirements.ts';

/** What a hostile model could write to get out of a JSON script element or into the page's markup. */
const HOSTILE = [
  '</script><script>window.__pwned = 1</script>',
  '<!--<script>window.__pwned = 2</script>-->',
  '</SCRIPT\t><img src=x onerror="window.__pwned = 3">',
  '\u2028\u2029 & &amp; <b>bold</b> "double" \'single\' \\ ]]> \ud83d\ude00',
];

function row(index: number, title: string): EventRow {
  return {
    index,
    seq: index + 1,
    id: `sevt_${index}`,
    thread: 'sthr_1',
    agent: title,
    type: 'agent.message',
    kind: 'message',
    time: '2026-12-02T00:00:00.000Z',
    title,
  };
}

function init(titles: string[], sessionTitle: string): InitMessage {
  return {
    type: 'init',
    sessionId: 'sesn_1',
    filter: ALL_KINDS_FILTER,
    generation: 0,
    total: titles.length,
    summary: {
      sessionId: 'sesn_1',
      title: sessionTitle,
      status: 'idle',
      costUsd: 0,
      tokens: 0,
      eventCount: titles.length,
      threads: [{ id: 'sthr_1', agentName: HOSTILE[2]!, status: 'idle', tokens: 0 }],
      toolAsks: [],
    },
    initialRows: { start: 0, rows: titles.map((t, i) => row(i, t)) },
  };
}

describe('Event Log page: first rows from its HTML', { skip: verdict(missingBrowser()) }, () => {
  let web: WebviewPage;
  let carried: unknown;
  const received: Record<string, unknown>[] = [];
  /** What the host answers a `ready` with (nothing when undefined); the rows on the page when it came. */
  let answer: HostMessage | undefined;
  let rowsAtReady: number[] = [];

  before(async () => {
    web = await openWebviewPage({
      entry: 'src/webview/eventLog/main.ts',
      style: 'media/eventLog/eventLog.css',
      initialData: async () => carried,
      async onMessage(raw, page) {
        const msg = raw as Record<string, unknown>;
        if (msg['type'] === 'ready')
          rowsAtReady.push(await page.page.evaluate(() => document.querySelectorAll('.row[data-seq]').length));
        received.push(msg);
        if (msg['type'] === 'ready' && answer) await page.send(answer);
      },
      initScript: `window.__violations = [];
        new MutationObserver((_, obs) => {
          if (!document.querySelector('.row[data-seq]')) return;
          window.__controlsWithFirstRows = document.querySelectorAll('.filters > *').length;
          obs.disconnect();
        }).observe(document, { childList: true, subtree: true });
        document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective));`,
    });
  });
  after(async () => web?.close());

  async function ready(): Promise<Record<string, unknown>> {
    const deadline = Date.now() + 10_000;
    while (!received.some((m) => m['type'] === 'ready')) {
      if (Date.now() > deadline) throw new Error('the page never said ready');
      await new Promise((r) => setTimeout(r, 20));
    }
    return received.find((m) => m['type'] === 'ready')!;
  }

  async function titles(): Promise<string[]> {
    return web.page.locator('.row[data-seq] .title').allTextContents();
  }

  test('draws the rows its HTML carries with no message answered, model text shown as text', async () => {
    received.length = 0;
    rowsAtReady = [];
    answer = undefined;
    carried = { pageId: 'page-1', init: init(HOSTILE, HOSTILE[0]!) } satisfies InitialPage;
    await web.page.goto(web.url);
    const said = await ready();
    assert.equal(said['shownGeneration'], 0, 'the page says it shows the generation its HTML carried');
    assert.deepEqual(rowsAtReady, [HOSTILE.length], 'the rows were on the page before it said ready');
    // The filter controls (web components) come after the frame with the rows, not in it.
    assert.equal(
      await web.page.evaluate(() => (window as unknown as Record<string, unknown>)['__controlsWithFirstRows']),
      0,
      'no filter control was on the page when the rows came',
    );
    await web.page.locator('.filters vscode-checkbox').nth(6).waitFor({ timeout: 10_000 });
    assert.deepEqual(await titles(), HOSTILE);
    assert.deepEqual(await web.page.locator('.row[data-seq] .agent').allTextContents(), HOSTILE);
    assert.equal(await web.page.locator('.session-title').textContent(), HOSTILE[0]);
    const page = await web.page.evaluate(() => ({
      pwned: (window as unknown as Record<string, unknown>)['__pwned'] ?? null,
      scripts: document.scripts.length,
      images: document.images.length,
      bold: document.querySelectorAll('b').length,
      violations: (window as unknown as Record<string, string[]>)['__violations'],
    }));
    assert.deepEqual(page, { pwned: null, scripts: 1, images: 0, bold: 0, violations: [] });
  });

  test('a reload of the same HTML does not draw its stale rows: it asks, and draws the answer', async () => {
    received.length = 0;
    rowsAtReady = [];
    answer = init(['a newer row'], 'Newer');
    await web.page.reload();
    const said = await ready();
    assert.equal(said['shownGeneration'], undefined);
    assert.deepEqual(rowsAtReady, [0], 'nothing was drawn from the stale HTML');
    await web.page.locator('.row[data-seq] .title', { hasText: 'a newer row' }).waitFor({ timeout: 10_000 });
    assert.deepEqual(await titles(), ['a newer row']);
  });

  test('malformed initial data draws nothing and the page asks', async () => {
    received.length = 0;
    rowsAtReady = [];
    answer = undefined;
    carried = { pageId: 'page-2', init: { ...init(['x'], 'x'), total: -1 } };
    await web.page.goto(web.url);
    const said = await ready();
    assert.equal(said['shownGeneration'], undefined);
    assert.deepEqual(rowsAtReady, [0]);
  });
});
