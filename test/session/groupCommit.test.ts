// Durable appends with the fdatasync off the event loop: a 'sync' append resolves only after an
// fdatasync that started once its record was in the file; appends waiting together share one fdatasync
// (group commit); records are in the file, in order, as soon as append() returns; close() waits.
//
// The real fs.fdatasync runs; a wrapper around it records, for each call, the log's size when it
// started, which is what that call makes durable.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { SessionWriter } from '../../src/core/session/sessionStore.ts';
import { SessionLog } from '../../src/core/harness/sessionLog.ts';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { userMessage } from '../conformance/sessionStoreConformance.ts';
import { makeTempDir } from './tempDir.ts';
import { logBytes } from './logBytes.ts';

interface SyncCall {
  fd: number;
  /** Bytes in the file when the fdatasync started: what it makes durable. */
  coversBytes: number;
  done: boolean;
}

const fs = require('node:fs') as { fdatasync: (fd: number, cb: (error: Error | null) => void) => void };
const realFdatasync = fs.fdatasync;
let calls: SyncCall[] = [];
let running = 0;
let mostAtOnce = 0;

let temp: { dir: string; remove(): void };
let store: FileSessionStore;
beforeEach(() => {
  temp = makeTempDir();
  store = new FileSessionStore(temp.dir);
  calls = [];
  running = 0;
  mostAtOnce = 0;
  fs.fdatasync = (fd, cb) => {
    const call: SyncCall = { fd, coversBytes: logBytes(`/proc/self/fd/${fd}`), done: false };
    calls.push(call);
    mostAtOnce = Math.max(mostAtOnce, ++running);
    realFdatasync(fd, (error) => {
      running--;
      call.done = true;
      cb(error);
    });
  };
});
afterEach(() => {
  fs.fdatasync = realFdatasync;
  temp.remove();
});

async function openSession(): Promise<{ id: string; log: string; writer: SessionWriter }> {
  const { id } = await store.create({ title: 'group commit' });
  const writer = await store.openWriter(id);
  return { id, log: join(store.sessionDir(id), 'events.jsonl'), writer };
}

/** Bytes made durable by the finished fdatasyncs so far. */
function durableBytes(): number {
  return Math.max(0, ...calls.filter((c) => c.done).map((c) => c.coversBytes));
}

