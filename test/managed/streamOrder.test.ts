// The platform's session stream and each thread's stream are separate connections: a session's
// `requires_action` idle can arrive before the thread event it waits on (here the Reviewer's
// submit_verdict). The mirror must still record the wait once that event is in — else the verdict is
// held with no session waiting for the person, and the session shows running for ever.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventOfType } from '../../src/core/events/sessionEvent.ts';
import { startManagedWorld } from './managedWorld.ts';

test(
  'a requires_action idle that outruns the thread event it waits on is recorded once that event is mirrored',
  { timeout: 180_000 },
  async () => {
    const world = await startManagedWorld({ platform: { threadStreamLagMs: 400 } });
    try {
      await world.startWorker();
      const { runtime, store } = world.setup;
      const meta = await runtime.start({ issue: world.issueRef, repository: world.sample.workdir });
      const settled = runtime.settled(meta.id);
      const outcome = await Promise.race([
        settled,
        new Promise<'no stop'>((resolve) => setTimeout(() => resolve('no stop'), 120_000).unref()),
      ]);
      const events = await store.read(meta.id);
      const verdicts = events.filter(
        (e): e is EventOfType<'agent_os.verdict_submitted'> => e.type === 'agent_os.verdict_submitted',
      );
      const approve = verdicts.find((v) => v.verdict.decision === 'APPROVE');
      assert.ok(approve, 'the Reviewer approved');
      assert.deepEqual(outcome, { type: 'requires_action', event_ids: [approve.id] });
      const idles = events.filter((e) => e.type === 'session.status_idle' && e.seq > approve.seq);
      assert.equal(idles.length, 1, 'one wait for the person, after the verdict');
    } finally {
      await world.close();
    }
  },
);
