// Event Log on a 100,000-event session, in headless Chromium: first paint and scrolling.
// The page is the real webview bundle and page (eventLogHtml) served from 127.0.0.1; its
// `acquireVsCodeApi` is the webview's own contract, answered by the real host-side model
// (EventLogModel) over the real protocol — the same messages EventLogPanel exchanges in VS Code.
// Each first paint of the big session opens a fresh model on a fresh file store and writes the page with
// its first rows and summary inside (InitialPage), as a panel does: the figure includes reading the log from
// the file (its fold checkpoint and the last page, through the store's index), with the page cache dropped
// first where that is allowed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSessionStore } from '../src/node/session/fileSessionStore.ts';
import type { SessionMeta } from '../src/core/session/sessionStore.ts';
import {
  ALL_KINDS_FILTER,
  parseWebviewMessage,
  type HostMessage,
  type InitialPage,
} from '../src/shared/eventLogProtocol.ts';
import { EventLogModel } from '../src/views/eventLogModel.ts';
import { VIEW_FOLDS } from '../src/views/viewFolds.ts';
import { benchSession, medianFirstPaint, medianMarks, SMALL_EVENTS } from './support/benchSession.ts';
import { coldCacheNote, dropCaches } from './support/pageCache.ts';
import { againstBaseline, times } from './support/reference.ts';
import { missingBrowser, openWebviewPage } from './support/webviewPage.ts';

const FIRST_PAINT_GOAL_MS = 300;
/** What the page records of each first paint (initScript below). */
const PAINT_MARKS = ['__firstRows', '__htmlReceived', '__scriptRuns', '__contentfulPaint'];

async function main(): Promise<void> {
  const missing = missingBrowser();
  if (missing) {
    console.log(`skipped: ${missing}`);
    return;
  }
  const storeDir = mkdtempSync(join(tmpdir(), 'agent-os-bench-eventlog-'));
  try {
    await measure(storeDir);
  } finally {
    rmSync(storeDir, { recursive: true, force: true });
  }
}

