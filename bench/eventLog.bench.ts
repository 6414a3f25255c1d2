// Event Log on a 100,000-event session, in headless Chromium: first paint and scrolling.
// The page is the real webview bundle and page (eventLogHtml) served from 127.0.0.1; its
// `acquireVsCodeApi` is the webview's own contract, answered by the real host-side model
// (EventLogModel) over the real protocol — the same messages EventLogPanel exchanges in VS Code.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSessionStore } from '../src/node/session/fileSessionStore.ts';
import { ALL_KINDS_FILTER, parseWebviewMessage, type HostMessage } from '../src/shared/eventLogProtocol.ts';
import { EventLogModel } from '../src/views/eventLogModel.ts';
import { benchSession, medianFirstPaint, SMALL_EVENTS } from './support/benchSession.ts';
import { againstBaseline, times } from './support/reference.ts';
import { missingBrowser, openWebviewPage } from './support/webviewPage.ts';

async function main(): Promise<void> {
  const missing = missingBrowser();
  if (missing) {
    console.log(`skipped: ${missing}`);
    return;
  }
  // What the panel's host does before it can answer the page (EventLogPanel): the whole log read from a
  // file store into the model. The page's first paint below is measured with the model ready.
  const storeDir = mkdtempSync(join(tmpdir(), 'agent-os-bench-eventlog-'));
  const { meta } = await benchSession(undefined, new FileSessionStore(storeDir));
  const hostStart = performance.now();
  const big = new EventLogModel(meta.id, ALL_KINDS_FILTER);
  big.append(await new FileSessionStore(storeDir).read(meta.id));
  console.log(
    `eventLog host open (100k events): the whole log read from a file store into the model, ${(performance.now() - hostStart).toFixed(0)} ms (not in the first paint below)`,
  );
  rmSync(storeDir, { recursive: true, force: true });
  // The yardstick: the same page on a small session, in the same browser, in the same minutes.
  const smallSession = await benchSession(SMALL_EVENTS);
  const small = new EventLogModel(smallSession.meta.id, ALL_KINDS_FILTER);
  small.append(smallSession.events);
  let model = small;

  // The host side of the protocol, as EventLogPanel answers it.
  const web = await openWebviewPage({
    entry: 'src/webview/eventLog/main.ts',
    style: 'media/eventLog/eventLog.css',
    viewport: { width: 1200, height: 900 },
    async onMessage(raw, page) {
      const msg = parseWebviewMessage(raw);
      if (!msg) throw new Error(`bad message from the webview: ${JSON.stringify(raw)}`);
      if (msg.type === 'ready') {
        await page.send({
          type: 'init',
          sessionId: meta.id,
          filter: model.filter,
          generation: model.generation,
          total: model.total,
          summary: model.summary(meta, false),
          initialRows: model.initialRows(msg.follow ?? true, msg.anchorIndex),
        } satisfies HostMessage);
      } else if (msg.type === 'requestRows' && msg.generation === model.generation) {
        await page.send({
          type: 'rows',
          generation: model.generation,
          start: msg.start,
          rows: model.rows(msg.start, msg.end),
        } satisfies HostMessage);
      } else if (msg.type === 'setFilter') {
        model.setFilter(msg.filter);
        await page.send({ type: 'total', generation: model.generation, total: model.total } satisfies HostMessage);
      }
    },
    // First paint: the moment the first row with data is in the DOM, from navigation start.
    initScript: `new MutationObserver((_, obs) => {
      if (document.querySelector('.row[data-seq]')) { window.__firstRows = performance.now(); obs.disconnect(); }
    }).observe(document, { childList: true, subtree: true });`,
  });
  const page = web.page;
  try {
    const smallPaint = await medianFirstPaint(page, web.url, '__firstRows');
    model = big;
    const bigPaint = await medianFirstPaint(page, web.url, '__firstRows');
    console.log(`eventLog first paint (100k events, median of 5): ${bigPaint.toFixed(0)} ms (target < 500 ms)`);
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
