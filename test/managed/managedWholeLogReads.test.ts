// Managed mode's twin of test/pipeline/wholeLogReads.test.ts: mirroring a hosted session (streams cut again
// and again, a reload), checking its hand-ins, and the person's approval and pull request read the log only
// through the writer's selections, never the whole log. A re-attach reads each thread's history past the
// latest event the log holds from it (the fold keeps it); a history that no longer holds that event is
// checked against the thread's records, so nothing is lost and nothing is mirrored twice.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { recordWholeLogReads } from '../support/wholeLogReads.ts';
import { startManagedWorld } from './managedWorld.ts';

function platformIds(events: readonly SessionEvent[]): string[] {
  return events.flatMap((e) => (e.platform_event_id ? [e.platform_event_id] : []));
}

test('a managed run, cut and reloaded, through approval and pull request never reads the whole log', async () => {
  const world = await startManagedWorld();
  try {
    await world.startWorker();
    const notes: string[] = [];
    let sessionId = '';
    const wholeReads = await recordWholeLogReads(async () => {
      const { runtime, store } = world.setup;
      const meta = await runtime.start({ issue: world.issueRef, repository: world.sample.workdir });
      sessionId = meta.id;
      let cuts = 0;
      const cutter = setInterval(() => (cuts += world.platform.cutStreams('clients')), 700);
      const stop = await runtime.settled(meta.id).finally(() => clearInterval(cutter));
      assert.equal(stop?.type, 'requires_action');
      assert.ok(cuts >= 1, `streams were cut (${cuts})`);
      const verdict = foldSession(meta.id, await store.read(meta.id)).latestVerdict;
      assert.ok(verdict);
      await runtime.dispose();

      // While no runtime is attached, the platform's history gains an event; and the log's latest mirrored event
      // of the primary thread names one the platform's history does not hold (a history rewritten, a log restored
      // from a copy): the re-attach cannot read past it, and checks the history against the thread's records.
      const platformSession = world.platform.sessions.get(meta.id);
      assert.ok(platformSession);
      const primary = platformSession.primary.id;
      platformSession.events.push({
        event: {
          id: 'sevt_while_detached',
          type: 'agent.message',
          processed_at: new Date().toISOString(),
          content: [{ type: 'text', text: 'said while nobody was attached' }],
        } as never,
        thread: primary,
        onSession: true,
      });
      const writer = await store.openWriter(meta.id);
      await writer.append({
        type: 'agent.message',
        thread: primary,
        platform_event_id: 'sevt_not_on_the_platform',
        content: [{ type: 'text', text: 'restored from a copy' }],
      });
      await writer.close();

      const again = world.reopen({ onProblem: (line) => notes.push(line) });
      try {
        await again.runtime.approve(meta.id, verdict.id);
      } finally {
        await again.runtime.dispose();
      }
    });
    assert.deepEqual(wholeReads, []);

    const events = await world.setup.store.read(sessionId);
    const ids = platformIds(events);
    assert.equal(new Set(ids).size, ids.length, 'a platform event was mirrored twice');
    assert.equal(
      ids.filter((id) => id === 'sevt_while_detached').length,
      1,
      'the event said while detached is mirrored',
    );
    assert.ok(
      notes.some((n) => n.includes('no longer holds its last event mirrored (sevt_not_on_the_platform)')),
      notes.join('\n'),
    );
    assert.equal(foldSession(sessionId, events).stopReason?.type, 'end_turn');
    assert.equal(world.github.pullRequests().length, 1);
  } finally {
    await world.close();
  }
});
