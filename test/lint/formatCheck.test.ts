// The format check fires: scripts/formatCode.mjs, with this repository's .oxfmtrc.json, runs in a scratch git
// repository. Every code file in scope is checked, committed, changed or untracked, whoever touched it; fixtures
// and Markdown keep their own shape; and `npm run format` makes the check pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const repo = resolve(__dirname, '../..');
const script = join(repo, 'scripts', 'formatCode.mjs');
const unformatted = 'export const long = { alpha: \'a\', beta: "b" }\n';
const formatted = "export const long = { alpha: 'a', beta: 'b' };\n";

function git(cwd: string, ...args: string[]): void {
  const run = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
}

function write(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

function formatCode(cwd: string, ...args: string[]): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, [script, ...args], { cwd, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

function scratchRepository(): string {
  const root = mkdtempSync(join(tmpdir(), 'agentos-format-'));
  copyFileSync(join(repo, '.oxfmtrc.json'), join(root, '.oxfmtrc.json'));
  write(root, { 'src/old.ts': formatted, 'test/fixtures/kept.ts': unformatted, 'README.md': '#  r\n' });
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'add', '-A');
  git(root, 'commit', '-qm', 'base');
  return root;
}

test('an unformatted code file anywhere fails the check, committed or not; fixtures and Markdown do not', () => {
  const root = scratchRepository();
  try {
    const clean = formatCode(root, '--check');
    assert.equal(clean.status, 0, clean.output);
    write(root, { 'scripts/committed.mjs': unformatted });
    git(root, 'add', '-A');
    git(root, 'commit', '-qm', 'unformatted');
    write(root, {
      'src/untracked.ts': unformatted,
      'src/old.ts': `${formatted}${unformatted.replace('long', 'other')}`,
    });
    const result = formatCode(root, '--check');
    assert.equal(result.status, 1, result.output);
    assert.match(result.output, /scripts\/committed\.mjs/);
    assert.match(result.output, /src\/untracked\.ts/);
    assert.match(result.output, /src\/old\.ts/);
    assert.doesNotMatch(result.output, /fixtures|README/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('npm run format rewrites every file in scope so the check passes, and leaves the rest', () => {
  const root = scratchRepository();
  try {
    write(root, { 'src/added.ts': unformatted });
    assert.equal(formatCode(root).status, 0);
    assert.equal(readFileSync(join(root, 'src/added.ts'), 'utf8'), formatted);
    assert.equal(readFileSync(join(root, 'test/fixtures/kept.ts'), 'utf8'), unformatted, 'fixtures keep their shape');
    const check = formatCode(root, '--check');
    assert.equal(check.status, 0, check.output);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
