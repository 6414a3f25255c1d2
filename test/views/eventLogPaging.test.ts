// The Event Log on a long session in a real file store: its first page comes from the fold checkpoint and
// the log's last page (read through the store's index), never from reading the log; older rows, filters and
// the rows that show an earlier event come from disk on demand and from the index built in the background.
import assert from 'node:assert/strict';
import { mkdtempSync, openSync, readSync, rmSync, statSync, writeSync, closeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { ALL_KINDS_FILTER, EventRow, PAGE_SIZE } from '../../src/shared/eventLogProtocol.ts';
import { EventLogModel } from '../../src/views/eventLogModel.ts';
import { CODER, FAR_PATH, REVIEWER, writeLongSession, type LongSession } from './longEventLog.ts';

const EVENTS = 100_000;

/** Bytes read from files through FileHandle (what the store's scans read with) while `run` runs. */
async function bytesReadDuring<T>(run: () => Promise<T>): Promise<{ value: T; bytes: number }> {
  const probe = await open(__filename, 'r');
  const proto = Object.getPrototypeOf(probe) as { read: (...args: unknown[]) => Promise<{ bytesRead: number }> };
  await probe.close();
  const read = proto.read;
  let bytes = 0;
  proto.read = async function (this: unknown, ...args: unknown[]) {
    const r = await read.apply(this, args);
    bytes += r.bytesRead;
    return r;
  };
  try {
    return { value: await run(), bytes };
  } finally {
    proto.read = read;
  }
}

describe('the Event Log pages a long session from disk', () => {
  let dir: string;
  let session: LongSession;
  let logBytes: number;
  /** Every event, read once by the test as the oracle (the model never does). */
  let all: SessionEvent[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agent-os-eventlog-paging-'));
    session = await writeLongSession(new FileSessionStore(dir), EVENTS);
    logBytes = statSync(join(dir, session.meta.id, 'events.jsonl')).size;
    all = await new FileSessionStore(dir).read(session.meta.id);
    assert.equal(all.length, EVENTS);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the first page is served from the checkpoint and the last page, reading a sliver of the log', async () => {
    const { value, bytes } = await bytesReadDuring(async () => {
      const model = await EventLogModel.open(new FileSessionStore(dir), session.meta.id, ALL_KINDS_FILTER);
      return {
        model,
        first: await model.initialRows(true, undefined),
        summary: await model.summary(session.meta, false),
      };
    });
    const { model, first } = value;
    assert.equal(model.total, EVENTS);
    assert.equal(value.summary.eventCount, EVENTS);
    assert.equal(first.start, Math.floor((EVENTS - 1) / PAGE_SIZE) * PAGE_SIZE);
    assert.deepEqual(
      first.rows.map((r) => r.id),
      all.slice(first.start).map((e) => e.id),
    );
    for (const r of first.rows) EventRow.parse(r);
    assert.ok(bytes < logBytes / 10, `read ${bytes} bytes of a ${logBytes}-byte log`);
    // The last event is the result of a call made at the start: its tool is named once the index has it.
    const lastRow = first.rows.at(-1)!;
    assert.equal(lastRow.seq, EVENTS);
    assert.doesNotMatch(lastRow.title, /^bash/, 'its tool use is 100,000 events back: not read for the first page');
    let changed = false;
    model.onRowsChanged = () => (changed = true);
    await model.whenIndexed();
    assert.ok(changed, 'rows served from a guess are asked for again');
    const [again] = await model.rows(EVENTS - 1, EVENTS);
    assert.match(again!.title, /^bash exited 0: slept/);
    // The last write of the path is a diff against the first, written 100,000 events before.
    const write = (await model.rows(EVENTS - 3, EVENTS - 2))[0]!;
    assert.equal(write.diff?.path, FAR_PATH);
    assert.equal(write.diff?.base, 'previous-write');
    assert.deepEqual([write.diff?.added, write.diff?.removed], [1, 1]);
  });

  test('scrolling to the start and the middle gives the rows there', async () => {
    const model = await EventLogModel.open(new FileSessionStore(dir), session.meta.id, ALL_KINDS_FILTER);
    const start = await model.rows(0, PAGE_SIZE);
    assert.deepEqual(
      start.map((r) => [r.index, r.seq, r.id]),
      all.slice(0, PAGE_SIZE).map((e, i) => [i, e.seq, e.id]),
    );
    assert.equal(start[2]?.diff?.base, 'new-file');
    const middle = await model.rows(50_000, 50_000 + PAGE_SIZE);
    assert.deepEqual(
      middle.map((r) => r.id),
      all.slice(50_000, 50_000 + PAGE_SIZE).map((e) => e.id),
    );
    assert.match((await model.detail(3))!, /one/);
    assert.match((await model.detail(EVENTS))!, /slept/);
  });

  test('filters by thread and kind cover the whole log', async () => {
    const model = await EventLogModel.open(new FileSessionStore(dir), session.meta.id, {
      threadId: REVIEWER,
      kinds: ['tool'],
    });
    const expected = all.filter(
      (e) => e.thread === REVIEWER && (e.type === 'agent.tool_use' || e.type === 'agent.tool_result'),
    );
    assert.equal(model.total, expected.length);
    const head = await model.rows(0, 50);
    assert.deepEqual(
      head.map((r) => r.seq),
      expected.slice(0, 50).map((e) => e.seq),
    );
    const tail = await model.rows(expected.length - 50, expected.length);
    assert.deepEqual(
      tail.map((r) => r.seq),
      expected.slice(-50).map((e) => e.seq),
    );
    const far = expected.findIndex((e) => e.id === session.farUse.id);
    assert.equal(model.indexOfSeq(session.farUse.seq), far);
    // A thread's view has the session-level events about it; messages of the other thread are not in it.
    await model.setFilter({ threadId: CODER, kinds: ['thread', 'message'] });
    const coder = all.filter(
      (e) =>
        (e.thread === CODER || (e.type === 'session.thread_created' && e.session_thread_id === CODER)) &&
        (e.type === 'agent.message' || e.type === 'session.thread_created'),
    );
    assert.equal(model.total, coder.length);
    assert.equal(
      model.indexOfSeq(all.find((e) => e.thread === REVIEWER && e.type === 'agent.message')!.seq),
      undefined,
    );
  });

  test('a filtered view opened again starts from the index checkpoint the first one left', async () => {
    const filter = { threadId: REVIEWER, kinds: ['tool' as const] };
    await EventLogModel.open(new FileSessionStore(dir), session.meta.id, filter); // leaves it, or one is there
    const checkpoint = join(dir, session.meta.id, 'fold-event-log-index.json');
    const { value: model, bytes } = await bytesReadDuring(() =>
      EventLogModel.open(new FileSessionStore(dir), session.meta.id, filter),
    );
    assert.ok(bytes < logBytes / 10, `read ${bytes} bytes of a ${logBytes}-byte log`);
    assert.ok(statSync(checkpoint).size < logBytes / 10, 'the checkpoint is a few bytes an event');
    const expected = all.filter((e) => e.thread === REVIEWER && e.type.startsWith('agent.tool_'));
    assert.equal(model.total, expected.length);
    const [last] = await model.rows(model.total - 1, model.total);
    assert.equal(last?.seq, EVENTS);
    assert.match(last!.title, /^bash exited 0: slept/, 'links come back from the checkpoint too');
  });

  test('events appended after opening show up, in the filter too', async () => {
    const store = new FileSessionStore(dir);
    const model = await EventLogModel.open(store, session.meta.id, { threadId: CODER, kinds: ['message'] });
    const before = model.total;
    const w = await store.openWriter(session.meta.id);
    try {
      await w.appendMany([
        { type: 'agent.message', thread: CODER, content: [{ type: 'text', text: 'live one' }] },
        { type: 'agent.message', thread: REVIEWER, content: [{ type: 'text', text: 'live two' }] },
      ] as never);
    } finally {
      await w.close();
    }
    const abort = new AbortController();
    const followed: SessionEvent[] = [];
    for await (const e of store.follow(session.meta.id, { after: model.next, signal: abort.signal })) {
      followed.push(e);
      if (followed.length === 2) abort.abort();
    }
    assert.equal(model.append(followed), 1);
    assert.equal(model.total, before + 1);
    const [row] = await model.rows(model.total - 1, model.total);
    assert.equal(row?.title, 'live one');
    await model.setFilter(ALL_KINDS_FILTER);
    assert.equal(model.total, EVENTS + 2);
    assert.deepEqual(
      (await model.rows(EVENTS, EVENTS + 2)).map((r) => r.seq),
      [EVENTS + 1, EVENTS + 2],
    );
  });
});

