// The demo's whole flow on the managed backend, against the platform stand-in: four agents on the
// platform, their tools run by the self-hosted worker in the local sandbox, the verdict held for the
// person, the approval and the pull request by Agent OS — and the local log folds as a local session's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventOfType } from '../../src/core/events/sessionEvent.ts';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { startManagedWorld } from './managedWorld.ts';

test('managed: issue → four agents on the platform → worker runs the tools → verdict held → approve → one pull request', async () => {
  const world = await startManagedWorld();
  try {
    const worker = await world.startWorker();
    const { runtime, store } = world.setup;
    const meta = await runtime.start({ issue: world.issueRef, repository: world.sample.workdir });
    const stop = await runtime.settled(meta.id);
    let events = await store.read(meta.id);
    let state = foldSession(meta.id, events);
    assert.deepEqual(
      world.model.requests.filter((r) => r.outcome.kind !== 'turn').map((r) => r.outcome),
      [],
    );
    assert.equal(stop?.type, 'requires_action', JSON.stringify({ stop, lines: worker.lines }));
    const verdicts = events.filter(
      (e): e is EventOfType<'agent_os.verdict_submitted'> => e.type === 'agent_os.verdict_submitted',
    );
    assert.deepEqual(
      verdicts.map((v) => (v.verdict as { decision: string }).decision),
      ['REJECT', 'APPROVE'],
    );
    assert.deepEqual(stop, { type: 'requires_action', event_ids: [verdicts[1]?.id] });
    assert.deepEqual(
      Object.values(state.threads)
        .map((t) => t.agentName)
        .sort(),
      ['Coder', 'Coordinator', 'Planner', 'Reviewer'],
    );
    assert.ok(state.latestPlan);
    assert.equal(world.github.pullRequests().length, 0);

    await runtime.approve(meta.id, verdicts[1]?.id as string);
    events = await store.read(meta.id);
    state = foldSession(meta.id, events);
    assert.equal(state.stopReason?.type, 'end_turn');
    assert.equal(world.github.pullRequests().length, 1);
    assert.ok(state.pullRequest);
    const ids = events.flatMap((e) => (e.platform_event_id ? [e.platform_event_id] : []));
    assert.equal(new Set(ids).size, ids.length, 'no platform event mirrored twice');
  } finally {
    await world.close();
  }
});
