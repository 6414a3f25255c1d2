// A fresh clone has every document its docs and comments refer to: links in Markdown resolve inside the
// repository, and nothing points at the design notes the project started from outside it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const root = join(__dirname, '..', '..');
const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\n')
  .filter((f) => f && existsSync(join(root, f)));
const texts = tracked.filter(
  (f) => /\.(md|ts|mjs|js|sh|json)$/.test(f) && f !== 'package-lock.json' && !f.startsWith('test/fixtures/'),
);

test('Markdown links in README.md and docs/ point at files inside the repository', () => {
  const broken: string[] = [];
  for (const file of texts.filter((f) => f.endsWith('.md') && (f === 'README.md' || f.startsWith('docs/')))) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/i.test(target!)) continue;
      const path = resolve(dirname(join(root, file)), target!);
      if (relative(root, path).startsWith('..') || !existsSync(path)) broken.push(`${file} → ${target}`);
    }
  }
  assert.deepEqual(broken, []);
});

test('no doc or source comment refers to design notes outside the repository', () => {
  const outside = /shared\/reference|managed-agents\.md|vscode-e2e\.md|sandbox-runtime\.md|user-pains\.md|DESIGN\.md/;
  const found = texts.filter(
    (f) => f !== 'test/docs/docLinks.test.ts' && outside.test(readFileSync(join(root, f), 'utf8')),
  );
  assert.deepEqual(found, [], 'point at docs/design.md, docs/architecture.md or docs/reference/ instead');
  for (const doc of [
    'docs/design.md',
    'docs/architecture.md',
    'docs/reference/managedAgents.md',
    'docs/reference/vscodeE2e.md',
  ]) {
    assert.ok(tracked.includes(doc), `${doc} is in the repository`);
  }
});
