// Runs the built extension in a real VS Code: code-server (installed by scripts/e2e/setup.sh into a
// cache folder) on a free port with a fresh user-data dir, driven by Debian's Chromium through
// playwright-core. See docs/reference/vscodeE2e.md.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { vscePackage } from '../../support/vscePackage.ts';
import {
  E2E_CHROMIUM,
  E2E_CODE_SERVER,
  E2E_NODE,
  E2E_VSCODE,
  missingE2ePrerequisite,
} from '../../support/requirements.ts';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
/** Screenshots; a run on another VS Code than the newest keeps its own beside them (e2e/min/). */
export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'e2e', ...(E2E_VSCODE === 'latest' ? [] : [E2E_VSCODE]));
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  publisher: string;
  name: string;
  version: string;
};
export const EXTENSION_ID = `${pkg.publisher}.${pkg.name}`;

/** Why the e2e suite cannot run here, or undefined when it can. */
export const missingPrerequisite = missingE2ePrerequisite;

let built = false;
/** Bundles every entry point once per process with the project's own build (esbuild.js: the extension,
 * its tool server and webviews, and the sandbox runtime copied beside them), so the suite always tests the
 * current sources exactly as they are packaged. Under scripts/runTests.mjs the build is made once before
 * every test process (AGENT_OS_BUILT): a rebuild here would replace dist/ under another process's VS Code. */
export function buildExtension(): void {
  if (built || process.env.AGENT_OS_BUILT) return;
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'esbuild.js')], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('building the extension failed');
  built = true;
}

export interface CodeServerOptions {
  /** The folder VS Code opens. */
  workspace: string;
  /** User settings on top of the defaults below. */
  settings?: Record<string, unknown>;
  /** Leave workspace trust on (Restricted Mode until trusted). Default false: trust is off. */
  workspaceTrust?: boolean;
  /** Extra environment for code-server and its extension host. */
  env?: Record<string, string>;
}

export class CodeServer {
  private constructor(
    readonly root: string,
    readonly dataDir: string,
    readonly extensionsDir: string,
    readonly port: number,
    readonly workspace: string,
    private readonly proc: ChildProcess,
    private readonly output: string[],
  ) {}

