import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemorySessionStore } from '../../src/core/session/memorySessionStore.ts';
import { ThreadsTreeModel } from '../../src/views/threadsTreeModel.ts';
import { THREADS, writeSampleSession } from '../e2e/support/sampleSession.ts';

async function sample(options: Parameters<typeof writeSampleSession>[2] = {}) {
  const store = new MemorySessionStore();
  const meta = await writeSampleSession(store, 'acme/widgets#7: off by one', options);
  return { store, meta, events: await store.read(meta.id) };
}

describe('ThreadsTreeModel', () => {
  test('a finished session waits for the person, with its four threads in creation order', async () => {
    const { meta, events } = await sample();
    const model = new ThreadsTreeModel(() => false);
    model.upsertSession(meta);
    assert.equal(model.apply(meta.id, events), true);
    const [session] = model.sessions();
    assert.equal(session?.label, 'acme/widgets#7: off by one');
    assert.equal(session?.status, 'waiting');
    // The sample ran in the plain worktree: the row says plainly that nothing confines its commands.
    assert.match(session!.description, /^waiting for you · \$\d+\.\d\d · unconfined: every command asks you$/);
    assert.match(
      session!.tooltip,
      /\nSandbox: worktree — unconfined: every command asks you \(read-only agents get no bash\)/,
    );
    assert.equal(session?.icon.id, 'bell-dot');
    assert.match(session!.contextValue, /\bverdict\b/);
    const threads = model.threads(meta.id);
    assert.deepEqual(
      threads.map((t) => t.label),
      ['Coordinator', 'Planner', 'Coder', 'Reviewer'],
    );
    assert.equal(threads[0]?.status, 'waiting');
    assert.equal(threads[2]?.status, 'idle');
    assert.match(threads[2]!.description, /^idle · [\d.]+k tokens$/);
  });

  test('folds incrementally: event by event gives the same state as all at once', async () => {
    const { meta, events } = await sample({ rounds: 7 });
    const whole = new ThreadsTreeModel(() => false);
    whole.upsertSession(meta);
    whole.apply(meta.id, events);
    const live = new ThreadsTreeModel(() => false);
    live.upsertSession(meta);
    for (const e of events) live.apply(meta.id, [e]);
    assert.deepEqual(live.state(meta.id), whole.state(meta.id));
    // Replayed events (a follower reconnecting) change nothing.
    assert.equal(live.apply(meta.id, events.slice(-5)), false);
    assert.deepEqual(live.threads(meta.id), whole.threads(meta.id));
  });

  test('a running log without a harness in this process is interrupted and resumable', async () => {
    const { meta, events } = await sample({ stopRunning: true });
    let live = false;
    const model = new ThreadsTreeModel(() => live);
    model.upsertSession(meta);
    model.apply(meta.id, events);
    assert.equal(model.status(meta.id), 'interrupted');
    assert.deepEqual(model.interrupted(), [meta.id]);
    const session = model.session(meta.id)!;
    assert.equal(session.icon.id, 'debug-pause');
    assert.match(session.contextValue, /\bresumable\b/);
    assert.match(session.tooltip, /closed window or a crash/);
    assert.equal(model.threads(meta.id).find((t) => t.threadId === THREADS.coder)?.status, 'interrupted');

    live = true;
    assert.equal(model.status(meta.id), 'running');
    const coder = model.threads(meta.id).find((t) => t.threadId === THREADS.coder)!;
    assert.equal(coder.icon.id, 'sync~spin');
    assert.equal(coder.contextValue, 'thread.running');
    assert.equal(model.runningCount(), 1);
    assert.doesNotMatch(model.session(meta.id)!.contextValue, /resumable/);
  });

  test('newest session first; removing one forgets it', async () => {
    const store = new MemorySessionStore();
    const older = await store.create({ title: 'older' });
    await new Promise((r) => setTimeout(r, 5));
    const newer = await store.create({ title: 'newer' });
    const model = new ThreadsTreeModel(() => false);
    model.upsertSession(older);
    model.upsertSession(newer);
    assert.deepEqual(
      model.sessions().map((s) => s.label),
      ['newer', 'older'],
    );
    assert.equal(model.sessions()[0]?.status, 'idle');
    assert.equal(model.removeSession(newer.id), true);
    assert.deepEqual(
      model.sessions().map((s) => s.label),
      ['older'],
    );
    assert.equal(model.apply(newer.id, []), false);
  });

  test('a thread that ran out of retries is failed', async () => {
    const store = new MemorySessionStore();
    const meta = await store.create({ title: 't' });
    const w = await store.openWriter(meta.id);
    await w.appendMany([
      {
        type: 'session.thread_created',
        thread: 'sthr_a',
        session_thread_id: 'sthr_a',
        agent_name: 'Coder',
        parent_thread_id: null,
      },
      { type: 'session.thread_status_running', thread: 'sthr_a', session_thread_id: 'sthr_a', agent_name: 'Coder' },
      {
        type: 'session.thread_status_idle',
        thread: 'sthr_a',
        session_thread_id: 'sthr_a',
        agent_name: 'Coder',
        stop_reason: { type: 'retries_exhausted' },
      },
      { type: 'session.status_idle', thread: 'sthr_a', stop_reason: { type: 'retries_exhausted' } },
    ]);
    const model = new ThreadsTreeModel(() => false);
    model.upsertSession(meta);
    model.apply(meta.id, await store.read(meta.id));
    assert.equal(model.status(meta.id), 'failed');
    assert.equal(model.threads(meta.id)[0]?.icon.id, 'error');
  });
});
