// A webview page outside VS Code for the benches: its real bundle (minified, as shipped) and page
// (eventLogHtml) served from 127.0.0.1 to headless Chromium, with `acquireVsCodeApi` answered by a
// host function of the bench's own — the webview's contract with VS Code, and nothing more.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { eventLogHtml } from '../../src/vscode/eventLogHtml.ts';
import { E2E_CHROMIUM } from '../../test/support/requirements.ts';

export const ROOT = resolve(__dirname, '..', '..');
/** Why a browser bench cannot run here, or undefined. A bench needs what it measures with; without a
 * browser there is nothing to measure, which is not a failure. */
export function missingBrowser(): string | undefined {
  return existsSync(E2E_CHROMIUM)
    ? undefined
    : `Chromium is not installed at ${E2E_CHROMIUM} (bash scripts/e2e/setup.sh installs it; AGENT_OS_E2E_CHROMIUM names another)`;
}

export interface WebviewPage {
  page: Page;
  url: string;
  bundleBytes: number;
  /** Posts a host message to the page, as `webview.postMessage` does. */
  send(message: unknown): Promise<void>;
  close(): Promise<void>;
}

export async function openWebviewPage(options: {
  entry: string;
  style: string;
  onMessage(raw: unknown, page: WebviewPage): Promise<void>;
  /** Called when the page itself is asked for: where a panel starts its host work (reading the log). */
  onNavigate?(): void;
  /** What the page carries (eventLogHtml's `initialData`), awaited before the page is sent, as a panel
   * writes its HTML once it has it. */
  initialData?(): Promise<unknown>;
  initScript?: string;
  viewport?: { width: number; height: number };
}): Promise<WebviewPage> {
  const out = mkdtempSync(join(tmpdir(), 'agent-os-bench-'));
  await build({
    entryPoints: [join(ROOT, options.entry)],
    outfile: join(out, 'page.js'),
    bundle: true,
    minify: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    logLevel: 'warning',
  });
  const files: Record<string, string> = {
    '/page.js': join(out, 'page.js'),
    '/page.css': join(ROOT, options.style),
    '/codicon.css': join(ROOT, 'media/codicons/codicon.css'),
    '/codicon.ttf': join(ROOT, 'media/codicons/codicon.ttf'),
  };
  const types: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf' };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/') {
      options.onNavigate?.();
      const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      void (options.initialData?.() ?? Promise.resolve(undefined)).then(
        (initialData) => {
          res.writeHead(200, { 'content-type': 'text/html' });
          res.end(
            eventLogHtml({
              cspSource: origin,
              nonce: 'benchnonce',
              scriptUri: '/page.js',
              styleUri: '/page.css',
              codiconsUri: '/codicon.css',
              title: 'bench',
              initialData,
            }),
          );
        },
        (error: unknown) => {
          console.error(error);
          res.writeHead(500).end();
        },
      );
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
  const browser: Browser = await chromium.launch({
    executablePath: E2E_CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = await browser.newPage({ viewport: options.viewport ?? { width: 1400, height: 1000 } });
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') console.error(`page ${m.type()}: ${m.text()}`);
  });
  const handle: WebviewPage = {
    page,
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`,
    bundleBytes: readFileSync(join(out, 'page.js')).length,
    send: (m) => page.evaluate((msg) => window.postMessage(msg, '*'), m),
    async close() {
      await browser.close();
      server.close();
      rmSync(out, { recursive: true, force: true });
    },
  };
  await page.exposeFunction('__hostReceive', (raw: unknown) => options.onMessage(raw, handle));
  // tsx compiles benches with keepNames: functions handed to the page call its `__name` helper.
  await page.addInitScript({ content: 'window.__name = (f) => f;' });
  // A navigation is a new panel; a reload is its page loaded again from the same HTML (a hidden webview
  // shown again), whose state outlives it as a webview's does (kept in the tab's session storage).
  await page.addInitScript(() => {
    const w = window as unknown as Record<string, unknown>;
    const entry = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    if (entry?.type !== 'reload') sessionStorage.removeItem('webviewState');
    w['acquireVsCodeApi'] = () => ({
      postMessage: (m: unknown) => void (w['__hostReceive'] as (m: unknown) => Promise<void>)(m),
      getState: (): unknown => JSON.parse(sessionStorage.getItem('webviewState') ?? 'null') ?? undefined,
      setState: (s: unknown) => sessionStorage.setItem('webviewState', JSON.stringify(s)),
    });
  });
  if (options.initScript) await page.addInitScript({ content: options.initScript });
  return handle;
}
