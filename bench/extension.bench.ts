// The extension's cost to VS Code: bundle sizes (minified, as shipped) and activation time in a real
// VS Code (code-server from scripts/e2e/setup.sh, driven by Chromium): the time `activate` takes, and
// the time from opening the Threads view to its content on screen.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { CodeServer, missingPrerequisite, Workbench } from '../test/e2e/support/codeServer.ts';

const ROOT = resolve(__dirname, '..');

async function bundleSizes(): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'agent-os-bench-'));
  try {
    const common = { bundle: true, minify: true, logLevel: 'warning' as const, absWorkingDir: ROOT };
    await build({
      ...common,
      entryPoints: ['src/vscode/extension.ts'],
      outfile: join(out, 'extension.js'),
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['vscode'],
    });
    await build({
      ...common,
      entryPoints: ['src/webview/eventLog/main.ts'],
      outfile: join(out, 'eventLog.js'),
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
    });
    for (const [name, file] of [
      ['extension.js', 'extension.js'],
      ['webview eventLog.js', 'eventLog.js'],
    ] as const) {
      const bytes = readFileSync(join(out, file));
      console.log(
        `bundle ${name}: ${(bytes.length / 1024).toFixed(0)} KiB minified, ${(gzipSync(bytes).length / 1024).toFixed(0)} KiB gzip`,
      );
    }
    let media = 0;
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(dir, e.name));
        else media += statSync(join(dir, e.name)).size;
      }
    };
    walk(join(ROOT, 'media'));
    console.log(`media/ (css, codicons, icons): ${(media / 1024).toFixed(0)} KiB`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function findLogMs(dataDir: string, pattern: RegExp): number | undefined {
  const stack = [join(dataDir, 'logs')];
  while (stack.length) {
    const dir = stack.pop()!;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const full = join(dir, e.name);
      if (e.isDirectory()) stack.push(full);
      else if (e.name.endsWith('.log')) {
        const m = pattern.exec(readFileSync(full, 'utf8'));
        if (m) return Number(m[1]);
      }
    }
  }
  return undefined;
}

async function activation(): Promise<void> {
  const missing = missingPrerequisite();
  if (missing) {
    console.log(`activation: skipped: ${missing}`);
    return;
  }
  const root = mkdtempSync(join(tmpdir(), 'agent-os-bench-ws-'));
  const server = await CodeServer.start({
    workspace: root,
    settings: { 'agentOs.sessionsDirectory': join(root, 'sessions') },
  });
  const wb = await Workbench.open(server);
  try {
    const start = Date.now();
    await wb.openThreadsView();
    await wb.threadsPane().locator('.welcome-view-content').waitFor({ state: 'visible', timeout: 60_000 });
    const viewMs = Date.now() - start;
    let activateMs: number | undefined;
    let loadedMs: number | undefined;
    for (let i = 0; i < 20 && (activateMs === undefined || loadedMs === undefined); i++) {
      activateMs = findLogMs(server.dataDir, /activated in (\d+) ms/);
      loadedMs = findLogMs(server.dataDir, /session\(s\) loaded in (\d+) ms/);
      if (activateMs === undefined || loadedMs === undefined) await new Promise((r) => setTimeout(r, 250));
    }
    console.log(`activation (activate() in code-server's extension host): ${activateMs ?? 'n/a'} ms (target < 200 ms)`);
    console.log(`activation to sessions listed (the tree's data ready): ${loadedMs ?? 'n/a'} ms`);
    console.log(
      `threads view, first click after page load to content on screen (includes the extension host starting): ${viewMs} ms`,
    );
  } finally {
    await wb.close();
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  await bundleSizes();
  await activation();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
