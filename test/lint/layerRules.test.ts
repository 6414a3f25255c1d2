// The layer rule fires: each planted import that breaks it is reported, and the allowed ones are not.
// The checker runs on a small tree made here, so the test fails if a rule stops firing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const checker = resolve(__dirname, '../../scripts/lintLayers.mjs');

function checkTree(files: Record<string, string>): { ok: boolean; output: string } {
  const root = mkdtempSync(join(tmpdir(), 'agentos-layers-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    const run = spawnSync(process.execPath, [checker, root], { encoding: 'utf8' });
    return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const base = {
  'src/node/adapter.ts': 'export const adapter = 1;\n',
  'src/testkit/model/server.ts': "import { adapter } from '../../node/adapter.ts';\nexport const server = adapter;\n",
};

test('a tree that keeps the rule passes', () => {
  const result = checkTree({
    ...base,
    'src/cli/demoRun.ts': "import { server } from '../testkit/model/server.ts';\nexport const demo = server;\n",
    'test/anything.ts': "import { server } from '../src/testkit/model/server.ts';\n",
  });
  assert.equal(result.ok, true, result.output);
});

test('an upward import from core is refused', () => {
  const result = checkTree({ ...base, 'src/core/pure.ts': "import { adapter } from '../node/adapter.ts';\n" });
  assert.equal(result.ok, false);
  assert.match(result.output, /src\/core\/pure\.ts: layer 'core' may not import from 'node'/);
});

test('a side-effect import counts as an import', () => {
  const result = checkTree({ ...base, 'src/views/rows.ts': "import '../node/adapter.ts';\n" });
  assert.equal(result.ok, false);
  assert.match(result.output, /src\/views\/rows\.ts: layer 'views' may not import from 'node'/);
});

test('product code may not import the test kit', () => {
  const result = checkTree({ ...base, 'src/node/runtime.ts': "import { server } from '../testkit/model/server.ts';\n" });
  assert.equal(result.ok, false);
  assert.match(result.output, /src\/node\/runtime\.ts: product code may not import the test kit/);
});

test('the webview may not use node I/O, and only src/vscode may import vscode', () => {
  const result = checkTree({
    'src/webview/page.ts': "import { readFileSync } from 'node:fs';\n",
    'src/node/host.ts': "import * as vscode from 'vscode';\n",
  });
  assert.equal(result.ok, false);
  assert.match(result.output, /src\/webview\/page\.ts: src\/webview may not import I\/O module 'node:fs'/);
  assert.match(result.output, /src\/node\/host\.ts: only src\/vscode may import 'vscode'/);
});
