import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatIssueRef,
  InvalidIssueRefError,
  parseIssueRef,
  tryParseIssueRef,
} from '../../src/core/github/githubPorts.ts';

test('issue refs: GitHub URLs, Enterprise URLs and owner/repo#n', () => {
  assert.deepEqual(parseIssueRef('https://github.com/octo/hello-world/issues/12'), {
    owner: 'octo',
    repo: 'hello-world',
    number: 12,
    host: 'github.com',
  });
  assert.deepEqual(parseIssueRef('https://ghe.example.com/team-a/svc.api/issues/7/'), {
    owner: 'team-a',
    repo: 'svc.api',
    number: 7,
    host: 'ghe.example.com',
  });
  assert.deepEqual(parseIssueRef('http://127.0.0.1:8123/o/r/issues/3#issuecomment-1'), {
    owner: 'o',
    repo: 'r',
    number: 3,
    host: '127.0.0.1:8123',
  });
  assert.deepEqual(parseIssueRef('  octo/my_repo#42 '), { owner: 'octo', repo: 'my_repo', number: 42 });
  assert.equal(formatIssueRef(parseIssueRef('https://github.com/o/r/issues/9?x=1')), 'o/r#9');
});

test('issue refs: anything else is an INVALID_ARGUMENT naming the input', () => {
  for (const bad of [
    '',
    'octo/repo',
    'octo/repo#',
    'octo/repo#0',
    'octo/repo#-1',
    'octo/repo#1.5',
    '#12',
    'https://github.com/octo/repo/pull/12',
    'https://github.com/octo/repo/issues/abc',
    'https://github.com/octo/issues/12',
    'ftp://github.com/octo/repo/issues/12',
    'github.com/octo/repo/issues/12',
    'a/b/c#1',
    './issue.md',
  ]) {
    assert.equal(tryParseIssueRef(bad), undefined, bad);
    assert.throws(
      () => parseIssueRef(bad),
      (e: unknown) =>
        e instanceof InvalidIssueRefError && e.code === 'INVALID_ARGUMENT' && e.message.includes(`'${bad}'`),
      bad,
    );
  }
});
