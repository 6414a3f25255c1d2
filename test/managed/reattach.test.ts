// The platform's streams do not replay; the mirror re-attaches (stream, then history) after every cut
// and after a reload, and the local log still holds each platform event exactly once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { startManagedWorld } from './managedWorld.ts';

function assertEachOnce(events: readonly SessionEvent[]): void {
  const ids = events.flatMap((e) => (e.platform_event_id ? [e.platform_event_id] : []));
  assert.equal(new Set(ids).size, ids.length, 'a platform event was mirrored twice');
}

test('streams cut again and again mid-run, then a reload: every platform event is in the log once, and the session finishes', async () => {
  const world = await startManagedWorld();
  try {
    await world.startWorker();
    const { runtime, store } = world.setup;
    const meta = await runtime.start({ issue: world.issueRef, repository: world.sample.workdir });
    let cuts = 0;
    // The mirror's streams; the worker's runner re-attaches on its own (with the SDK's backoff).
    const cutter = setInterval(() => (cuts += world.platform.cutStreams('clients')), 700);
    const stop = await runtime.settled(meta.id).finally(() => clearInterval(cutter));
    assert.ok(cuts >= 3, `streams were cut (${cuts})`);
    let events = await store.read(meta.id);
    assertEachOnce(events);
    assert.equal(stop?.type, 'requires_action');
    const platformSession = world.platform.sessions.get(meta.id);
    const platformCalls = (platformSession?.events ?? []).filter(
      (e) => e.event.type === 'agent.tool_use' || e.event.type === 'agent.custom_tool_use',
    );
    assert.equal(
      events.filter((e) => e.type === 'agent.tool_use').length,
      platformCalls.length,
      'every call of every thread is mirrored, once',
    );
    const state = foldSession(meta.id, events);
    const verdict = state.latestVerdict;
    assert.ok(verdict);

    // A reload: this runtime lets go, another one (on the same store) approves and follows to the end.
    await runtime.dispose();
    const again = world.reopen();
    try {
      await again.runtime.approve(meta.id, verdict.id);
    } finally {
      await again.runtime.dispose();
    }
    events = await store.read(meta.id);
    assertEachOnce(events);
    assert.equal(foldSession(meta.id, events).stopReason?.type, 'end_turn');
    assert.equal(world.github.pullRequests().length, 1);
  } finally {
    await world.close();
  }
});
