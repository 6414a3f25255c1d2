// The lint rules fire: oxlint, with this repository's .oxlintrc.json, runs on a small tree made here
// with planted breakages — an upward import, a side-effect import, product code importing the test
// kit, node I/O in the webview, `vscode` outside src/vscode, a floating promise, a switch that misses a
// case — and each is reported, while the allowed imports are not. A rule that stopped firing fails this test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const repo = resolve(__dirname, '../..');
const oxlint = join(repo, 'node_modules', '.bin', 'oxlint');

function lintTree(files: Record<string, string>, typeAware = false): { ok: boolean; output: string } {
  const root = mkdtempSync(join(tmpdir(), 'agentos-lint-'));
  try {
    copyFileSync(join(repo, '.oxlintrc.json'), join(root, '.oxlintrc.json'));
    writeFileSync(
      join(root, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          allowImportingTsExtensions: true,
          noEmit: true,
          lib: ['ES2023'],
        },
        include: ['src'],
      }),
    );
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    // The scratch tree has no node_modules of its own: oxlint is told where this checkout's type-aware
    // linter is (the config turns type-aware rules on), as it finds it by itself in the repository.
    const env = { ...process.env, OXLINT_TSGOLINT_PATH: join(repo, 'node_modules', '.bin', 'tsgolint') };
    const run = spawnSync(oxlint, [...(typeAware ? ['--type-aware'] : []), '--deny-warnings', 'src'], {
      cwd: root,
      encoding: 'utf8',
      env,
    });
    return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The reported lines of one file and rule. */
function reported(output: string, file: string, rule: string): boolean {
  return output.split(/\n\s*\n/).some((block) => block.includes(rule) && block.includes(file));
}

const base = {
  'src/node/adapter.ts': 'export const adapter = 1;\n',
  'src/testkit/model/server.ts': "import { adapter } from '../../node/adapter.ts';\nexport const server = adapter;\n",
};

test('a tree that keeps the layer table passes, the CLI demo importing the test kit included', () => {
  const result = lintTree({
    ...base,
    'src/core/pure.ts': 'export const pure = 1;\n',
    'src/views/rows.ts': "import { pure } from '../core/pure.ts';\nexport const rows = pure;\n",
    'src/cli/demoRun.ts': "import { server } from '../testkit/model/server.ts';\nexport const demo = server;\n",
  });
  assert.equal(result.ok, true, result.output);
});

test('an upward import from core is refused, a side-effect import too', () => {
  const result = lintTree({
    ...base,
    'src/core/pure.ts': "import { adapter } from '../node/adapter.ts';\nexport const a = adapter;\n",
    'src/views/rows.ts': "import '../node/adapter.ts';\n",
  });
  assert.equal(result.ok, false);
  assert.ok(reported(result.output, 'src/core/pure.ts', 'no-restricted-imports'), result.output);
  assert.ok(reported(result.output, 'src/views/rows.ts', 'no-restricted-imports'), result.output);
});

test('product code may not import the test kit', () => {
  const result = lintTree({
    ...base,
    'src/node/runtime.ts': "import { server } from '../testkit/model/server.ts';\nexport const s = server;\n",
  });
  assert.equal(result.ok, false);
  assert.ok(reported(result.output, 'src/node/runtime.ts', 'no-restricted-imports'), result.output);
});

test('the webview may not use node I/O, and only src/vscode may import vscode', () => {
  const result = lintTree({
    'src/webview/page.ts': "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
    'src/node/host.ts': "import * as vscode from 'vscode';\nexport const v = vscode;\n",
    'src/vscode/ok.ts': "import * as vscode from 'vscode';\nexport const v = vscode;\n",
  });
  assert.equal(result.ok, false);
  assert.ok(reported(result.output, 'src/webview/page.ts', 'no-restricted-imports'), result.output);
  assert.ok(reported(result.output, 'src/node/host.ts', 'no-restricted-imports'), result.output);
  assert.ok(!reported(result.output, 'src/vscode/ok.ts', 'no-restricted-imports'), result.output);
});

test('a floating promise, a default export and an unused import are refused', () => {
  const result = lintTree(
    {
      'src/node/work.ts':
        "import { adapter } from './adapter.ts';\nasync function work(): Promise<void> {}\nexport function start(): void {\n  work();\n}\n",
      'src/node/adapter.ts': 'export const adapter = 1;\nexport default adapter;\n',
    },
    true,
  );
  assert.equal(result.ok, false);
  assert.ok(reported(result.output, 'src/node/work.ts', 'no-floating-promises'), result.output);
  assert.ok(reported(result.output, 'src/node/adapter.ts', 'no-default-export'), result.output);
  assert.ok(reported(result.output, 'src/node/work.ts', 'no-unused-vars'), result.output);
});

test('a switch over a union that misses a case is refused; every case, or a default, passes', () => {
  const union = "export type Kind = 'run' | 'wait' | 'done';\n";
  const result = lintTree(
    {
      'src/core/missing.ts':
        union +
        "export function word(kind: Kind): string {\n  switch (kind) {\n    case 'run':\n      return 'running';\n    case 'wait':\n      return 'waiting';\n  }\n  return '';\n}\n",
      'src/core/every.ts':
        "import type { Kind } from './missing.ts';\nexport function word(kind: Kind): string {\n  switch (kind) {\n    case 'run':\n      return 'running';\n    case 'wait':\n      return 'waiting';\n    case 'done':\n      return 'done';\n  }\n}\n",
      'src/core/fallback.ts':
        "import type { Kind } from './missing.ts';\nexport function word(kind: Kind): string {\n  switch (kind) {\n    case 'run':\n      return 'running';\n    default:\n      return 'other';\n  }\n}\n",
    },
    true,
  );
  assert.equal(result.ok, false);
  assert.ok(reported(result.output, 'src/core/missing.ts', 'switch-exhaustiveness-check'), result.output);
  assert.ok(result.output.includes('Cases not matched: "done"'), result.output);
  assert.ok(!reported(result.output, 'src/core/every.ts', 'switch-exhaustiveness-check'), result.output);
  assert.ok(!reported(result.output, 'src/core/fallback.ts', 'switch-exhaustiveness-check'), result.output);
});
