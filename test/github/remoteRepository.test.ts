import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { findRemoteRepository, parseRemoteUrl } from '../../src/node/github/remoteRepository.ts';
import { git, makeTestRepo } from '../git/gitTestRepo.ts';

test('remote URLs: https, ssh, scp-like, git://, Enterprise', () => {
  const cases: [string, { host: string; owner: string; repo: string }][] = [
    ['https://github.com/octo/hello.git', { host: 'github.com', owner: 'octo', repo: 'hello' }],
    ['https://x-access-token:abc@github.com/octo/hello', { host: 'github.com', owner: 'octo', repo: 'hello' }],
    ['git@github.com:octo/hello.git', { host: 'github.com', owner: 'octo', repo: 'hello' }],
    ['ssh://git@ghe.example.com:2222/team/svc.git', { host: 'ghe.example.com', owner: 'team', repo: 'svc' }],
    ['git://ghe.example.com/team/svc.js.git/', { host: 'ghe.example.com', owner: 'team', repo: 'svc.js' }],
    ['https://ghe.example.com/scm/team/svc', { host: 'ghe.example.com', owner: 'team', repo: 'svc' }],
  ];
  for (const [url, expected] of cases) assert.deepEqual(parseRemoteUrl(url), expected, url);
  for (const bad of ['/srv/git/repo.git', 'file:///srv/git/repo.git', 'https://github.com/octo', 'not a url', 'C:/x/y'])
    assert.equal(parseRemoteUrl(bad), undefined, bad);
});

test('the repository of a worktree comes from its origin remote; a local remote needs a mapping', async (t) => {
  const repo = makeTestRepo();
  t.after(repo.cleanup);
  await assert.rejects(findRemoteRepository(repo.work), (e: unknown) => {
    assert.equal((e as { code?: string }).code, 'INVALID_ARGUMENT');
    assert.match((e as Error).message, /remote 'origin' .* is a local path/);
    return true;
  });
  const mapped = await findRemoteRepository(repo.work, {
    localRemotes: { [repo.bare]: { owner: 'demo', repo: 'sample' } },
  });
  assert.deepEqual(mapped, { owner: 'demo', repo: 'sample', url: repo.bare });

  git(repo.work, 'remote', 'add', 'upstream', 'git@github.com:octo/hello.git');
  assert.deepEqual(await findRemoteRepository(repo.work, { remote: 'upstream' }), {
    host: 'github.com',
    owner: 'octo',
    repo: 'hello',
    url: 'git@github.com:octo/hello.git',
  });
  await assert.rejects(findRemoteRepository(repo.work, { remote: 'nope' }), /has no git remote 'nope'/);
  git(repo.work, 'remote', 'add', 'tokened', 'https://x-access-token:s3cret@github.com/octo/hello.git');
  assert.deepEqual(await findRemoteRepository(repo.work, { remote: 'tokened' }), {
    host: 'github.com',
    owner: 'octo',
    repo: 'hello',
    url: 'https://***@github.com/octo/hello.git',
  });
  git(repo.work, 'remote', 'add', 'weird', join(repo.root, 'x'));
  git(repo.work, 'remote', 'set-url', 'weird', 'https://example.com/only');
  await assert.rejects(findRemoteRepository(repo.work, { remote: 'weird' }), /is not a GitHub repository URL/);
});
