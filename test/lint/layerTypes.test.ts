// The per-layer TypeScript projects hold: the repository's own tsconfig files, copied into a scratch tree with
// planted code, refuse node in core (src/core/tsconfig.json), node in the webview (src/webview/tsconfig.json)
// and the DOM in the host layers (src/node/tsconfig.json), while the same code passes where it belongs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const repo = resolve(__dirname, '../..');
const tsc = join(repo, 'node_modules', '.bin', 'tsc');
const PROJECTS = ['tsconfig.json', 'src/core/tsconfig.json', 'src/webview/tsconfig.json', 'src/node/tsconfig.json'];

const usesNode = 'export const cwd = (): string => process.cwd();\n';
const usesDom = 'export const title = (): string => document.title;\n';

/** Type-checks `project` of a scratch tree holding the repository's tsconfig files and `files`. */
function typecheck(project: string, files: Record<string, string>): { ok: boolean; output: string } {
  const root = mkdtempSync(join(tmpdir(), 'agentos-types-'));
  try {
    symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
    for (const path of [...PROJECTS, 'src/core/hostGlobals.d.ts']) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      copyFileSync(join(repo, path), join(root, path));
    }
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    const run = spawnSync(tsc, ['--noEmit', '-p', project], { cwd: root, encoding: 'utf8' });
    return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('core has neither node nor DOM types; the host layers have node', () => {
  const core = typecheck('src/core', { 'src/core/a.ts': usesNode, 'src/core/b.ts': usesDom });
  assert.equal(core.ok, false);
  assert.match(core.output, /src\/core\/a\.ts.*Cannot find name 'process'/);
  assert.match(core.output, /src\/core\/b\.ts.*Cannot find name 'document'/);
  const host = typecheck('src/node', { 'src/node/a.ts': usesNode, 'src/cli/a.ts': usesNode });
  assert.equal(host.ok, true, host.output);
});

test('the host layers have no DOM types; the webview has the DOM and no node types', () => {
  const host = typecheck('src/node', { 'src/node/a.ts': usesDom, 'src/vscode/a.ts': usesDom });
  assert.equal(host.ok, false);
  assert.match(host.output, /src\/node\/a\.ts.*Cannot find name 'document'/);
  assert.match(host.output, /src\/vscode\/a\.ts.*Cannot find name 'document'/);
  const webview = typecheck('src/webview', { 'src/webview/a.ts': usesNode, 'src/webview/b.ts': usesDom });
  assert.equal(webview.ok, false);
  assert.match(webview.output, /src\/webview\/a\.ts.*Cannot find name 'process'/);
  assert.doesNotMatch(webview.output, /src\/webview\/b\.ts/);
});
