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
  runSession,
  seeded,
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
  const random = seeded(seed);
  let reference: { tree: string; files: Record<string, string> } | undefined;
  const finished: { where: string; tree: string; files: Record<string, string> }[] = [];
  let planned = 0;
  const killed = await Promise.all(
    world.lanes.map(async (lane) => {
      if (lane.index === 0) {
        // The uninterrupted run every crashed one must match.
        const run = await runSession(world, lane, join(world.root, 'reference'), { maxKills: 0, random, windowMs: [0, 0] });
        const tree = await checkFinished(world, lane, run);
        reference = { tree, files: branchFiles(lane, prHeadOf(run)) };
        assert.deepEqual(reference.files, expectedBranchFiles(), 'the uninterrupted run leaves the sample with the solution');
      }
      let kills = 0;
      for (let i = 0; ; i++) {
        const quota = Math.min(KILLS_PER_SESSION, TOTAL_KILLS - planned);
        if (quota <= 0) return kills;
        planned += quota;
        const run = await runSession(world, lane, join(world.root, `lane${lane.index}-s${i}`), { maxKills: quota, random, windowMs: KILL_WINDOW_MS });
        kills += run.kills;
        planned -= quota - run.kills; // a session that finished before its quota hands the rest back
        const where = `seed ${seed}, lane ${lane.index}, session ${i} (${run.sessionId})`;
        try {
          const tree = await checkFinished(world, lane, run);
          finished.push({ where, tree, files: branchFiles(lane, prHeadOf(run)) });
        } catch (error) {
          throw new Error(`${where}: ${(error as Error).message}\n${run.log.join('\n')}`, { cause: error });
        }
        // Nothing the session left behind touches the person's own checkout.
        assert.equal(execFileSync('git', ['status', '--porcelain'], { cwd: lane.sample.workdir, encoding: 'utf8' }), '');
      }
    }),
  );
  assert.ok(reference);
  for (const f of finished) {
    if (f.tree !== reference.tree) assert.deepEqual(f.files, reference.files, `${f.where}: the branch differs from the uninterrupted run's`);
  }
  const kills = killed.reduce((a, b) => a + b, 0);
  assert.ok(kills >= TOTAL_KILLS, `only ${kills} kills landed (seed ${seed})`);
});