async function measure(storeDir: string): Promise<void> {
  // Written as the extension writes a session: its writer keeps the views' folds (VIEW_FOLDS), the Event
  // Log's index among them.
  const big = (await benchSession(undefined, new FileSessionStore(storeDir, { folds: VIEW_FOLDS }))).meta;
  // The yardstick: the same page on a small session, in the same browser, in the same minutes.
  const small = (await benchSession(SMALL_EVENTS, new FileSessionStore(storeDir))).meta;
  const cold = coldCacheNote(storeDir, dropCaches(storeDir));

  // A thread's panel (a filter) needs the summary of every event: the first opening starts from the index
  // the writer saved when it closed (before, it folded the whole log); the next from the same.
  const threadId =
    Object.keys(
      (await EventLogModel.open(new FileSessionStore(storeDir), big.id, ALL_KINDS_FILTER)).sessionState.threads,
    )[1] ?? null;
  const filtered = async (): Promise<number> => {
    const t = performance.now();
    const model = await EventLogModel.open(new FileSessionStore(storeDir), big.id, { ...ALL_KINDS_FILTER, threadId });
    await model.initialRows(true, undefined);
    return performance.now() - t;
  };
  const firstFiltered = await filtered();
  console.log(
    `eventLog host open of one thread's panel (100k events): first ${firstFiltered.toFixed(0)} ms (from the writer's index checkpoint), the next ${(await filtered()).toFixed(0)} ms`,
  );

  // What a panel's host does before it can answer the page, alone: open, first page, then (in the
  // background, after the first paint) the summary of every event that filters use.
  const hostOpen: number[] = [];
  const indexTimes: number[] = [];
  for (let i = 0; i < 5; i++) {
    dropCaches(storeDir);
    const t = performance.now();
    const model = await EventLogModel.open(new FileSessionStore(storeDir), big.id, ALL_KINDS_FILTER);
    await model.initialRows(true, undefined);
    await model.summary(big, false);
    hostOpen.push(performance.now() - t);
    const t2 = performance.now();
    await model.whenIndexed();
    indexTimes.push(performance.now() - t2);
  }
  hostOpen.sort((a, b) => a - b);
  console.log(
    `eventLog host open (100k events): fold checkpoint + last page from the file, fresh store and model, median of 5: ${hostOpen[2]!.toFixed(0)} ms; the summary of every event then read in the background in ${indexTimes.map((ms) => ms.toFixed(0)).join(', ')} ms (from its checkpoint) (before each: ${cold})`,
  );

  let shown: SessionMeta = small;
  let model: EventLogModel | undefined;
  let opening: Promise<EventLogModel> | undefined;
  // As a panel does when it is created: the log is opened, then the page is written (a fresh store and model).
  const openPanel = (): void => {
    model?.close();
    model = undefined;
    dropCaches(storeDir);
    opening = EventLogModel.open(new FileSessionStore(storeDir), shown.id, ALL_KINDS_FILTER);
  };
  // The host side of the protocol, as EventLogPanel answers it.
  let pages = 0;
  const web = await openWebviewPage({
    // As a panel writes its page once the log is open: with the first rows and the summary inside.
    async initialData(): Promise<InitialPage> {
      const opened = await (opening ?? Promise.reject(new Error('the page was asked for before a panel opened')));
      return { pageId: `bench-${++pages}`, init: await opened.init(shown, false, true, undefined) };
    },
    entry: 'src/webview/eventLog/main.ts',
    style: 'media/eventLog/eventLog.css',
    viewport: { width: 1200, height: 900 },
    async onMessage(raw, page) {
      const msg = parseWebviewMessage(raw);
      if (!msg) throw new Error(`bad message from the webview: ${JSON.stringify(raw)}`);
      if (msg.type === 'ready') {
        const opened = await (opening ?? Promise.reject(new Error('the page loaded before a panel opened')));
        model = opened;
        if (msg.shownGeneration === opened.generation) {
          await page.send({ type: 'total', generation: opened.generation, total: opened.total } satisfies HostMessage);
          await page.send({ type: 'summary', summary: await opened.summary(shown, false) } satisfies HostMessage);
        } else {
          await page.send(await opened.init(shown, false, msg.follow ?? true, msg.anchorIndex));
        }
        void opened.whenIndexed();
      } else if (msg.type === 'requestRows' && model && msg.generation === model.generation) {
        await page.send({
          type: 'rows',
          generation: model.generation,
          start: msg.start,
          rows: await model.rows(msg.start, msg.end),
        } satisfies HostMessage);
      } else if (msg.type === 'setFilter' && model) {
        await model.setFilter(msg.filter);
        await page.send({ type: 'total', generation: model.generation, total: model.total } satisfies HostMessage);
      }
    },
    // First paint: the moment the first row with data is in the DOM, from navigation start. Beside it, where
    // the time went: the page's HTML received, its script running (its first call), the first contentful paint.
    initScript: `new MutationObserver((_, obs) => {
      if (document.querySelector('.row[data-seq]')) {
        window.__firstRows = performance.now();
        window.__htmlReceived = performance.getEntriesByType('navigation')[0].responseEnd;
        obs.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
    const acquire = window.acquireVsCodeApi;
    window.acquireVsCodeApi = () => { window.__scriptRuns = performance.now(); return acquire(); };
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (e.name === 'first-contentful-paint') window.__contentfulPaint = e.startTime;
    }).observe({ type: 'paint', buffered: true });`,
  });
  const page = web.page;
  try {
    const smallPaint = await medianFirstPaint(page, web.url, '__firstRows', openPanel);
    shown = big;
    const marks = await medianMarks(page, web.url, PAINT_MARKS, openPanel);
    const bigPaint = marks['__firstRows']!;
    console.log(
      `eventLog first paint (100k events, median of 5), including the read from disk by a fresh store and model: ${bigPaint.toFixed(0)} ms (target < ${FIRST_PAINT_GOAL_MS} ms)`,
    );
    console.log(
      `  medians from navigation start: HTML received (the log opened, its first page in it) ${marks['__htmlReceived']!.toFixed(0)} ms, script runs ${marks['__scriptRuns']!.toFixed(0)} ms, first rows ${bigPaint.toFixed(0)} ms, first contentful paint ${marks['__contentfulPaint']!.toFixed(0)} ms`,
    );
    console.log(`  before each: ${cold}`);
    const ratio = bigPaint / smallPaint;
    console.log(
      `  as a ratio to the first paint of a ${SMALL_EVENTS}-event session meanwhile (${smallPaint.toFixed(0)} ms): ${times(ratio)}; ${againstBaseline('eventLog first paint 100k / 100 events', ratio)}`,
    );

    // Jumps: scroll to random places, wait until the rows there have their data.
    const jumps: number[] = [];
    let maxNodes = 0;
    let seed = 11;
    for (let i = 0; i < 40; i++) {
      seed = (seed * 48271) % 2147483647;
      const fraction = seed / 2147483647;
      const ms = await page.evaluate(async (f) => {
        const vp = document.querySelector('.viewport') as HTMLElement;
        const start = performance.now();
        vp.scrollTop = f * (vp.scrollHeight - vp.clientHeight);
        await new Promise<void>((done) => {
          const check = () => {
            const rows = [...document.querySelectorAll('.row')] as HTMLElement[];
            const top = vp.scrollTop;
            const visible = rows.filter((r) => {
              const y = new DOMMatrix(getComputedStyle(r).transform).m42;
              return y + r.offsetHeight > top && y < top + vp.clientHeight;
            });
            if (visible.length > 0 && visible.every((r) => r.dataset['seq'])) done();
            else requestAnimationFrame(check);
          };
          requestAnimationFrame(check);
        });
        return performance.now() - start;
      }, fraction);
      jumps.push(ms);
      maxNodes = Math.max(maxNodes, await page.evaluate(() => document.getElementsByTagName('*').length));
    }
    jumps.sort((a, b) => a - b);
    console.log(
      `eventLog scroll jump to rows shown (40 random jumps): median ${jumps[20]!.toFixed(0)} ms, p95 ${jumps[38]!.toFixed(0)} ms`,
    );

    // Steady scrolling: 300 steps of 600 px, one per frame.
    const frame = await page.evaluate(async () => {
      const vp = document.querySelector('.viewport') as HTMLElement;
      vp.scrollTop = 0;
      const times: number[] = [];
      let last = performance.now();
      for (let i = 0; i < 300; i++) {
        vp.scrollTop += 600;
        await new Promise((r) => requestAnimationFrame(r));
        const now = performance.now();
        times.push(now - last);
        last = now;
      }
      times.sort((a, b) => a - b);
      return { median: times[150]!, p95: times[285]! };
    });
    console.log(
      `eventLog steady scroll frame time: median ${frame.median.toFixed(1)} ms, p95 ${frame.p95.toFixed(1)} ms`,
    );
    maxNodes = Math.max(maxNodes, await page.evaluate(() => document.getElementsByTagName('*').length));
    console.log(`eventLog DOM nodes at most: ${maxNodes} (target <= 1400)`);
    console.log(`eventLog webview bundle (minified): ${(web.bundleBytes / 1024).toFixed(0)} KiB`);
  } finally {
    await web.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
