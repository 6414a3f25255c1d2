// SIGKILL aimed at the approval: each session runs undisturbed to the Reviewer's APPROVE, then
// `agent-os resume <id> --approve` (commit, push, pull request, the Coordinator's last turn) is killed at
// random points and resumed until it finishes. The pull request is opened exactly once and the branch holds
// what an uninterrupted run's does (the sample with the solution; test/crash/pipelineCrash.test.ts shows
// the uninterrupted run leaves exactly that).
// AGENT_OS_APPROVAL_CRASH_KILLS (default 12) sets the kills; AGENT_OS_CRASH_SEED repeats a run.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  branchFiles,
  checkFinished,
  expectedBranchFiles,
  prHeadOf,
  runKilledSessions,
  startCrashWorld,
  type CrashWorld,
} from './pipelineCrashSession.ts';

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
  const expected = expectedBranchFiles();
  const killed = await runKilledSessions(world, {
    totalKills: APPROVAL_KILLS,
    killsPerSession: KILLS_PER_SESSION,
    seed,
    plan: { windowMs: WINDOW_MS, approvalOnly: true },
    check: async (lane, run) => {
      await checkFinished(world, lane, run);
      assert.deepEqual(branchFiles(lane, prHeadOf(run)), expected, "the branch differs from the uninterrupted run's");
    },
  });
  assert.ok(killed >= APPROVAL_KILLS);
});