describe('durable appends with group commit', () => {
  it('acknowledges each sync append only after an fdatasync that covers it, sharing fdatasyncs', async () => {
    const { id, log, writer } = await openSession();
    calls = []; // opening may sync (a torn tail); only the appends count here
    const acks: Promise<void>[] = [];
    const ends: number[] = [];
    for (let i = 0; i < 40; i++) {
      const append = writer.append(userMessage(`m${i}`), i % 4 === 3 ? 'batch' : 'sync');
      // The record is in the file (one write, at the end) as soon as append() returns.
      const end = logBytes(log);
      assert.ok(end > (ends.at(-1) ?? 0), `append ${i} wrote its record at once`);
      ends.push(end);
      acks.push(
        append.then((event) => {
          assert.equal(event.seq, i + 1);
          if (i % 4 !== 3)
            assert.ok(durableBytes() >= end, `sync append ${i} resolved before an fdatasync covered byte ${end}`);
        }),
      );
    }
    await Promise.all(acks);
    // The first append's fdatasync was in flight while the other 39 were written: one more covers them all.
    assert.equal(calls.length, 2, `${calls.length} fdatasyncs for 30 sync appends`);
    assert.equal(calls[1]?.coversBytes, ends.at(-1));
    await writer.close();
    assert.deepEqual(
      (await store.read(id)).map((e) => e.seq),
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
  });

  it('makes batch appends durable with the next sync append or flush', async () => {
    const { log, writer } = await openSession();
    calls = [];
    for (let i = 0; i < 5; i++) await writer.append(userMessage(`delta ${i}`), 'batch');
    assert.equal(calls.length, 0, 'batch appends do not sync');
    await writer.append(userMessage('turn done'), 'sync');
    assert.equal(calls.length, 1);
    assert.equal(calls[0]?.coversBytes, logBytes(log), 'the sync covered the batch records before it');

    await writer.append(userMessage('more'), 'batch');
    await writer.flush();
    assert.equal(calls.length, 2);
    assert.equal(durableBytes(), logBytes(log));
    await writer.flush();
    assert.equal(calls.length, 2, 'nothing new to sync');
    await writer.close();
  });

  it('close waits for appends in flight, syncs batch records, and refuses later appends', async () => {
    const { id, log, writer } = await openSession();
    const pending = [
      writer.append(userMessage('a')),
      writer.append(userMessage('b'), 'batch'),
      writer.append(userMessage('c')),
    ];
    const size = logBytes(log);
    await writer.append(userMessage('d'), 'batch');
    const closed = writer.close();
    assert.equal(writer.close(), closed, 'a second close is the same close');
    await assert.rejects(writer.append(userMessage('late')), /closed/);
    await assert.rejects(writer.flush(), /closed/);
    await Promise.all(pending);
    await closed;
    assert.ok(
      durableBytes() >= logBytes(log) && logBytes(log) > size,
      'the batch record written before close was synced',
    );
    assert.deepEqual(
      (await store.read(id)).map((e) => e.seq),
      [1, 2, 3, 4],
    );
    // The lock was released: another writer can open the session.
    const next = await store.openWriter(id);
    await next.close();
  });

  it('keeps each session in order with many sessions appending at once, and at most two fdatasyncs in flight', async () => {
    const sessions = await Promise.all(Array.from({ length: 8 }, () => openSession()));
    calls = [];
    mostAtOnce = 0;
    await Promise.all(
      sessions.map(async ({ writer }, s) => {
        // Two "threads" per session, appending concurrently.
        await Promise.all(
          [0, 1].map(async (thread) => {
            for (let i = 0; i < 10; i++) await writer.append(userMessage(`s${s} t${thread} m${i}`));
          }),
        );
      }),
    );
    assert.ok(mostAtOnce <= 2, `${mostAtOnce} fdatasyncs ran at once`);
    assert.ok(calls.length < 8 * 20, `${calls.length} fdatasyncs for 160 sync appends: some were shared`);
    for (const { id, writer } of sessions) {
      await writer.close();
      const events = await store.read(id);
      assert.deepEqual(
        events.map((e) => e.seq),
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      for (const thread of [0, 1]) {
        const texts = events.map((e) => JSON.stringify(e)).filter((t) => t.includes(` t${thread} m`));
        assert.deepEqual(
          texts.map((t) => Number(/ m(\d+)/.exec(t)?.[1])),
          Array.from({ length: 10 }, (_, i) => i),
        );
      }
    }
  });

  it('shares fdatasyncs through the harness path too: SessionLog appends of two threads do not wait for each other', async () => {
    const sessions = await Promise.all(Array.from({ length: 8 }, () => openSession()));
    const logs = sessions.map(({ id, writer }) => new SessionLog(writer, id));
    calls = [];
    const order: number[][] = logs.map(() => []);
    logs.forEach((log, s) => log.onEvent((e) => order[s]?.push(e.seq)));
    await Promise.all(
      logs.map(async (log, s) => {
        await Promise.all(
          [0, 1].map(async (thread) => {
            for (let i = 0; i < 10; i++) {
              const event = await log.append(userMessage(`s${s} t${thread} m${i}`));
              // Acknowledged means durable, and taken into the state with everything before it.
              assert.ok(log.state.lastSeq >= event.seq);
              assert.ok(
                calls.some((c) => c.done),
                'acknowledged before any fdatasync returned',
              );
            }
          }),
        );
      }),
    );
    assert.ok(
      calls.length <= 8 * 20 * 0.75,
      `${calls.length} fdatasyncs for 160 sync appends through SessionLog: too few were shared`,
    );
    for (const [s, log] of logs.entries()) {
      assert.deepEqual(
        order[s],
        Array.from({ length: 20 }, (_, i) => i + 1),
        'taken in in seq order',
      );
      assert.deepEqual(
        log.events.map((e) => e.seq),
        order[s],
      );
      await log.close();
    }
  });

  it('takes a batch append into the SessionLog only after the sync append before it is durable', async () => {
    const { id, writer } = await openSession();
    const log = new SessionLog(writer, id);
    calls = [];
    const first = log.append(userMessage('turn end'), 'sync');
    const second = log.append(userMessage('delta'), 'batch');
    assert.equal(log.state.lastSeq, 0, 'nothing is taken in before it is acknowledged');
    const delta = await second;
    assert.ok(
      calls.some((c) => c.done),
      'the batch append waited for the sync one before it',
    );
    assert.equal(log.state.lastSeq, delta.seq);
    assert.equal((await first).seq, 1);
    await log.close();
  });

  it("acknowledges an 'ahead' append once written, with its fdatasync started at once and awaited by close", async () => {
    const { id, log: file, writer } = await openSession();
    const log = new SessionLog(writer, id);
    calls = [];
    const result = await log.append(userMessage('tool result'), 'ahead');
    const end = logBytes(file);
    assert.equal(log.state.lastSeq, result.seq, 'taken into the state as soon as it is written');
    assert.equal(calls.length, 1, 'its fdatasync was started at once');
    assert.equal(calls[0]?.coversBytes, end);
    // The next 'sync' append covers it (one file, written in order).
    const turn = await log.append(userMessage('next turn'), 'sync');
    assert.ok(durableBytes() >= logBytes(file), `sync append ${turn.seq} resolved before it was durable`);
    await log.append(userMessage('last result'), 'ahead');
    await log.close();
    assert.ok(durableBytes() >= logBytes(file), 'close waited for the last ahead append to be durable');
    assert.deepEqual(
      (await store.read(id)).map((e) => e.seq),
      [1, 2, 3],
    );
  });

  it("keeps an 'ahead' append behind the sync appends before it, and reports its failed fdatasync", async () => {
    const { id, writer } = await openSession();
    const log = new SessionLog(writer, id);
    const order: number[] = [];
    log.onEvent((e) => order.push(e.seq));
    const first = log.append(userMessage('tool use'), 'sync');
    const second = log.append(userMessage('tool result'), 'ahead');
    assert.equal(log.state.lastSeq, 0, 'nothing is taken in before the sync append before it is durable');
    await second;
    assert.ok(
      calls.some((c) => c.done),
      'acknowledged only after the sync append before it',
    );
    assert.equal((await first).seq, 1);
    assert.deepEqual(order, [1, 2]);
    // The disk fails the next ahead append's fdatasync: the writer is broken, and the log says so.
    fs.fdatasync = (_fd, cb) => cb(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    await log.append(userMessage('lost result'), 'ahead');
    await assert.rejects(log.append(userMessage('after')), /EIO/);
    await assert.rejects(log.close(), /EIO/);
  });
});
