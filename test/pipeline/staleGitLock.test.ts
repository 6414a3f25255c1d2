// A process killed in the middle of a git command (the approval's `git commit`, a snapshot's or clean
// room's checkout) leaves git's lock files; the session holds its writer lock, so they are stale: approving
// or waking the session must not stop at them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { startDemoWorld } from '../support/demoWorld.ts';
import { createLocalRuntime } from '../../src/node/runtime/localRuntime.ts';
import {
  approveOnceScript,
  coderTurns,
  coordinatorToReview,
  expecting,
  plannerTurns,
  planText,
  README_FEEDBACK,
  reviewerApproveTurns,
  runToFirstVerdict,
  send,
  text,
  tool,
  turn,
  verdictsOf,
} from './scriptParts.ts';

test('stale git locks left by a killed commit (index.lock, the branch ref lock) do not block the approval', async () => {
  const world = await startDemoWorld(approveOnceScript());
  try {
    const { rt } = world;
    const { meta, verdict } = await runToFirstVerdict(world);
    const { worktree } = await rt.runtime.changes(meta.id);
    const gitDir = resolve(
      worktree,
      execFileSync('git', ['rev-parse', '--git-dir'], { cwd: worktree, encoding: 'utf8' }).trim(),
    );
    const commonDir = resolve(
      worktree,
      execFileSync('git', ['rev-parse', '--git-common-dir'], { cwd: worktree, encoding: 'utf8' }).trim(),
    );
    writeFileSync(join(gitDir, 'index.lock'), '');
    // A kill while `git commit` moves the branch leaves its ref lock too.
    const branch = execFileSync('git', ['symbolic-ref', 'HEAD'], { cwd: worktree, encoding: 'utf8' }).trim();
    writeFileSync(join(commonDir, `${branch}.lock`), '');

    await rt.runtime.approve(meta.id, verdict.id);
    const state = foldSession(meta.id, await rt.store.read(meta.id));
    assert.equal(state.stopReason?.type, 'end_turn');
    assert.equal(world.github.pullRequests().length, 1);
    assert.equal(existsSync(join(gitDir, 'index.lock')), false);
    assert.equal(
      execFileSync('git', ['status', '--porcelain'], { cwd: worktree, encoding: 'utf8' }),
      '',
      'the work was committed',
    );
  } finally {
    await world.close();
  }
});

test('on wake, stale git locks of the session repository (a killed checkout or commit) are cleared', async () => {
  const FEEDBACK = README_FEEDBACK;
  const world = await startDemoWorld({
    agents: {
      Coordinator: [
        ...coordinatorToReview(),
        expecting('requested changes', send('Coder', `The person asked: ${FEEDBACK}`)),
        turn(send('Planner', 'Anything in the plan to update?')),
        turn(send('Reviewer', 'Review again.')),
        expecting('approved', text('Done.')),
      ],
      Planner: [...plannerTurns(), turn(text(planText()))],
      Coder: [
        ...coderTurns(),
        turn(tool('write', { file_path: 'NOTES.md', content: 'compound durations\n' })),
        turn(text('Done.')),
      ],
      Reviewer: [...reviewerApproveTurns(), ...reviewerApproveTurns()],
    },
  });
  try {
    const { rt, sample } = world;
    const { meta, verdict: first } = await runToFirstVerdict(world);
    const { worktree } = await rt.runtime.changes(meta.id);
    // A kill during one of the session's git commands (a checkout, a commit) leaves its locks behind.
    writeFileSync(join(worktree, '.git', 'index.lock'), '');
    writeFileSync(join(worktree, '.git', 'HEAD.lock'), '');

    // A new process wakes the session (the one that left the locks is gone).
    const again = createLocalRuntime({
      storeDir: rt.storeDir,
      model: { apiKey: 'test-key', baseURL: rt.server.url, maxRetries: 2, retryBaseDelayMs: 5, retryMaxDelayMs: 20 },
      github: { apiUrl: world.github.baseUrl, token: 't', localRemotes: sample.localRemotes },
    });
    try {
      await again.runtime.requestChanges(meta.id, first.id, FEEDBACK);
      const events = await again.store.read(meta.id);
      assert.deepEqual(
        events.filter((e) => e.type === 'session.error').map((e) => e.type === 'session.error' && e.error.message),
        [],
      );
      const second = verdictsOf(events)[1];
      assert.ok(second, 'the Reviewer reviewed again');
      await again.runtime.approve(meta.id, second.id);
      assert.equal(foldSession(meta.id, await again.store.read(meta.id)).stopReason?.type, 'end_turn');
      assert.equal(world.github.pullRequests().length, 1);
    } finally {
      await again.runtime.dispose();
    }
  } finally {
    await world.close();
  }
});