  static async start(options: CodeServerOptions): Promise<CodeServer> {
    const missing = missingPrerequisite();
    if (missing) throw new Error(missing);
    const root = mkdtempSync(join(tmpdir(), 'agent-os-e2e-'));
    const dataDir = join(root, 'data');
    const extensionsDir = join(root, 'extensions');
    mkdirSync(join(dataDir, 'User'), { recursive: true });
    const settings = {
      'security.workspace.trust.enabled': options.workspaceTrust ?? false,
      'security.workspace.trust.startupPrompt': 'never',
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'chat.disableAIFeatures': true,
      'extensions.autoUpdate': false,
      'extensions.autoCheckUpdates': false,
      'telemetry.telemetryLevel': 'off',
      'update.mode': 'none',
      'workbench.enableExperiments': false,
      'git.enabled': false,
      'workbench.secondarySideBar.defaultVisibility': 'hidden',
      'workbench.welcomePage.walkthroughs.openOnInstall': false,
      ...options.settings,
    };
    writeFileSync(join(dataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
    // code-server is a remote window: settings scoped `machine` / `machine-overridable` (paths, URLs)
    // are read from the remote machine's settings, not the user's.
    mkdirSync(join(dataDir, 'Machine'), { recursive: true });
    writeFileSync(join(dataDir, 'Machine', 'settings.json'), JSON.stringify(options.settings ?? {}, null, 2));
    installExtension(extensionsDir, join(root, 'install-data'));
    const port = await freePort();
    const output: string[] = [];
    const proc = spawn(
      E2E_NODE,
      [
        E2E_CODE_SERVER,
        '--auth',
        'none',
        '--bind-addr',
        `127.0.0.1:${port}`,
        '--extensions-dir',
        extensionsDir,
        '--user-data-dir',
        dataDir,
        '--config',
        join(root, 'config.yaml'),
        '--disable-telemetry',
        '--disable-update-check',
        options.workspace,
      ],
      {
        env: {
          ...process.env,
          // No marketplace: nothing may leave 127.0.0.1 (a closed local port fails at once).
          EXTENSIONS_GALLERY: JSON.stringify({
            serviceUrl: 'http://127.0.0.1:9/gallery',
            itemUrl: 'http://127.0.0.1:9/item',
            resourceUrlTemplate: 'http://127.0.0.1:9/resource',
          }),
          ...options.env,
          PATH: `${dirname(E2E_NODE)}:${process.env['PATH'] ?? ''}`,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      },
    );
    const collect = (b: Buffer) => {
      output.push(b.toString());
      if (output.length > 400) output.splice(0, 100);
    };
    proc.stdout?.on('data', collect);
    proc.stderr?.on('data', collect);
    const server = new CodeServer(root, dataDir, extensionsDir, port, options.workspace, proc, output);
    await server.waitUntilListening();
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/?folder=${encodeURIComponent(this.workspace)}`;
  }

  /** code-server's own output, then the extension host's logs (ours among them). */
  logs(): string {
    const out = [this.output.join('')];
    const logsDir = join(this.dataDir, 'logs');
    for (const file of walk(logsDir)) {
      if (/exthost|Agent OS|agent-os/i.test(file)) {
        try {
          out.push(`--- ${file}\n${readFileSync(file, 'utf8').slice(-20_000)}`);
        } catch {
          // a log being rotated
        }
      }
    }
    return out.join('\n');
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.pid) {
      const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
      try {
        process.kill(-this.proc.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await Promise.race([exited, delay(5_000)]);
      if (this.proc.exitCode === null) {
        try {
          process.kill(-this.proc.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    if (!process.env['AGENT_OS_E2E_KEEP']) rmSync(this.root, { recursive: true, force: true });
  }

  private async waitUntilListening(): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null)
        throw new Error(`code-server exited (${this.proc.exitCode}):\n${this.output.join('')}`);
      try {
        const res = await fetch(`http://127.0.0.1:${this.port}/healthz`);
        if (res.ok) return;
      } catch {
        // not yet
      }
      await delay(200);
    }
    throw new Error(`code-server did not start:\n${this.output.join('')}`);
  }
}

let packaged: string | undefined;
/** The .vsix of the current build, made once per process with the flags of `npm run package` (without its
 * production build: the suite's own build above is what is packaged). */
export function packageExtension(): string {
  if (packaged) return packaged;
  buildExtension();
  const vsix = join(mkdtempSync(join(tmpdir(), 'agent-os-e2e-vsix-')), `${EXTENSION_ID}.vsix`);
  vscePackage(vsix);
  packaged = vsix;
  return vsix;
}

/** Installs the .vsix the way a person does (`code-server --install-extension`), into this server's
 * extensions folder: the suite runs against the installed extension, not the repository folder. */
function installExtension(extensionsDir: string, installDataDir: string): void {
  // Its own user-data dir: the install leaves nothing in the one the workbench then starts with.
  const r = spawnSync(
    E2E_NODE,
    [
      E2E_CODE_SERVER,
      '--extensions-dir',
      extensionsDir,
      '--user-data-dir',
      installDataDir,
      '--install-extension',
      packageExtension(),
    ],
    {
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  const installed =
    existsSync(extensionsDir) && readdirSync(extensionsDir).some((d) => d.startsWith(`${EXTENSION_ID}-`));
  if (r.status !== 0 || !installed)
    throw new Error(`code-server --install-extension failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
}

/** The quick input's text box (the palette's filter, an input box). Not any `input`: older VS Code builds
 * also render a checkbox input in every row of the list. */
export const QUICK_INPUT = '.quick-input-widget input.input';

export class Workbench {
  private constructor(
    readonly browser: Browser,
    readonly page: Page,
    readonly server: CodeServer,
  ) {}

  static async open(server: CodeServer): Promise<Workbench> {
    const browser = await chromium.launch({
      executablePath: E2E_CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
      ],
    });
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const wb = new Workbench(browser, page, server);
    await wb.load();
    return wb;
  }

  /** Loads (or reloads) the workbench and waits until it is ready for input. */
  async load(): Promise<void> {
    // A loaded machine (2 cores shared by many runs) can take longer than the default 30 s.
    await this.page.goto(this.server.url, { timeout: 120_000 });
    await this.page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    await this.page.waitForSelector('.activitybar', { timeout: 60_000 });
    // The workbench restores views after it appears: let it settle before typing into it.
    await this.page.waitForTimeout(1_500);
  }

  /** Reloads the window as a person would (Developer: Reload Window). */
  async reload(): Promise<void> {
    await this.page.reload({ timeout: 120_000 });
    await this.page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    await this.page.waitForSelector('.activitybar', { timeout: 60_000 });
    await this.page.waitForTimeout(1_500);
  }

  /** Runs a command by its palette title (e.g. `Agent OS: Open Event Log`). */
  async runCommand(title: string): Promise<void> {
    const input = this.page.locator(QUICK_INPUT);
    await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('Control+Shift+P');
    try {
      await input.waitFor({ state: 'visible', timeout: 10_000 });
    } catch (error) {
      await this.screenshot(`failed-palette-${Date.now()}`);
      throw error;
    }
    await input.fill(`>${title}`);
    const row = this.page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
    await row.waitFor({ state: 'visible', timeout: 10_000 });
    await this.page.keyboard.press('Enter');
  }

  /** Picks an item of the open quick pick by its visible text. */
  async pickQuickItem(text: string): Promise<void> {
    const row = this.page.locator('.quick-input-widget .monaco-list-row', { hasText: text }).first();
    await this.capturing('quick-pick', () => row.waitFor({ state: 'visible', timeout: 15_000 }));
    await row.click();
  }

  /** Runs a command and picks an item of the quick pick it opens. A quick pick closes when it loses focus (a
   * panel restored after a reload can take it between the row showing and the click): the command is run
   * again, at most twice, with a screenshot of the first time so the cause stays visible. */
  async runCommandAndPick(title: string, text: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await this.runCommand(title);
      const row = this.page.locator('.quick-input-widget .monaco-list-row', { hasText: text }).first();
      await this.capturing('quick-pick', () => row.waitFor({ state: 'visible', timeout: 15_000 }));
      try {
        await row.click({ timeout: 5_000 });
        return;
      } catch (error) {
        if (attempt === 3) throw error;
        if (attempt === 1) await this.screenshot(`quick-pick-closed-${Date.now()}`).catch(() => undefined);
        process.stderr.write(`e2e: the quick pick of "${title}" closed before its row was clicked; again\n`);
      }
    }
  }

  /** Types into the open input box and accepts it. */
  async answerInput(text: string): Promise<void> {
    const input = this.page.locator(QUICK_INPUT);
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(text);
    await this.page.keyboard.press('Enter');
  }

  /** Answers the input box titled `title` (waiting for it: a quick pick just closed may still show
   * its own input, which `answerInput` would fill). */
  async answerInputTitled(title: string, text: string): Promise<void> {
    const heading = this.page.locator('.quick-input-widget .quick-input-title', { hasText: title });
    await this.capturing('input-box', () => heading.waitFor({ state: 'visible', timeout: 15_000 }));
    await this.answerInput(text);
  }

  /** Opens the Agent OS activity-bar container (a restored window may already show it: clicking its
   * icon again would close it, so look first, and again after each click). */
  async openThreadsView(): Promise<void> {
    const pane = this.threadsPane();
    for (let attempt = 0; attempt < 3; attempt++) {
      if (
        await pane.waitFor({ state: 'visible', timeout: attempt === 0 ? 2_000 : 5_000 }).then(
          () => true,
          () => false,
        )
      )
        return;
      await this.page.locator('.activitybar [aria-label^="Agent OS"]').first().click();
    }
    await this.capturing('threads-view', () => pane.waitFor({ state: 'visible', timeout: 5_000 }));
  }

  threadsPane() {
    return this.page.locator('.pane', { has: this.page.locator('.pane-header', { hasText: /threads/i }) }).first();
  }

  /** The Threads tree's rows as "label — description" strings, top to bottom. */
  async treeItems(): Promise<string[]> {
    const rows = this.threadsPane().locator('.monaco-list-row');
    const out: string[] = [];
    for (let i = 0, n = await rows.count(); i < n; i++) {
      const row = rows.nth(i);
      const label = (await row.locator('.label-name').first().textContent())?.trim() ?? '';
      const description =
        (
          await row
            .locator('.label-description')
            .first()
            .textContent()
            .catch(() => '')
        )?.trim() ?? '';
      out.push(description ? `${label} — ${description}` : label);
    }
    return out;
  }

  /** Waits until some tree row's text matches. */
  async waitForTreeItem(match: RegExp, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last: string[] = [];
    while (Date.now() < deadline) {
      last = await this.treeItems().catch(() => []);
      const hit = last.find((t) => match.test(t));
      if (hit) return hit;
      await delay(250);
    }
    await this.screenshot(`failed-tree-${Date.now()}`);
    throw new Error(`no tree item matches ${match}; items: ${JSON.stringify(last)}`);
  }

  /** The webview frame that contains `selector` (webviews are nested iframes). */
  async webviewFrame(selector: string, timeoutMs = 30_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      for (const frame of this.page.frames()) {
        if (frame === this.page.mainFrame()) continue;
        const found = await frame.$(selector).catch(() => null);
        if (found) return frame;
      }
      await delay(250);
    }
    await this.screenshot(`failed-webview-${Date.now()}`);
    // What was on screen instead, so a failure in CI (no screenshots there) says where to look.
    const tabs = await this.editorTabs().catch(() => []);
    throw new Error(
      `no webview frame contains ${selector}; editor tabs: ${JSON.stringify(tabs)}; frames: ${this.page.frames().length - 1}`,
    );
  }

  /** The editor tabs' titles, the active ones marked with a leading `*`. */
  async editorTabs(): Promise<string[]> {
    return this.page
      .locator('.tabs-container .tab')
      .evaluateAll((tabs) =>
        tabs.map(
          (t) => `${t.classList.contains('active') ? '*' : ''}${t.getAttribute('aria-label') ?? t.textContent ?? ''}`,
        ),
      );
  }

  /** Texts of the notifications on screen. */
  async notifications(): Promise<string[]> {
    return this.page.locator('.notification-toast .notification-list-item-message').allTextContents();
  }

  async waitForNotification(match: RegExp, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last: string[] = [];
    while (Date.now() < deadline) {
      last = await this.notifications();
      const hit = last.find((t) => match.test(t));
      if (hit) return hit;
      await delay(250);
    }
    throw new Error(`no notification matches ${match}; seen: ${JSON.stringify(last)}`);
  }

  /** Opens the Problems panel and returns its rows' texts (file rows and problem rows). */
  async problems(): Promise<string[]> {
    const panel = this.page.locator('.markers-panel');
    if (!(await panel.isVisible().catch(() => false))) {
      await this.page.keyboard.press('Escape');
      await this.page.keyboard.press('Control+Shift+M');
      if (
        !(await panel.waitFor({ state: 'visible', timeout: 3_000 }).then(
          () => true,
          () => false,
        ))
      ) {
        await this.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
        await panel.waitFor({ state: 'visible', timeout: 10_000 });
      }
    }
    return (await panel.locator('.monaco-list-row').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
  }

  /** Waits until the Problems panel's rows satisfy `check`; returns them. */
  async waitForProblems(check: (rows: string[]) => boolean, timeoutMs = 30_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    let last: string[] = [];
    while (Date.now() < deadline) {
      last = await this.problems().catch(() => []);
      if (check(last)) return last;
      await delay(300);
    }
    await this.screenshot(`failed-problems-${Date.now()}`);
    throw new Error(`the Problems panel never matched; rows: ${JSON.stringify(last)}`);
  }

  /** Runs a wait; on failure keeps a screenshot of the moment (test-artifacts/e2e/failed-*.png). */
  async capturing<T>(what: string, wait: () => Promise<T>): Promise<T> {
    try {
      return await wait();
    } catch (error) {
      await this.screenshot(`failed-${what}-${Date.now()}`).catch(() => undefined);
      if (error instanceof Error)
        error.message += `; editor tabs: ${JSON.stringify(await this.editorTabs().catch(() => []))}`;
      throw error;
    }
  }

  /** Saves what a person would see to test-artifacts/e2e/<name>.png. */
  async screenshot(name: string): Promise<string> {
    mkdirSync(ARTIFACTS, { recursive: true });
    const path = join(ARTIFACTS, `${name}.png`);
    await this.page.screenshot({ path });
    return path;
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
  }
}

/** Ids of the processes of this code-server (found by its own extensions folder in their command
 * line or their parent's) whose command line contains `needle`: tests end only their own. */
export function processesOf(server: CodeServer, needle: string): number[] {
  const cmdline = (pid: string) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      return '';
    }
  };
  const parent = (pid: string) => {
    try {
      return /^PPid:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '';
    } catch {
      return '';
    }
  };
  const ours = (pid: string): boolean => {
    for (let p = pid, depth = 0; p && p !== '1' && depth < 6; p = parent(p), depth++) {
      if (cmdline(p).includes(server.extensionsDir)) return true;
    }
    return false;
  };
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d) && cmdline(d).includes(needle) && ours(d))
    .map(Number);
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? res(addr.port) : rej(new Error('no port'))));
    });
  });
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(full));
    else out.push(full);
  }
  return out;
}
