// A whole run of the pipeline (plan, supervised steps, two reviews, the person's approval, the pull request)
// reads the log only through the writer's selections — a thread's events, the records of a few types — and
// never the whole log: so a session of any length runs in memory of its threads, not of its log. Each writer
// the runtime opens is watched (test/support/wholeLogReads.ts). Managed mode's twin is in test/managed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startDemoWorld } from '../support/demoWorld.ts';
import { recordWholeLogReads } from '../support/wholeLogReads.ts';

test('a pipeline run through approval and pull request never reads the whole log', async () => {
  const world = await startDemoWorld();
  try {
    const wholeReads = await recordWholeLogReads(async () => {
      const { rt } = world;
      const meta = await rt.runtime.start({ issue: world.issueRef, repository: world.sample.workdir });
      const stop = await rt.runtime.settled(meta.id);
      assert.equal(stop?.type, 'requires_action', JSON.stringify(stop));
      const verdict = (await rt.store.read(meta.id)).findLast((e) => e.type === 'agent_os.verdict_submitted');
      assert.ok(verdict);
      await rt.runtime.approve(meta.id, verdict.id);
      assert.equal(world.github.pullRequests().length, 1, 'the run went all the way');
      assert.match(
        world.github.pullRequests()[0]?.body ?? '',
        /node --test/,
        "the description shows the Reviewer's runs",
      );
    });
    assert.deepEqual(wholeReads, []);
  } finally {
    await world.close();
  }
});
