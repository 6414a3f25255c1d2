// SIGKILL aimed at the approval: each session runs undisturbed to the Reviewer's APPROVE, then
// `agent-os resume <id> --approve` (commit, push, pull request, the Coordinator's last turn) is killed at
// random points and resumed until it finishes. The pull request is opened exactly once and the branch holds
// what an uninterrupted run's does (the sample with the solution; test/crash/pipelineCrash.test.ts shows
// the uninterrupted run leaves exactly that).
// AGENT_OS_APPROVAL_CRASH_KILLS (default 12) sets the kills; AGENT_OS_CRASH_SEED repeats a run.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { branchFiles, checkFinished, expectedBranchFiles, prHeadOf, runSession, seeded, startCrashWorld, type CrashWorld } from './pipelineCrashSession.ts';

const APPROVAL_KILLS = Number(process.env.AGENT_OS_APPROVAL_CRASH_KILLS ?? 12);
const KILLS_PER_SESSION = 6;
const LANES = 2;
/** From the start of `resume --approve`: its commit, push and pull request come a few hundred ms in. */
const WINDOW_MS: [number, number] = [150, 900];

let world: CrashWorld;
before(async () => {
  world = await startCrashWorld(LANES);
});
after(async () => {
  await world?.close();
});

test(`SIGKILL during the approval (${APPROVAL_KILLS} kills): commit, push and pull request happen once; resume --approve finishes`, async () => {
  const seed = Number(process.env.AGENT_OS_CRASH_SEED ?? Date.now() % 100000);
  const random = seeded(seed);
  const expected = expectedBranchFiles();
  let planned = 0;
  const killed = await Promise.all(
    world.lanes.map(async (lane) => {
      let kills = 0;
      for (let i = 0; ; i++) {
        const quota = Math.min(KILLS_PER_SESSION, APPROVAL_KILLS - planned);
        if (quota <= 0) return kills;
        planned += quota;
        const run = await runSession(world, lane, join(world.root, `lane${lane.index}-s${i}`), { maxKills: quota, random, windowMs: WINDOW_MS, approvalOnly: true });
        kills += run.kills;
        planned -= quota - run.kills;
        try {
          await checkFinished(world, lane, run);
          assert.deepEqual(branchFiles(lane, prHeadOf(run)), expected, 'the branch differs from the uninterrupted run\'s');
        } catch (error) {
          throw new Error(`seed ${seed}, lane ${lane.index}, session ${i} (${run.sessionId}): ${(error as Error).message}\n${run.log.join('\n')}`, { cause: error });
        }
      }
    }),
  );
  assert.ok(killed.reduce((a, b) => a + b, 0) >= APPROVAL_KILLS);
});
