// The format check fires: scripts/formatCode.mjs, with this repository's .oxfmtrc.json, runs in a scratch git
// repository whose branch changes files against `main`. A new file, or a changed one that was formatted on
// `main`, is reported when it is not formatted (committed, uncommitted or untracked); files the branch did not
// touch, and changed ones `main` had not formatted yet, are left to the repository-wide pass (`--all`); and
// `npm run format` makes the check pass.
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
  write(root, {
    'src/old.ts': unformatted,
    'src/legacy.ts': unformatted,
    'src/edited.ts': formatted,
    'README.md': '# r\n',
  });
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'add', '-A');
  git(root, 'commit', '-qm', 'base');
  git(root, 'checkout', '-qb', 'work');
  return root;
}

test('a new or formatted file the branch leaves unformatted fails the check; others wait for --all', () => {
  const root = scratchRepository();
  try {
    assert.equal(formatCode(root, '--check').status, 0, 'nothing changed yet');
    write(root, { 'src/edited.ts': `${formatted}${unformatted.replace('long', 'other')}` });
    git(root, 'commit', '-qam', 'edit');
    write(root, { 'src/added.ts': unformatted, 'test/fixtures/kept.ts': unformatted, 'notes.md': '*  x\n' });
    write(root, { 'src/legacy.ts': `${unformatted}// edited\n` });
    const result = formatCode(root, '--check');
    assert.equal(result.status, 1, result.output);
    assert.match(result.output, /src\/edited\.ts/);
    assert.match(result.output, /src\/added\.ts/);
    assert.match(result.output, /1 changed file\(s\) not yet formatted on main/);
    assert.doesNotMatch(result.output, /src\/old\.ts|src\/legacy\.ts|fixtures|notes\.md/);
    assert.equal(formatCode(root, '--check', '--all').status, 1, 'the untouched file is caught by --all');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('npm run format rewrites the changed files so the check passes', () => {
  const root = scratchRepository();
  try {
    write(root, { 'src/added.ts': unformatted });
    assert.equal(formatCode(root).status, 0);
    assert.equal(readFileSync(join(root, 'src/added.ts'), 'utf8'), formatted);
    assert.equal(readFileSync(join(root, 'src/old.ts'), 'utf8'), unformatted, 'untouched files stay as they are');
    const check = formatCode(root, '--check');
    assert.equal(check.status, 0, check.output);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
