import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readIssueFile, resolveIssueInput } from '../../src/node/github/issueInput.ts';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-os-issue-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('--issue text: a ref, else an existing issue file, else INVALID_ARGUMENT', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'task.md'), '# Add a --verbose flag\n\nPrint each step.\n');
  assert.deepEqual(resolveIssueInput('octo/r#5', dir), { kind: 'ref', ref: { owner: 'octo', repo: 'r', number: 5 } });
  const file = resolveIssueInput('task.md', dir);
  assert.equal(file.kind, 'file');
  assert.equal(file.kind === 'file' && file.issue.title, 'Add a --verbose flag');
  assert.throws(() => resolveIssueInput('missing.md', dir), {
    code: 'INVALID_ARGUMENT',
    message: /not an issue: 'missing\.md'/,
  });
  assert.throws(() => resolveIssueInput(dir, dir), { code: 'INVALID_ARGUMENT' });
});

test('Markdown issue files: heading title, or front matter', (t) => {
  const dir = tempDir(t);
  const plain = join(dir, 'plain.md');
  writeFileSync(plain, 'Intro line\n# The title\n\nThe body.\n');
  assert.deepEqual(readIssueFile(plain), {
    ref: { owner: 'local', repo: 'plain', number: 0 },
    title: 'The title',
    body: 'Intro line\n\n\nThe body.',
    url: pathToFileURL(plain).href,
    state: 'open',
    labels: [],
  });
  const front = join(dir, 'front.md');
  writeFileSync(
    front,
    '---\ntitle: From front matter\nnumber: 12\nrepository: octo/hello\nlabels: [bug]\n---\n# Not the title\nText\n',
  );
  const issue = readIssueFile(front);
  assert.equal(issue.title, 'From front matter');
  assert.deepEqual(issue.ref, { owner: 'octo', repo: 'hello', number: 12 });
  assert.deepEqual(issue.labels, ['bug']);
  assert.equal(issue.body, '# Not the title\nText');
});

test("JSON issue files, including GitHub's own shapes", (t) => {
  const dir = tempDir(t);
  const api = join(dir, 'api.json');
  writeFileSync(
    api,
    JSON.stringify({
      number: 7,
      title: 'From the API',
      body: 'b',
      state: 'open',
      html_url: 'https://github.com/octo/hello/issues/7',
      url: 'https://api.github.com/repos/octo/hello/issues/7',
      labels: [{ name: 'enhancement' }],
    }),
  );
  const issue = readIssueFile(api);
  assert.deepEqual(issue.ref, { owner: 'octo', repo: 'hello', number: 7 });
  assert.equal(issue.url, 'https://github.com/octo/hello/issues/7');
  assert.deepEqual(issue.labels, ['enhancement']);
  const gh = join(dir, 'gh.json');
  writeFileSync(
    gh,
    JSON.stringify({ title: 'gh view', body: '', state: 'CLOSED', url: 'https://github.com/o/r/issues/3', labels: [] }),
  );
  assert.equal(readIssueFile(gh).state, 'closed');
  assert.equal(readIssueFile(gh).ref.number, 3);
});

test('a bad issue file is a clear error naming the file', (t) => {
  const dir = tempDir(t);
  const cases: [string, string, RegExp][] = [
    ['notitle.md', 'just text\n', /no title/],
    ['bad.json', '{ nope', /not valid JSON/],
    ['array.json', '[1]', /expected a JSON object/],
    ['yaml.md', '---\ntitle: [unclosed\n---\nbody\n', /front matter is not valid YAML/],
    ['num.json', '{"title":"t","number":"x"}', /'number' must be a whole number/],
  ];
  for (const [name, text, expected] of cases) {
    const path = join(dir, name);
    writeFileSync(path, text);
    assert.throws(
      () => readIssueFile(path),
      (e: unknown) => {
        assert.equal((e as { code?: string }).code, 'INVALID_ARGUMENT');
        assert.ok((e as Error).message.startsWith(`issue file ${path}: `), (e as Error).message);
        assert.match((e as Error).message, expected);
        return true;
      },
    );
  }
  assert.throws(() => readIssueFile(join(dir, 'absent.md')), /cannot read it \(ENOENT\)/);
});
