// The platform's streams do not replay; the mirror re-attaches (stream, then history) after every cut
// and after a reload, and the local log still holds each platform event exactly once.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

test('a crash after the verdict is mirrored but before it is checked: the resume checks it and stops for the person', async () => {
  const world = await startManagedWorld();
  try {
    await world.startWorker();
    const { runtime, store } = world.setup;
    const meta = await runtime.start({ issue: world.issueRef, repository: world.sample.workdir });
    assert.equal((await runtime.settled(meta.id))?.type, 'requires_action');
    await runtime.dispose();
    // The log as a crash right after the Reviewer's hand-in was mirrored leaves it: the check's records and the
    // session's idle are not in it. The platform session still waits on that call.
    const file = join(world.storeDir, meta.id, 'events.jsonl');
    const lines = readFileSync(file, 'utf8').split('\n');
    const handIn = lines.findLastIndex((l) => l.includes('"type":"agent.tool_use"') && l.includes('"submit_verdict"'));
    assert.ok(handIn > 0, 'the verdict hand-in is in the log');
    const cut = lines.slice(0, handIn + 1);
    assert.ok(lines.slice(handIn).some((l) => l.includes('"agent_os.verdict_submitted"')));
    writeFileSync(file, `${cut.join('\n')}\n`);

    // The catch-up meets the session's idle before the check has recorded the verdict it waits on.
    const again = world.reopen();
    try {
      const resumed = again.runtime.resume(meta.id);
      const hung = new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000).unref());
      assert.notEqual(await Promise.race([resumed.then(() => 'stopped' as const), hung]), 'hung');
    } finally {
      await again.runtime.dispose();
    }
    const state = foldSession(meta.id, await store.read(meta.id));
    assert.equal(state.stopReason?.type, 'requires_action');
    assert.ok(state.latestVerdict && state.stopReason.event_ids.includes(state.latestVerdict.id));
  } finally {
    await world.close();
  }
});
