// The whole pipeline survives SIGKILL at any moment: `agent-os run --issue … --approve`, then
// `agent-os resume <id> --approve` after each kill, until it finishes. The pull request is opened exactly
// once, the pushed branch holds what an uninterrupted run's does, and the log verifies.
// AGENT_OS_PIPELINE_CRASH_KILLS (default 40) sets the kills (a soak: 200+); AGENT_OS_CRASH_SEED repeats a run.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  branchFiles,
  checkFinished,
  expectedBranchFiles,
  prHeadOf,
  runKilledSessions,
  runSession,
  startCrashWorld,
  type CrashWorld,
} from './pipelineCrashSession.ts';

const TOTAL_KILLS = Number(process.env.AGENT_OS_PIPELINE_CRASH_KILLS ?? 40);
const KILLS_PER_SESSION = 14;
/** Sessions run three at a time (most of a run is waiting on test runs); lane 0 first runs the reference. */
const LANES = 3;
const KILL_WINDOW_MS: [number, number] = [50, 1500];

let world: CrashWorld;
before(async () => {
  world = await startCrashWorld(LANES);
});
after(async () => {
  await world?.close();
});

test(`the pipeline through the CLI, SIGKILLed at random points (${TOTAL_KILLS} kills): resume finishes, one pull request, same branch content`, async () => {
  const seed = Number(process.env.AGENT_OS_CRASH_SEED ?? Date.now() % 100000);
  let reference: { tree: string; files: Record<string, string> } | undefined;
  const finished: { where: string; tree: string; files: Record<string, string> }[] = [];
  const kills = await runKilledSessions(world, {
    totalKills: TOTAL_KILLS,
    killsPerSession: KILLS_PER_SESSION,
    seed,
    plan: { windowMs: KILL_WINDOW_MS },
    beforeLane: async (lane, random) => {
      if (lane.index !== 0) return;
      // The uninterrupted run every crashed one must match.
      const run = await runSession(world, lane, join(world.root, 'reference'), {
        maxKills: 0,
        random,
        windowMs: [0, 0],
      });
      const tree = await checkFinished(world, lane, run);
      reference = { tree, files: branchFiles(lane, prHeadOf(run)) };
      assert.deepEqual(
        reference.files,
        expectedBranchFiles(),
        'the uninterrupted run leaves the sample with the solution',
      );
    },
    check: async (lane, run, where) => {
      const tree = await checkFinished(world, lane, run);
      finished.push({ where, tree, files: branchFiles(lane, prHeadOf(run)) });
      // Nothing the session left behind touches the person's own checkout.
      assert.equal(execFileSync('git', ['status', '--porcelain'], { cwd: lane.sample.workdir, encoding: 'utf8' }), '');
    },
  });
  assert.ok(reference);
  for (const f of finished) {
    if (f.tree !== reference.tree)
      assert.deepEqual(f.files, reference.files, `${f.where}: the branch differs from the uninterrupted run's`);
  }
  assert.ok(kills >= TOTAL_KILLS, `only ${kills} kills landed (seed ${seed})`);
});
