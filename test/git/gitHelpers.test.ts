import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { commitAll } from '../../src/node/git/commitAll.ts';
import { baseCommit, configuredIdentity, headCommit, resolveCommit } from '../../src/node/git/commits.ts';
import { pushBranch } from '../../src/node/git/pushBranch.ts';
import { diffCommits, diffWorktree } from '../../src/node/git/worktreeDiff.ts';
import { GitFailedError } from '../../src/node/git/gitClient.ts';
import { git, makeTestRepo, rejectPushes, writeFiles } from './gitTestRepo.ts';

const longText = Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n') + '\n';

test('diff of the worktree covers modified, new, deleted and renamed files and leaves the index alone', async (t) => {
  const repo = makeTestRepo({ 'a.txt': 'one\n', 'gone.txt': 'bye\n', 'old.txt': longText });
  t.after(repo.cleanup);
  const base = await headCommit(repo.work);
  writeFiles(repo.work, { 'a.txt': 'one\ntwo\n', 'src/new.js': 'export {};\n' });
  rmSync(join(repo.work, 'gone.txt'));
  renameSync(join(repo.work, 'old.txt'), join(repo.work, 'moved.txt'));
  const diff = await diffWorktree(repo.work, base);
  assert.equal(diff.base, base);
  const byPath = Object.fromEntries(diff.files.map((f) => [f.path, f]));
  assert.equal(byPath['a.txt']?.status, 'M');
  assert.equal(byPath['a.txt']?.additions, 1);
  assert.equal(byPath['a.txt']?.deletions, 0);
  assert.equal(byPath['src/new.js']?.status, 'A');
  assert.equal(byPath['gone.txt']?.status, 'D');
  assert.equal(byPath['moved.txt']?.status, 'R');
  assert.equal(byPath['moved.txt']?.oldPath, 'old.txt');
  assert.equal(diff.files.length, 4);
  assert.match(diff.patch, /^diff --git a\/a\.txt b\/a\.txt$/m);
  assert.match(diff.patch, /^\+export \{\};$/m);
  assert.match(diff.sha256, /^[0-9a-f]{64}$/);
  // The real index was not touched: the new file is still untracked.
  assert.match(git(repo.work, 'status', '--porcelain'), /^\?\? src\/$/m);
});

test('the diff hash is stable, changes with the content, and equals the hash of the committed change', async (t) => {
  const repo = makeTestRepo();
  t.after(repo.cleanup);
  const base = await headCommit(repo.work);
  writeFiles(repo.work, { 'README.md': '# test\nmore\n', 'notes.md': 'n\n' });
  const first = await diffWorktree(repo.work, base);
  const again = await diffWorktree(repo.work, base);
  assert.equal(again.sha256, first.sha256);
  assert.equal(again.tree, first.tree);

  writeFileSync(join(repo.work, 'notes.md'), 'n2\n');
  const changed = await diffWorktree(repo.work, base);
  assert.notEqual(changed.sha256, first.sha256);

  const result = await commitAll(repo.work, { message: 'Fix the thing' });
  assert.equal(result.committed, true);
  const committed = await diffCommits(repo.work, base, result.commit);
  assert.equal(committed.sha256, changed.sha256);
  assert.equal(committed.tree, changed.tree);
  // After the commit the worktree equals HEAD: the worktree diff is still the same change.
  assert.equal((await diffWorktree(repo.work, base)).sha256, changed.sha256);
  assert.equal((await diffWorktree(repo.work, result.commit)).files.length, 0);
});

test("the diff hash does not depend on the person's diff settings", async (t) => {
  const repo = makeTestRepo({ 'a.txt': longText });
  t.after(repo.cleanup);
  const base = await headCommit(repo.work);
  writeFiles(repo.work, { 'a.txt': longText.replace('line 5\n', 'line five\n').replace('line 30\n', '') });
  const plain = await diffWorktree(repo.work, base);
  git(repo.work, 'config', 'diff.noprefix', 'true');
  git(repo.work, 'config', 'diff.context', '9');
  git(repo.work, 'config', 'diff.algorithm', 'patience');
  git(repo.work, 'config', 'core.abbrev', '12');
  const configured = await diffWorktree(repo.work, base);
  assert.equal(configured.sha256, plain.sha256);
});

