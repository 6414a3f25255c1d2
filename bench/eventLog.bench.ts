// Event Log on a 100,000-event session, in headless Chromium: first paint and scrolling.
// The page is the real webview bundle and page (eventLogHtml) served from 127.0.0.1; its
// `acquireVsCodeApi` is the webview's own contract, answered by the real host-side model
// (EventLogModel) over the real protocol — the same messages EventLogPanel exchanges in VS Code.
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { MemorySessionStore } from '../src/core/session/memorySessionStore.ts';
import { ALL_KINDS_FILTER, parseWebviewMessage, type HostMessage } from '../src/shared/eventLogProtocol.ts';
import { eventLogHtml } from '../src/vscode/eventLogHtml.ts';
import { EventLogModel } from '../src/views/eventLogModel.ts';
import { writeSampleSession } from '../test/e2e/support/sampleSession.ts';
import { E2E_CHROMIUM } from '../test/support/requirements.ts';

const ROOT = resolve(__dirname, '..');
const TARGET_EVENTS = 100_000;

async function main(): Promise<void> {
  if (!existsSync(E2E_CHROMIUM)) {
    // A bench needs what it measures with; without a browser there is nothing to measure, which is not a failure.
    console.log(`skipped: Chromium is not installed at ${E2E_CHROMIUM} (bash scripts/e2e/setup.sh installs it; AGENT_OS_E2E_CHROMIUM names another)`);
    return;
  }
  const out = mkdtempSync(join(tmpdir(), 'agent-os-bench-'));
  try {
    await build({
      entryPoints: [join(ROOT, 'src/webview/eventLog/main.ts')],
      outfile: join(out, 'eventLog.js'),
      bundle: true,
      minify: true,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      logLevel: 'warning',
    });

    const t0 = performance.now();
    const store = new MemorySessionStore();
    // Each Coder round is 5 events; the rest of the sample adds ~40.
    const meta = await writeSampleSession(store, 'Bench: 100,000 events', { rounds: Math.ceil((TARGET_EVENTS - 40) / 4) });
    const events = await store.read(meta.id);
    const model = new EventLogModel(meta.id, ALL_KINDS_FILTER);
    model.append(events);
    console.log(`session: ${events.length.toLocaleString('en-US')} events generated in ${Math.round(performance.now() - t0)} ms`);

    const files: Record<string, string> = {
      '/eventLog.js': join(out, 'eventLog.js'),
      '/eventLog.css': join(ROOT, 'media/eventLog/eventLog.css'),
      '/codicon.css': join(ROOT, 'media/codicons/codicon.css'),
      '/codicon.ttf': join(ROOT, 'media/codicons/codicon.ttf'),
    };
    const types: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf', '.html': 'text/html' };
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      if (path === '/favicon.ico') {
        res.writeHead(204).end();
        return;
      }
      if (path === '/') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(eventLogHtml({ cspSource: origin, nonce: 'benchnonce', scriptUri: '/eventLog.js', styleUri: '/eventLog.css', codiconsUri: '/codicon.css', title: 'bench' }));
        return;
      }
      const file = files[path];
      if (!file) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
      res.end(readFileSync(file));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;

    const browser = await chromium.launch({
      executablePath: E2E_CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') console.error(`page ${m.type()}: ${m.text()}`);
      });
      // The host side of the protocol, as EventLogPanel answers it.
      const reply = (m: HostMessage) => page.evaluate((msg) => window.postMessage(msg, '*'), m);
      await page.exposeFunction('__hostReceive', async (raw: unknown) => {
        const msg = parseWebviewMessage(raw);
        if (!msg) throw new Error(`bad message from the webview: ${JSON.stringify(raw)}`);
        if (msg.type === 'ready') {
          await reply({ type: 'init', sessionId: meta.id, filter: model.filter, generation: model.generation, total: model.total, summary: model.summary(meta, false), initialRows: model.initialRows(msg.follow ?? true, msg.anchorIndex) });
        } else if (msg.type === 'requestRows' && msg.generation === model.generation) {
          await reply({ type: 'rows', generation: model.generation, start: msg.start, rows: model.rows(msg.start, msg.end) });
        } else if (msg.type === 'setFilter') {
          model.setFilter(msg.filter);
          await reply({ type: 'total', generation: model.generation, total: model.total });
        }
      });
      // tsx compiles this file with keepNames: functions handed to the page call its `__name` helper.
      await page.addInitScript({ content: 'window.__name = (f) => f;' });
      await page.addInitScript(() => {
        const w = window as unknown as Record<string, unknown>;
        let state: unknown;
        w['acquireVsCodeApi'] = () => ({
          postMessage: (m: unknown) => void (w['__hostReceive'] as (m: unknown) => Promise<void>)(m),
          getState: () => state,
          setState: (s: unknown) => (state = s),
        });
        // First paint: the moment the first row with data is in the DOM, from navigation start.
        new MutationObserver((_, obs) => {
          if (document.querySelector('.row[data-seq]')) {
            w['__firstRows'] = performance.now();
            obs.disconnect();
          }
        }).observe(document, { childList: true, subtree: true });
      });

      const runs: number[] = [];
      for (let i = 0; i < 5; i++) {
        await page.goto(`http://127.0.0.1:${port}/`);
        await page.waitForFunction(() => (window as unknown as Record<string, unknown>)['__firstRows'] !== undefined, undefined, { timeout: 30_000 });
        runs.push(await page.evaluate(() => (window as unknown as Record<string, number>)['__firstRows']!));
      }
      runs.sort((a, b) => a - b);
      console.log(`eventLog first paint (100k events, median of 5): ${runs[2]!.toFixed(0)} ms (target < 500 ms)`);

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
      console.log(`eventLog scroll jump to rows shown (40 random jumps): median ${jumps[20]!.toFixed(0)} ms, p95 ${jumps[38]!.toFixed(0)} ms`);

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
      console.log(`eventLog steady scroll frame time: median ${frame.median.toFixed(1)} ms, p95 ${frame.p95.toFixed(1)} ms`);
      maxNodes = Math.max(maxNodes, await page.evaluate(() => document.getElementsByTagName('*').length));
      console.log(`eventLog DOM nodes at most: ${maxNodes} (target <= 1400)`);
      const bytes = readFileSync(join(out, 'eventLog.js')).length;
      console.log(`eventLog webview bundle (minified): ${(bytes / 1024).toFixed(0)} KiB`);
    } finally {
      await browser.close();
      server.close();
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
