import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  mkdtempSync,
  mkdirSync,
  writeFileSync,
  readFileSync,
  existsSync,
  symlinkSync,
  utimesSync,
  rmSync,
  realpathSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileTools } from '../../src/node/tools/fileTools.ts';

describe('file tools', () => {
  let base: string;
  let root: string;
  let outside: string;

  before(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), 'agentos-files-')));
    root = join(base, 'root');
    outside = join(base, 'outside');
    mkdirSync(join(root, 'src'), { recursive: true });
    mkdirSync(join(root, '.git', 'hooks'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret.txt'), 'top secret\n');
    writeFileSync(join(root, 'lines.txt'), 'one\ntwo\nthree\nfour\nfive\n');
    writeFileSync(join(root, 'src', 'a.ts'), 'export const a = 1;\n');
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  const tools = () => createFileTools({ root, readOnly: false });

  it('reads a whole file and a view_range', async () => {
    const whole = await tools().run({ name: 'read', input: { file_path: 'lines.txt' } });
    assert.equal(whole.is_error, false);
    assert.equal(whole.content, 'one\ntwo\nthree\nfour\nfive\n');
    const range = await tools().run({ name: 'read', input: { file_path: 'lines.txt', view_range: [2, 3] } });
    assert.deepEqual(range, { content: 'two\nthree', is_error: false });
    const toEnd = await tools().run({
      name: 'read',
      input: { file_path: join(root, 'lines.txt'), view_range: [4, -1] },
    });
    assert.equal(toEnd.content, 'four\nfive\n');
  });

  it('writes a file, creating parent directories', async () => {
    const result = await tools().run({ name: 'write', input: { file_path: 'new/dir/b.txt', content: 'hello' } });
    assert.equal(result.is_error, false, result.content);
    assert.equal(readFileSync(join(root, 'new/dir/b.txt'), 'utf8'), 'hello');
  });

  it('edits a unique match, refuses an ambiguous one, replaces all when asked', async () => {
    writeFileSync(join(root, 'e.txt'), 'x = 1\ny = 1\nz = 2\n');
    const ambiguous = await tools().run({
      name: 'edit',
      input: { file_path: 'e.txt', old_string: '= 1', new_string: '= 9' },
    });
    assert.equal(ambiguous.is_error, true);
    assert.match(ambiguous.content, /appears 2 times/);
    assert.equal(readFileSync(join(root, 'e.txt'), 'utf8'), 'x = 1\ny = 1\nz = 2\n');

    const unique = await tools().run({
      name: 'edit',
      input: { file_path: 'e.txt', old_string: 'z = 2', new_string: 'z = 3' },
    });
    assert.equal(unique.is_error, false, unique.content);
    assert.equal(readFileSync(join(root, 'e.txt'), 'utf8'), 'x = 1\ny = 1\nz = 3\n');

    const all = await tools().run({
      name: 'edit',
      input: { file_path: 'e.txt', old_string: '= 1', new_string: '= 9', replace_all: true },
    });
    assert.equal(all.is_error, false, all.content);
    assert.equal(readFileSync(join(root, 'e.txt'), 'utf8'), 'x = 9\ny = 9\nz = 3\n');

    const missing = await tools().run({
      name: 'edit',
      input: { file_path: 'e.txt', old_string: 'nope', new_string: '' },
    });
    assert.equal(missing.is_error, true);
    assert.match(missing.content, /not found/);
  });

  it('globs newest first and skips .git', async () => {
    mkdirSync(join(root, 'g'));
    for (const [name, age] of [
      ['old.md', 300],
      ['mid.md', 200],
      ['new.md', 100],
    ] as const) {
      writeFileSync(join(root, 'g', name), name);
      const t = Date.now() / 1000 - age;
      utimesSync(join(root, 'g', name), t, t);
    }
    writeFileSync(join(root, '.git', 'x.md'), 'inside git');
    const result = await tools().run({ name: 'glob', input: { pattern: '**/*.md' } });
    assert.equal(result.is_error, false, result.content);
    const names = result.content.split('\n').map((p) => p.slice(p.lastIndexOf('/') + 1));
    assert.deepEqual(names, ['new.md', 'mid.md', 'old.md']);
    const scoped = await tools().run({ name: 'glob', input: { pattern: '*.ts', path: 'src' } });
    assert.equal(scoped.content, join(root, 'src', 'a.ts'));
  });

  it('greps matching lines with file and line number', async () => {
    const result = await tools().run({ name: 'grep', input: { pattern: 'three|five', path: 'lines.txt' } });
    assert.equal(result.is_error, false, result.content);
    assert.deepEqual(result.content.split('\n'), [
      `${join(root, 'lines.txt')}:3:three`,
      `${join(root, 'lines.txt')}:5:five`,
    ]);
    const none = await tools().run({ name: 'grep', input: { pattern: 'zzz-not-there' } });
    assert.equal(none.content, 'no matches');
  });

  it('answers bad input with a clear error naming the field', async () => {
    const noPath = await tools().run({ name: 'read', input: { path: 'lines.txt' } });
    assert.equal(noPath.is_error, true);
    assert.match(noPath.content, /file_path: required/);
    assert.match(noPath.content, /unknown field\(s\) "path"/);
    const badRange = await tools().run({ name: 'read', input: { file_path: 'lines.txt', view_range: [3] } });
    assert.equal(badRange.is_error, true);
    assert.match(badRange.content, /view_range/);
    const badType = await tools().run({ name: 'write', input: { file_path: 'x', content: 5 } });
    assert.match(badType.content, /content: .*expected string/);
    const notAnObject = await tools().run({ name: 'glob', input: 'src/*' });
    assert.equal(notAnObject.is_error, true);
  });

  it('refuses paths that escape the root', async () => {
    symlinkSync(outside, join(root, 'link-out'));
    symlinkSync(join(outside, 'secret.txt'), join(root, 'secret-link'));
    symlinkSync(join(outside, 'not-yet.txt'), join(root, 'dangling-out'));
    const cases: { name: string; input: Record<string, unknown> }[] = [
      { name: 'read', input: { file_path: '../outside/secret.txt' } },
      { name: 'read', input: { file_path: join(outside, 'secret.txt') } },
      { name: 'read', input: { file_path: 'link-out/secret.txt' } },
      { name: 'read', input: { file_path: 'secret-link' } },
      { name: 'write', input: { file_path: '../outside/w.txt', content: 'x' } },
      { name: 'write', input: { file_path: 'link-out/w.txt', content: 'x' } },
      { name: 'write', input: { file_path: 'dangling-out', content: 'x' } },
      { name: 'write', input: { file_path: '/etc/agentos-should-not-exist', content: 'x' } },
      { name: 'edit', input: { file_path: 'secret-link', old_string: 'top', new_string: 'bottom' } },
      { name: 'grep', input: { pattern: 'secret', path: 'link-out' } },
      { name: 'glob', input: { pattern: '*', path: '../outside' } },
      { name: 'glob', input: { pattern: '../outside/*' } },
    ];
    for (const call of cases) {
      const result = await tools().run(call);
      assert.equal(result.is_error, true, `${call.name} ${JSON.stringify(call.input)} → ${result.content}`);
      assert.doesNotMatch(result.content, /top secret/);
    }
    assert.equal(readFileSync(join(outside, 'secret.txt'), 'utf8'), 'top secret\n');
    assert.equal(existsSync(join(outside, 'w.txt')), false);
    assert.equal(existsSync(join(outside, 'not-yet.txt')), false);
    assert.equal(existsSync('/etc/agentos-should-not-exist'), false);
    // A glob over the whole root does not follow the link out either.
    const all = await tools().run({ name: 'grep', input: { pattern: 'top secret' } });
    assert.equal(all.content, 'no matches');
  });

  it('never writes git metadata, not even through a symlink', async () => {
    writeFileSync(join(root, '.git', 'hooks', 'pre-commit'), '#!/bin/sh\nexit 0\n');
    symlinkSync(join(root, '.git', 'hooks'), join(root, 'hooks-link'));
    symlinkSync(join(root, '.git'), join(root, 'git-link'));
    const cases: { name: string; input: Record<string, unknown> }[] = [
      { name: 'write', input: { file_path: '.git/hooks/pre-commit', content: '#!/bin/sh\ncurl evil\n' } },
      { name: 'write', input: { file_path: '.git/hooks/post-checkout', content: 'x' } },
      { name: 'write', input: { file_path: '.GIT/config', content: 'x' } },
      { name: 'write', input: { file_path: 'hooks-link/pre-commit', content: 'x' } },
      { name: 'write', input: { file_path: 'git-link/hooks/pre-push', content: 'x' } },
      { name: 'edit', input: { file_path: 'hooks-link/pre-commit', old_string: 'exit 0', new_string: 'exit 1' } },
      { name: 'write', input: { file_path: '.git', content: 'gitdir: /tmp/evil' } },
      { name: 'write', input: { file_path: 'sub/.git/config', content: 'x' } },
    ];
    for (const call of cases) {
      const result = await tools().run(call);
      assert.equal(result.is_error, true, `${call.name} ${JSON.stringify(call.input)} → ${result.content}`);
      assert.match(result.content, /git metadata/);
    }
    assert.equal(readFileSync(join(root, '.git', 'hooks', 'pre-commit'), 'utf8'), '#!/bin/sh\nexit 0\n');
    assert.equal(existsSync(join(root, '.git', 'hooks', 'post-checkout')), false);
    assert.equal(existsSync(join(root, '.git', 'hooks', 'pre-push')), false);
    // Reading git metadata is harmless and allowed.
    const read = await tools().run({ name: 'read', input: { file_path: '.git/hooks/pre-commit' } });
    assert.equal(read.is_error, false);
  });

  it('refuses write and edit in read-only mode but still reads', async () => {
    const ro = createFileTools({ root, readOnly: true });
    const write = await ro.run({ name: 'write', input: { file_path: 'ro.txt', content: 'x' } });
    assert.equal(write.is_error, true);
    assert.match(write.content, /read-only/);
    const edit = await ro.run({
      name: 'edit',
      input: { file_path: 'lines.txt', old_string: 'one', new_string: 'uno' },
    });
    assert.equal(edit.is_error, true);
    assert.equal(existsSync(join(root, 'ro.txt')), false);
    assert.match(readFileSync(join(root, 'lines.txt'), 'utf8'), /^one/);
    assert.equal(
      (await ro.run({ name: 'read', input: { file_path: 'lines.txt', view_range: [1, 1] } })).content,
      'one',
    );
  });

  it('maps a display root both ways', async () => {
    const mapped = createFileTools({ root, readOnly: false, displayRoot: '/workspaces/repo' });
    const read = await mapped.run({
      name: 'read',
      input: { file_path: '/workspaces/repo/lines.txt', view_range: [1, 1] },
    });
    assert.deepEqual(read, { content: 'one', is_error: false });
    const grep = await mapped.run({ name: 'grep', input: { pattern: 'export const a', path: '/workspaces/repo/src' } });
    assert.equal(grep.content, '/workspaces/repo/src/a.ts:1:export const a = 1;');
    const escape = await mapped.run({ name: 'read', input: { file_path: '/workspaces/repo/../outside/secret.txt' } });
    assert.equal(escape.is_error, true);
  });
});