test('commitAll commits everything under our identity when the repository names nobody', async (t) => {
  const repo = makeTestRepo();
  t.after(repo.cleanup);
  // Hide any global identity of the machine running the test.
  const home = join(repo.root, 'home');
  const saved = { HOME: process.env.HOME, XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME };
  process.env.HOME = home;
  process.env.XDG_CONFIG_HOME = join(home, '.config');
  t.after(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  assert.equal(await configuredIdentity(repo.work), undefined);

  const before = await headCommit(repo.work);
  writeFiles(repo.work, { 'x.txt': 'x\n' });
  const result = await commitAll(repo.work, { message: 'Add x\n\nCloses #1' });
  assert.equal(result.committed, true);
  assert.notEqual(result.commit, before);
  assert.equal(await headCommit(repo.work), result.commit);
  const log = git(repo.work, 'log', '-1', '--format=%an <%ae>|%cn <%ce>|%B');
  assert.equal(log.trim(), 'Agent OS <agent-os@localhost>|Agent OS <agent-os@localhost>|Add x\n\nCloses #1');
  assert.equal(git(repo.work, 'status', '--porcelain'), '');

  const nothing = await commitAll(repo.work, { message: 'again' });
  assert.deepEqual(nothing, { commit: result.commit, committed: false });

  git(repo.work, 'config', 'user.name', 'Repo Person');
  git(repo.work, 'config', 'user.email', 'person@localhost');
  writeFiles(repo.work, { 'y.txt': 'y\n' });
  await commitAll(repo.work, { message: 'Add y', author: { name: 'Issue Author', email: 'author@localhost' } });
  assert.equal(
    git(repo.work, 'log', '-1', '--format=%an <%ae>|%cn <%ce>').trim(),
    'Issue Author <author@localhost>|Repo Person <person@localhost>',
  );
});

test("commitAll does not run the worktree's commit hooks", async (t) => {
  const repo = makeTestRepo();
  t.after(repo.cleanup);
  writeFiles(repo.work, { 'hooks/pre-commit': '#!/bin/sh\ntouch "$(pwd)/hook-ran"\nexit 1\n' });
  git(repo.work, 'config', 'core.hooksPath', 'hooks');
  git(repo.work, 'update-index', '--chmod=+x', '--add', 'hooks/pre-commit');
  const { chmodSync } = await import('node:fs');
  chmodSync(join(repo.work, 'hooks/pre-commit'), 0o755);
  const result = await commitAll(repo.work, { message: 'with hook' });
  assert.equal(result.committed, true);
  assert.equal(existsSync(join(repo.work, 'hook-ran')), false);
});

test('base and head commits', async (t) => {
  const repo = makeTestRepo();
  t.after(repo.cleanup);
  const main = await resolveCommit(repo.work, 'main');
  git(repo.work, 'checkout', '-qb', 'agent-os/issue-1');
  writeFiles(repo.work, { 'f.txt': 'f\n' });
  const { commit } = await commitAll(repo.work, { message: 'f' });
  assert.equal(await headCommit(repo.work), commit);
  assert.equal(await baseCommit(repo.work, 'main'), main);
  await assert.rejects(resolveCommit(repo.work, 'no-such-branch'), (e: unknown) => {
    assert.ok(e instanceof GitFailedError);
    assert.equal(e.code, 'GIT_FAILED');
    return true;
  });
});

test('pushBranch publishes the branch to the remote', async (t) => {
  const repo = makeTestRepo();
  t.after(repo.cleanup);
  git(repo.work, 'checkout', '-qb', 'agent-os/issue-2');
  writeFiles(repo.work, { 'g.txt': 'g\n' });
  const { commit } = await commitAll(repo.work, { message: 'g' });
  const pushed = await pushBranch(repo.work, 'origin', 'agent-os/issue-2');
  assert.deepEqual(pushed, { remote: 'origin', branch: 'agent-os/issue-2', commit });
  assert.equal(git(repo.bare, 'rev-parse', 'refs/heads/agent-os/issue-2').trim(), commit);
  // Pushing again is harmless.
  await pushBranch(repo.work, 'origin', 'agent-os/issue-2');
});

test('a push the remote refuses is one clear GIT_FAILED line', async (t) => {
  const repo = makeTestRepo();
  t.after(repo.cleanup);
  rejectPushes(repo.bare, 'branch creation is not allowed here');
  git(repo.work, 'checkout', '-qb', 'agent-os/issue-3');
  writeFiles(repo.work, { 'h.txt': 'h\n' });
  await commitAll(repo.work, { message: 'h' });
  await assert.rejects(pushBranch(repo.work, 'origin', 'agent-os/issue-3'), (e: unknown) => {
    assert.ok(e instanceof GitFailedError);
    assert.equal(e.code, 'GIT_FAILED');
    assert.doesNotMatch(e.message, /\n/);
    assert.match(
      e.message,
      /^git push origin agent-os\/issue-3 failed: .*rejected.*pre-receive hook declined.*branch creation is not allowed here$/,
    );
    return true;
  });
  assert.throws(() => git(repo.bare, 'rev-parse', '--verify', '--quiet', 'refs/heads/agent-os/issue-3'));
});

test('a push to a remote that does not exist is one clear GIT_FAILED line', async (t) => {
  const repo = makeTestRepo();
  t.after(repo.cleanup);
  const missing = join(repo.root, 'nowhere.git');
  await assert.rejects(pushBranch(repo.work, missing, 'main'), (e: unknown) => {
    assert.ok(e instanceof GitFailedError);
    assert.doesNotMatch(e.message, /\n/);
    assert.match(e.message, /failed: fatal: .*nowhere\.git/);
    return true;
  });
  await assert.rejects(
    pushBranch(repo.work, 'origin', 'no-such-branch'),
    /failed: there is no local branch 'no-such-branch'$/,
  );
});

test('a push to a URL with a token never shows the token', async (t) => {
  const repo = makeTestRepo();
  t.after(repo.cleanup);
  await assert.rejects(
    pushBranch(repo.work, 'https://x-access-token:s3cret@127.0.0.1:9/o/r.git', 'main'),
    (e: unknown) => {
      assert.ok(e instanceof GitFailedError);
      assert.doesNotMatch(e.message, /s3cret/);
      assert.match(e.message, /^git push https:\/\/\*\*\*@127\.0\.0\.1:9\/o\/r\.git main failed: /);
      return true;
    },
  );
});

test('a push with a token sends it to an https remote as a header, not in the URL or the arguments', async (t) => {
  const repo = makeTestRepo();
  t.after(repo.cleanup);
  const seen: { url: string; authorization: string | undefined }[] = [];
  // A real HTTP server in git's way: it records what git sends and refuses, like a remote that is down.
  const server = createServer((request, response) => {
    seen.push({ url: request.url ?? '', authorization: request.headers.authorization });
    response.writeHead(503, { 'content-type': 'text/plain' }).end('unavailable\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/octo/sample.git`;
  await assert.rejects(pushBranch(repo.work, url, 'main', { token: 'ghs_t0ken' }), (e: unknown) => {
    assert.ok(e instanceof GitFailedError);
    assert.doesNotMatch(e.message, /\n|t0ken/);
    assert.match(e.message, /failed: fatal: unable to access .*503/);
    return true;
  });
  assert.ok(seen.length > 0);
  assert.match(seen[0]?.url ?? '', /^\/octo\/sample\.git\/info\/refs\?service=git-receive-pack$/);
  assert.equal(seen[0]?.authorization, `Basic ${Buffer.from('x-access-token:ghs_t0ken').toString('base64')}`);
});
