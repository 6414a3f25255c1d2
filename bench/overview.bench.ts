// Session Overview on a 100,000-event session: the host's fold and overview, and the page's first
// paint (navigation to the whole overview drawn) and DOM size in headless Chromium. The page is the
// real bundle answered over the real protocol by the real model (SessionOverviewModel), as
// OverviewPanel answers it in VS Code: the host starts reading the log from a file store and folding
// it when the page is asked for (readFolded: the overview's checkpoint, which the writer keeps as the
// extension's store tells it to, plus the records after it), and answers the page's `ready` once that
// is done — so the first paint counts the host's work too. A session whose overview was never
// checkpointed (written where the fold was not given to the store) is opened too, host side only: the
// whole log folded once, and a checkpoint left. Skipped, saying why, where there is no Chromium.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionMeta } from '../src/core/session/sessionStore.ts';
import { FileSessionStore } from '../src/node/session/fileSessionStore.ts';
import { parseOverviewWebviewMessage } from '../src/shared/overviewProtocol.ts';
import { OVERVIEW_FOLD, SessionOverviewModel } from '../src/views/sessionOverview.ts';
import { VIEW_FOLDS } from '../src/views/viewFolds.ts';
import { benchSession, medianFirstPaint, SMALL_EVENTS } from './support/benchSession.ts';
import { againstBaseline, times } from './support/reference.ts';
import { missingBrowser, openWebviewPage, ROOT } from './support/webviewPage.ts';

async function main(): Promise<void> {
  const missing = missingBrowser();
  if (missing) {
    console.log(`skipped: ${missing}`);
    return;
  }
  const storeDir = mkdtempSync(join(tmpdir(), 'agent-os-bench-overview-'));
  const store = new FileSessionStore(storeDir, { folds: VIEW_FOLDS });
  const { meta, events } = await benchSession(undefined, store);

  const t1 = performance.now();
  const model = new SessionOverviewModel(meta.id);
  model.append(events);
  const foldMs = performance.now() - t1;
  const t2 = performance.now();
  const overview = model.overview({ meta, live: false });
  const overviewMs = performance.now() - t2;
  const bytes = JSON.stringify(overview).length;
  const spans = overview.timeline.lanes.reduce((n, l) => n + l.spans.length, 0);
  // The yardstick: the same page on a small session, in the same browser, in the same minutes.
  const smallSession = await benchSession(SMALL_EVENTS, store);
  let shown: SessionMeta = smallSession.meta;
  // What a panel does when it opens: read the log and fold it while the page loads.
  let host: Promise<SessionOverviewModel> | undefined;
  const openPanel = (): Promise<SessionOverviewModel> =>
    new FileSessionStore(storeDir, { folds: VIEW_FOLDS })
      .readFolded(shown.id, OVERVIEW_FOLD)
      .then((folded) => folded.state);
  console.log(
    `overview model: fold ${foldMs.toFixed(0)} ms, overview ${overviewMs.toFixed(1)} ms, message ${(bytes / 1024).toFixed(0)} KiB, ${spans} spans drawn for ${events.length.toLocaleString('en-US')} events`,
  );
  // A session whose overview was never checkpointed: the first opening folds it all (host side).
  const coldDir = mkdtempSync(join(tmpdir(), 'agent-os-bench-overview-cold-'));
  try {
    const cold = await benchSession(undefined, new FileSessionStore(coldDir));
    let t = performance.now();
    await new FileSessionStore(coldDir).readFolded(cold.meta.id, OVERVIEW_FOLD);
    const first = performance.now() - t;
    t = performance.now();
    await new FileSessionStore(coldDir).readFolded(cold.meta.id, OVERVIEW_FOLD);
    console.log(
      `overview host read + fold, 100k events never checkpointed: first opening ${first.toFixed(0)} ms (leaves a checkpoint), the next ${(performance.now() - t).toFixed(0)} ms`,
    );
  } finally {
    rmSync(coldDir, { recursive: true, force: true });
  }

  const web = await openWebviewPage({
    entry: 'src/webview/overview/main.ts',
    style: 'media/overview/overview.css',
    onNavigate() {
      host = openPanel();
    },
    async onMessage(raw, page) {
      const msg = parseOverviewWebviewMessage(raw);
      if (!msg) throw new Error(`bad message from the webview: ${JSON.stringify(raw)}`);
      // As OverviewPanel: `ready` is answered once the log read at the panel's opening is folded.
      if (msg.type === 'ready') {
        const opened = shown;
        const folded = await (host ?? openPanel());
        await page.send({ type: 'overview', overview: folded.overview({ meta: opened, live: false }) });
      }
    },
    // First paint: the moment the page says it drew the overview, from navigation start.
    initScript: `window.addEventListener('message', () => { window.__received ??= performance.now(); }, true);
    new MutationObserver((_, obs) => {
      if (document.body && document.body.dataset.rendered) { window.__painted = performance.now(); obs.disconnect(); }
    }).observe(document, { attributes: true, childList: true, subtree: true });`,
  });
  try {
    const smallPaint = await medianFirstPaint(web.page, web.url, '__painted');
    shown = meta;
    const bigPaint = await medianFirstPaint(web.page, web.url, '__painted');
    const received = await web.page.evaluate(() => (window as unknown as Record<string, number>)['__received']!);
    const painted = await web.page.evaluate(() => (window as unknown as Record<string, number>)['__painted']!);
    console.log(`(last run: message arrived at ${received.toFixed(0)} ms, drawn at ${painted.toFixed(0)} ms)`);
    console.log(
      `overview first paint (100k events, median of 5; the host reads and folds the log meanwhile): ${bigPaint.toFixed(0)} ms (target < 500 ms)`,
    );
    const ratio = bigPaint / smallPaint;
    console.log(
      `  as a ratio to the first paint of a ${SMALL_EVENTS}-event session meanwhile (${smallPaint.toFixed(0)} ms): ${times(ratio)}; ${againstBaseline('overview open to first paint 100k / 100 events', ratio)}`,
    );
    const nodes = await web.page.evaluate(() => document.getElementsByTagName('*').length);
    console.log(
      `overview DOM nodes: ${nodes} (${spans} spans; bounded by the lanes' span cap, not by the log's length)`,
    );
    console.log(`overview webview bundle (minified): ${(web.bundleBytes / 1024).toFixed(0)} KiB`);
    if (process.env['AGENT_OS_BENCH_SCREENSHOT']) {
      const dir = join(ROOT, 'test-artifacts', 'bench');
      mkdirSync(dir, { recursive: true });
      await web.page.screenshot({ path: join(dir, 'overview-100k.png'), fullPage: true });
    }
  } finally {
    await web.close();
    rmSync(storeDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
