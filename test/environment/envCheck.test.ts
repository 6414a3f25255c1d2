// `agent-os env check` through the built CLI: the set-up and the test command only, a detected set-up
// confirmed by --accept-setup (refused without it and without a terminal), the cache used the second time,
// listed and cleared by `agent-os env cache`, and nothing left in the person's repository.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { ensureBuiltCli } from '../cli/cliWorld.ts';
import { cliEnv, startCli } from '../support/cliProcess.ts';
import { hostTrustEnv } from '../../src/node/environment/trustEnv.ts';
import { fixtureRepo, npmProjectFiles, registryUnavailable } from './fixtureRepos.ts';

test('env check: refused unconfirmed, then set-up and tests pass, then from the cache; env cache lists and clears', async (t) => {
  const why = await registryUnavailable();
  if (why) return t.skip(why);
  ensureBuiltCli();
  const repo = fixtureRepo(await npmProjectFiles());
  const store = join(repo.root, 'store');
  // The person's shell: its CA bundle settings included (a proxy that re-signs TLS needs them).
  const env = cliEnv(hostTrustEnv());
  const cli = (...args: string[]) =>
    startCli([...args, '--repo', repo.repo, '--store', store, '--sandbox', 'worktree'], env).done;
  try {
    const refused = await cli('env', 'check');
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stdout, /set-up: npm ci --no-audit --no-fund/);
    assert.match(
      refused.stdout,
      /not ok: the set-up was not confirmed \(Agent OS detected how to set up this repository\)/,
    );

    const first = await cli('env', 'check', '--accept-setup');
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.match(first.stdout, /\| added \d+ packages?/, 'the set-up output streams');
    assert.match(first.stdout, /set-up: ready in [\d.]+ s \(node_modules\)/);
    assert.match(first.stdout, /test: npm test \(a clean room at [0-9a-f]{12}, no network\)/);
    assert.match(first.stdout, /\| +Passed: +1/);
    assert.match(first.stdout, /ok: set-up and tests passed/);

    // Confirmed once, remembered: no flag needed any more, and the cache serves it.
    const second = await cli('env', 'check');
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.match(second.stdout, /set-up: ready from the cache/);

    const list = await cli('env', 'cache');
    assert.match(list.stdout, /^[0-9a-f]{32} {2}node_modules {2}\d+\.\d MB {2}tests: npm test$/m);
    const cleared = await cli('env', 'cache', '--clear');
    assert.match(cleared.stdout, /removed 1 cached environment/);
    assert.equal(
      execFileSync('git', ['branch', '--list', 'agent-os/*'], { cwd: repo.repo, encoding: 'utf8' }).trim(),
      '',
      'no branch left behind',
    );
    assert.equal(
      execFileSync('git', ['worktree', 'list', '--porcelain'], { cwd: repo.repo, encoding: 'utf8' }).match(
        /^worktree /gm,
      )?.length,
      1,
      'no worktree left behind',
    );
  } finally {
    repo.cleanup();
  }
});

test('env with a bad action is one readable line', async () => {
  ensureBuiltCli();
  const repo = fixtureRepo({ 'README.md': '# x\n' });
  try {
    const r = await startCli(['env', 'nope', '--repo', repo.repo], cliEnv({})).done;
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^agent-os: unknown env action 'nope'/);
  } finally {
    repo.cleanup();
  }
});
