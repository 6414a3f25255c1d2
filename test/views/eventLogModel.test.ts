import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemorySessionStore } from '../../src/core/session/memorySessionStore.ts';
import { ALL_KINDS_FILTER, EventRow, MAX_ROWS_PER_REQUEST, ROW_BODY_LIMIT } from '../../src/shared/eventLogProtocol.ts';
import { EventLogModel } from '../../src/views/eventLogModel.ts';
import { THREADS, writeSampleSession } from '../e2e/support/sampleSession.ts';
import { recordedLog } from '../support/recordedLog.ts';

async function sample(options: Parameters<typeof writeSampleSession>[2] = {}) {
  const store = new MemorySessionStore();
  const meta = await writeSampleSession(store, 'acme/widgets#7: off by one', options);
  return { store, meta, events: await store.read(meta.id) };
}

describe('EventLogModel (host side of the Event Log)', () => {
  test('pages rows of the whole session, each valid against the protocol', async () => {
    const { store, meta, events } = await sample({ rounds: 30 });
    const model = await EventLogModel.open(store, meta.id, ALL_KINDS_FILTER);
    assert.equal(model.append(events), 0, 'what was read at open is not added again');
    assert.equal(model.total, events.length);
    const rows = await model.rows(10, 60);
    assert.equal(rows.length, 50);
    assert.deepEqual(
      rows.map((r) => r.index),
      Array.from({ length: 50 }, (_, i) => 10 + i),
    );
    for (const r of rows) EventRow.parse(r);
    assert.equal(rows[0]?.seq, events[10]?.seq);
    // Out-of-range and oversized requests are clamped, never thrown at.
    assert.deepEqual(await model.rows(events.length + 5, events.length + 10), []);
    assert.ok((await model.rows(0, 100_000)).length <= MAX_ROWS_PER_REQUEST);
  });

  test('finds an event in the filtered list (the Session Overview opens events here)', async () => {
    const { store, meta, events } = await sample({ rounds: 30 });
    const model = await EventLogModel.open(store, meta.id, { threadId: null, kinds: ['tool'] });
    const use = events.find((e) => e.type === 'agent.tool_use' && e.thread === THREADS.coder)!;
    const index = model.indexOfSeq(use.seq)!;
    assert.equal((await model.rows(index, index + 1))[0]?.seq, use.seq);
    // Hidden by the filter, or not in the log: no index (the panel then shows every kind).
    const request = events.find((e) => e.type === 'span.model_request_start')!;
    assert.equal(model.indexOfSeq(request.seq), undefined);
    assert.equal(model.indexOfSeq(events.length + 10), undefined);
    await model.setFilter(ALL_KINDS_FILTER);
    assert.equal(model.indexOfSeq(request.seq), events.indexOf(request));
  });

  test('names tools in their results and agents on rows', async () => {
    const { store, meta } = await sample();
    const model = await EventLogModel.open(store, meta.id, ALL_KINDS_FILTER);
    const rows = await model.rows(0, model.total);
    const grep = rows.find((r) => r.type === 'agent.tool_use' && r.title.startsWith('grep'));
    assert.equal(grep?.title, 'grep countWidgets in src');
    assert.equal(grep?.agent, 'Planner');
    const result = rows.find((r) => r.type === 'agent.tool_result' && r.agent === 'Planner');
    assert.match(result!.title, /^grep returned: src\/widgets\.ts:12/);
    const usage = rows.find((r) => r.type === 'span.model_request_end');
    assert.match(usage!.note!, /tok · /);
    assert.equal(rows.find((r) => r.type === 'agent_os.verdict_submitted')?.kind, 'review');
  });

  test('filters by thread and kind; the filter bumps the generation', async () => {
    const { store, meta } = await sample({ rounds: 12 });
    const model = await EventLogModel.open(store, meta.id, ALL_KINDS_FILTER);
    const g = model.generation;
    await model.setFilter({ threadId: THREADS.planner, kinds: ['tool'] });
    assert.equal(model.generation, g + 1);
    const rows = await model.rows(0, model.total);
    assert.equal(rows.length, 2);
    assert.ok(rows.every((r) => r.thread === THREADS.planner && r.kind === 'tool'));
    // A thread's view includes the session-level events about that thread.
    await model.setFilter({ threadId: THREADS.planner, kinds: ['thread', 'status'] });
    assert.ok(
      (await model.rows(0, model.total)).some(
        (r) => r.type === 'session.thread_created' && r.thread === THREADS.coordinator,
      ),
    );
  });

  test('appending live grows the filtered list only by what passes the filter', async () => {
    const { events } = await sample({ rounds: 6 });
    const half = Math.floor(events.length / 2);
    const model = await EventLogModel.open(recordedLog(events.slice(0, half)), 's', {
      threadId: null,
      kinds: ['tool'],
    });
    const before = model.total;
    const added = model.append(events.slice(half));
    assert.equal(model.total, before + added);
    assert.equal(
      added,
      events.slice(half).filter((e) => e.type === 'agent.tool_use' || e.type === 'agent.tool_result').length,
    );
    assert.equal(model.append(events.slice(-3)), 0, 'already-seen events are skipped');
  });

  test('the summary carries the verdict card with its evidence, then the pull request', async () => {
    const { store, meta, events } = await sample();
    const model = await EventLogModel.open(store, meta.id, ALL_KINDS_FILTER);
    assert.equal(model.total, events.length);
    const summary = await model.summary(meta, false);
    assert.equal(summary.status, 'waiting');
    assert.equal(summary.threads.length, 4);
    assert.equal(summary.verdict?.decision, 'APPROVE');
    assert.match(summary.verdict!.summary, /npm test passes/);
    assert.deepEqual(
      summary.verdict!.testRuns.map((t) => [t.command, t.ok]),
      [['npm test', true]],
    );
    assert.equal(summary.verdict!.answered, undefined);

    const w = await store.openWriter(meta.id);
    await w.appendMany([
      {
        type: 'agent_os.approval',
        thread: THREADS.coordinator,
        verdict_event_id: summary.verdict!.eventId,
        decision: 'approve',
      },
      {
        type: 'agent_os.pull_request_opened',
        thread: THREADS.coordinator,
        url: 'http://127.0.0.1:1/acme/widgets/pull/3',
        number: 3,
        branch: 'agent-os/7',
        head_commit: 'f0e1',
      },
    ]);
    model.append(await store.read(meta.id, { fromSeq: model.lastSeq + 1 }));
    const after = await model.summary(meta, false);
    assert.equal(after.verdict?.answered, 'approve');
    assert.deepEqual(after.pullRequest, { url: 'http://127.0.0.1:1/acme/widgets/pull/3', number: 3 });
    assert.equal(after.status, 'done');
  });

  test('an always_ask tool call is asked until the person answers it', async () => {
    const { store, meta } = await sample({ withToolAsk: true, stopRunning: true });
    const model = await EventLogModel.open(store, meta.id, ALL_KINDS_FILTER);
    const [ask] = model.toolAsks();
    assert.equal(ask?.tool, 'bash');
    assert.equal(ask?.agent, 'Coder');
    assert.match(ask!.input, /curl/);
    const w = await store.openWriter(meta.id);
    await w.append({
      type: 'user.tool_confirmation',
      thread: THREADS.coder,
      tool_use_id: ask!.eventId,
      result: 'deny',
      deny_message: 'no network',
    });
    model.append(await store.read(meta.id, { fromSeq: model.lastSeq + 1 }));
    assert.deepEqual(model.toolAsks(), []);
  });

  test('long bodies are cut in rows and whole in details', async () => {
    const store = new MemorySessionStore();
    const meta = await store.create({ title: 'long' });
    const w = await store.openWriter(meta.id);
    const text = 'x'.repeat(ROW_BODY_LIMIT * 3);
    const [e] = await w.appendMany([{ type: 'agent.message', thread: 'sthr_a', content: [{ type: 'text', text }] }]);
    const model = await EventLogModel.open(store, meta.id, ALL_KINDS_FILTER);
    const [row] = await model.rows(0, 1);
    assert.equal(row?.body?.length, ROW_BODY_LIMIT);
    assert.equal(row?.bodyLength, text.length);
    assert.ok(row!.title.length <= 300);
    assert.equal(await model.detail(e!.seq), text);
    assert.equal(await model.detail(999), undefined);
  });
});
