// Ref locks left by a killed git (staleRefLocks.ts): removed when nobody can hold them, kept while someone
// works in the repository unless they have stood far longer than git ever holds one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clearStaleRefLocks } from '../../src/node/git/staleRefLocks.ts';
import { makeTestRepo } from './gitTestRepo.ts';

const hasProc = existsSync('/proc/self/cwd');

test('only the named lock goes, and only when nobody works in the repository or it is old', async (t) => {
  const repo = makeTestRepo();
  t.after(repo.cleanup);
  const gitDir = join(repo.work, '.git');
  const ours = join(gitDir, 'refs/heads/agent-os-s1.lock');
  const theirs = join(gitDir, 'packed-refs.lock');
  writeFileSync(ours, '');
  writeFileSync(theirs, '');

  // Someone works in the repository (the person's git, a git that outlived its run): a fresh lock stays.
  const worker = spawn('sleep', ['30'], { cwd: repo.work, stdio: 'ignore' });
  t.after(() => worker.kill('SIGKILL'));
  await new Promise((resolve) => worker.once('spawn', resolve));
  const options = { gitDir, workDir: repo.work, locks: ['refs/heads/agent-os-s1.lock'] };
  assert.deepEqual(await clearStaleRefLocks(options), []);
  assert.ok(existsSync(ours));
  // Untouched for longer than git ever holds a ref lock: stale although someone works there.
  const old = new Date(Date.now() - 120_000);
  utimesSync(ours, old, old);
  assert.deepEqual(await clearStaleRefLocks(options), ['refs/heads/agent-os-s1.lock']);
  assert.ok(!existsSync(ours));

  // Nobody works there any more: a fresh lock goes too (where /proc tells), a lock not named never.
  worker.kill('SIGKILL');
  await new Promise((resolve) => worker.once('close', resolve));
  writeFileSync(ours, '');
  assert.deepEqual(await clearStaleRefLocks(options), hasProc ? ['refs/heads/agent-os-s1.lock'] : []);
  assert.ok(existsSync(theirs), "a lock not named is the person's");
});

test('every ref lock of a repository nobody works in is found, nested ones too', async (t) => {
  const repo = makeTestRepo();
  t.after(repo.cleanup);
  if (!hasProc) return t.skip('no /proc: only old locks are taken for stale');
  const gitDir = repo.bare;
  writeFileSync(join(gitDir, 'HEAD.lock'), '');
  writeFileSync(join(gitDir, 'refs/heads/main.lock'), '');
  const removed = await clearStaleRefLocks({ gitDir, workDir: gitDir });
  assert.deepEqual(removed.sort(), ['HEAD.lock', 'refs/heads/main.lock']);
  assert.deepEqual(await clearStaleRefLocks({ gitDir, workDir: gitDir }), []);
});
