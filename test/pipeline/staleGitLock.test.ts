// A process killed in the middle of `git add` or `git commit` (the approval's commit) leaves the
// worktree's `index.lock`. The session holds its writer lock and no harness runs while it approves, so the
// lock is stale: approving (or resuming) again must not stop at it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { startDemoWorld } from '../support/demoWorld.ts';
import { coderTurns, coordinatorToReview, expecting, plannerTurns, reviewerApproveTurns, text, verdictsOf } from './scriptParts.ts';

test('stale git locks left by a killed commit (index.lock, the branch ref lock) do not block the approval', async () => {
  const world = await startDemoWorld({
    agents: {
      Coordinator: [...coordinatorToReview(), expecting('approved', text('Done.'))],
      Planner: plannerTurns(),
      Coder: coderTurns(),
      Reviewer: reviewerApproveTurns(),
    },
  });
  try {
    const { rt, sample } = world;
    const meta = await rt.runtime.start({ issue: world.issueRef, repository: sample.workdir });
    assert.equal((await rt.runtime.settled(meta.id))?.type, 'requires_action');
    const verdict = verdictsOf(await rt.store.read(meta.id))[0]!;
    const { worktree } = await rt.runtime.changes(meta.id);
    const gitDir = resolve(worktree, execFileSync('git', ['rev-parse', '--git-dir'], { cwd: worktree, encoding: 'utf8' }).trim());
    const commonDir = resolve(worktree, execFileSync('git', ['rev-parse', '--git-common-dir'], { cwd: worktree, encoding: 'utf8' }).trim());
    writeFileSync(join(gitDir, 'index.lock'), '');
    // A kill while `git commit` moves the branch leaves its ref lock too.
    const branch = execFileSync('git', ['symbolic-ref', 'HEAD'], { cwd: worktree, encoding: 'utf8' }).trim();
    writeFileSync(join(commonDir, `${branch}.lock`), '');

    await rt.runtime.approve(meta.id, verdict.id);
    const state = foldSession(meta.id, await rt.store.read(meta.id));
    assert.equal(state.stopReason?.type, 'end_turn');
    assert.equal(world.github.pullRequests().length, 1);
    assert.equal(existsSync(join(gitDir, 'index.lock')), false);
    assert.equal(execFileSync('git', ['status', '--porcelain'], { cwd: worktree, encoding: 'utf8' }), '', 'the work was committed');
  } finally {
    await world.close();
  }
});