describe('the Event Log on a damaged log', () => {
  test('damage mid-file: the first page shows, the damaged rows say why, the index reports it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-os-eventlog-damage-'));
    try {
      const { meta } = await writeLongSession(new FileSessionStore(dir), 20_000);
      const file = join(dir, meta.id, 'events.jsonl');
      const damagedAt = flipByteNear(file, 0.3);
      const model = await EventLogModel.open(new FileSessionStore(dir), meta.id, ALL_KINDS_FILTER);
      const first = await model.initialRows(true, undefined);
      assert.equal(first.rows.at(-1)?.seq, 20_000);
      assert.ok(first.rows.every((r) => !r.isError || r.type !== 'agent_os.unreadable'));
      await assert.rejects(model.whenIndexed(), /LOG_CORRUPT|damaged at byte offset/);
      const around = Math.round(20_000 * 0.3);
      const rows = await model.rows(around - 300, around + 300);
      const unreadable = rows.filter((r) => r.type === 'agent_os.unreadable');
      assert.ok(unreadable.length > 0, 'the damaged rows are shown as such');
      assert.match(unreadable[0]!.title, new RegExp(`damaged at byte offset ${damagedAt}`));
      assert.ok(unreadable.every((r) => r.isError && r.kind === 'error'));
      for (const r of rows) EventRow.parse(r);
      // A filter needs the whole log: it fails with the same message, and the panel says so.
      await assert.rejects(model.setFilter({ threadId: CODER, kinds: ['message'] }), /damaged at byte offset/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Flips a byte inside the record that starts after `share` of the file; returns that record's offset. */
function flipByteNear(file: string, share: number): number {
  const size = statSync(file).size;
  const fd = openSync(file, 'r+');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const from = Math.floor(size * share);
    readSync(fd, buf, 0, buf.length, from);
    const lineStart = from + buf.indexOf(0x0a) + 1;
    const target = lineStart + 40;
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, target);
    byte[0] = byte[0]! === 0x61 ? 0x62 : 0x61;
    writeSync(fd, byte, 0, 1, target);
    return lineStart;
  } finally {
    closeSync(fd);
  }
}
