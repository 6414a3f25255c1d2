// What only the file store has: its files, damage found at its offset, torn tails cut off, blobs on
// disk, and a lock that holds across processes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { LogCorruptError } from '../../src/core/errors.ts';
import type { SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { stampEvent } from '../../src/core/session/storeRules.ts';
import { BlobStore } from '../../src/node/session/blobStore.ts';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { encodeRecord } from '../../src/node/session/recordCodec.ts';
import { userMessage } from '../conformance/sessionStoreConformance.ts';
import { startChild } from './sessionChildProcess.ts';
import { makeTempDir } from './tempDir.ts';
import { logBytes } from './logBytes.ts';

let temp: { dir: string; remove(): void };
let store: FileSessionStore;
beforeEach(() => {
  temp = makeTempDir();
  store = new FileSessionStore(temp.dir, { blobThresholdBytes: 2048, followPollMs: 25 });
});
afterEach(() => temp.remove());

async function sessionWith(count: number): Promise<{ id: string; log: string; events: SessionEvent[] }> {
  const meta = await store.create({ title: 't' });
  const writer = await store.openWriter(meta.id);
  const events = await writer.appendMany(Array.from({ length: count }, (_, i) => userMessage(`message number ${i}`)));
  await writer.close();
  return { id: meta.id, log: join(temp.dir, meta.id, 'events.jsonl'), events };
}

/** Byte offset where line `index` (0-based) of a file starts. */
function lineOffset(file: string, index: number): number {
  const bytes = readFileSync(file);
  let offset = 0;
  for (let i = 0; i < index; i++) offset = bytes.indexOf(0x0a, offset) + 1;
  return offset;
}

function flipByte(file: string, offset: number): void {
  const bytes = readFileSync(file);
  bytes[offset] = (bytes[offset] as number) ^ 0x01;
  writeFileSync(file, bytes);
}

/** The pid of a process that has exited. */
function deadPid(): number {
  return Number(
    spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout,
  );
}

async function caught(promise: Promise<unknown>): Promise<Error & { code?: string; byteOffset?: number }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected an error');
}

describe('FileSessionStore files', () => {
  it('keeps meta.json and one checksummed JSON record per line, and leaves no temp files', async () => {
    const { id, log, events } = await sessionWith(3);
    const dir = join(temp.dir, id);
    assert.deepEqual(readdirSync(dir).sort(), ['blobs', 'events.jsonl', 'lock-1.released', 'meta.json']);
    assert.equal(JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')).id, id);
    const lines = readFileSync(log, 'utf8').split('\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, 3);
    lines.forEach((line, i) => {
      assert.match(line, /^\{"crc32":"[0-9a-f]{8}","event":\{"type":"user.message","id":"sevt_/);
      assert.deepEqual(JSON.parse(line).event, events[i]);
    });
    assert.deepEqual(readdirSync(temp.dir), [id]);
  });
});

describe('damaged metadata', () => {
  it('is a clear error, not a missing session', async () => {
    const meta = await store.create({ title: 'meta' });
    writeFileSync(join(temp.dir, meta.id, 'meta.json'), '{"id": "sesn_');
    const error = await caught(store.get(meta.id));
    assert.equal(error.code, 'LOG_CORRUPT');
    assert.match(error.message, /meta\.json is damaged/);
  });
});

describe('damage in the middle of a log', () => {
  for (const [what, at] of [
    ['a byte of an event', 60],
    ['a byte of the checksum', 12],
    ['the newline', -1],
  ] as const) {
    it(`is reported at its record's offset by read, openWriter and verify (${what})`, async () => {
      const { id, log } = await sessionWith(10);
      const damaged = lineOffset(log, 4);
      flipByte(log, at === -1 ? lineOffset(log, 5) - 1 : damaged + at);
      const before = readFileSync(log);

      const onRead = await caught(store.read(id));
      assert.ok(onRead instanceof LogCorruptError);
      assert.equal(onRead.byteOffset, damaged);
      assert.match(onRead.message, new RegExp(`byte offset ${damaged}`));

      const onOpen = await caught(store.openWriter(id));
      assert.equal(onOpen.code, 'LOG_CORRUPT');
      assert.equal(onOpen.byteOffset, damaged);

      const report = await store.verify(id);
      assert.equal(report.ok, false);
      assert.equal(report.damage?.byteOffset, damaged);
      assert.equal(report.damage?.tornTail, false);
      assert.deepEqual(readFileSync(log), before, 'nothing is repaired or cut off');
      // The refused writer let go of the lock.
      assert.equal((await caught(store.openWriter(id))).code, 'LOG_CORRUPT');
    });
  }

  it('is found when a record goes missing (seq gap)', async () => {
    const { id, log } = await sessionWith(5);
    const bytes = readFileSync(log);
    const start = lineOffset(log, 2);
    const end = lineOffset(log, 3);
    writeFileSync(log, Buffer.concat([bytes.subarray(0, start), bytes.subarray(end)]));
    const error = await caught(store.read(id));
    assert.equal(error.code, 'LOG_CORRUPT');
    assert.equal(error.byteOffset, start);
    assert.match(error.message, /seq 4 where 3 was expected/);
  });

  it('stops a follower with LogCorruptError', async () => {
    const { id, log } = await sessionWith(4);
    flipByte(log, lineOffset(log, 1) + 40);
    const seen: number[] = [];
    const error = await caught(
      (async () => {
        for await (const e of store.follow(id, { signal: new AbortController().signal })) seen.push(e.seq);
      })(),
    );
    assert.equal(error.code, 'LOG_CORRUPT');
    assert.equal(error.byteOffset, lineOffset(log, 1));
    assert.deepEqual(seen, [1]);
  });
});

describe('a torn last record', () => {
  async function tornSession(
    tail: (next: Buffer) => Buffer,
  ): Promise<{ id: string; log: string; whole: number; tailBytes: number }> {
    const { id, log, events } = await sessionWith(3);
    const whole = statSync(log).size;
    const next = encodeRecord('event', JSON.stringify(stampEvent(userMessage('torn'), events.length + 1, new Date())));
    const bytes = tail(next);
    appendFileSync(log, bytes);
    return { id, log, whole, tailBytes: bytes.length };
  }

  for (const [what, tail] of [
    ['cut short', (next: Buffer) => next.subarray(0, 30)],
    [
      'cut short in a bad checksum',
      (next: Buffer) => Buffer.concat([next.subarray(0, 40), Buffer.from('Z'), next.subarray(41, 60)]),
    ],
    // A power cut can leave a record's length on disk with a block of it never written.
    [
      'whole but for a block of NULs',
      (next: Buffer) => Buffer.concat([next.subarray(0, 40), Buffer.alloc(16), next.subarray(56)]),
    ],
  ] as const) {
    it(`(${what}) is left out by read, reported by verify, and cut off by the next writer`, async () => {
      const { id, log, whole, tailBytes } = await tornSession(tail);
      assert.equal((await store.read(id)).length, 3);
      const report = await store.verify(id);
      assert.equal(report.ok, false);
      assert.deepEqual({ ...report.damage, reason: '' }, { byteOffset: whole, tornTail: true, reason: '' });
      assert.equal(statSync(log).size, whole + tailBytes, 'verify changes nothing');

      const writer = await store.openWriter(id);
      assert.equal(writer.opened.truncatedTailBytes, tailBytes);
      assert.equal(writer.opened.events.length, 3);
      assert.equal(statSync(log).size, whole);
      assert.equal((await writer.append(userMessage('next'))).seq, 4);
      await writer.close();
      assert.equal((await store.verify(id)).ok, true);
    });
  }

  for (const [what, damage] of [
    ['a bit flipped in the last complete record', (log: string) => flipByte(log, lineOffset(log, 2) + 60)],
    ['a garbage line appended', (log: string) => appendFileSync(log, 'not a record\n')],
    [
      'a whole record with a bad checksum appended',
      (log: string) => {
        const next = encodeRecord('event', JSON.stringify(stampEvent(userMessage('forged'), 4, new Date())));
        appendFileSync(log, Buffer.concat([next.subarray(0, 40), Buffer.from('Z'), next.subarray(41)]));
      },
    ],
  ] as const) {
    it(`is not what ${what} is: that is damage, reported at its offset and never cut off`, async () => {
      const { id, log } = await sessionWith(3);
      const at = what.startsWith('a bit') ? lineOffset(log, 2) : statSync(log).size;
      damage(log);
      const before = readFileSync(log);
      assert.equal((await caught(store.read(id))).byteOffset, at);
      const report = await store.verify(id);
      assert.deepEqual([report.ok, report.damage?.byteOffset, report.damage?.tornTail], [false, at, false]);
      const onOpen = await caught(store.openWriter(id));
      assert.deepEqual([onOpen.code, onOpen.byteOffset], ['LOG_CORRUPT', at]);
      assert.deepEqual(readFileSync(log), before, 'an acknowledged record is never cut off as if it were torn');
    });
  }

  it('is waited for by a follower until the line is whole', async () => {
    const { id, log, events } = await sessionWith(2);
    const next = encodeRecord('event', JSON.stringify(stampEvent(userMessage('slow'), events.length + 1, new Date())));
    appendFileSync(log, next.subarray(0, 25));
    const controller = new AbortController();
    const seen: SessionEvent[] = [];
    const following = (async () => {
      for await (const e of store.follow(id, { signal: controller.signal })) {
        seen.push(e);
        if (seen.length === 2) appendFileSync(log, next.subarray(25));
        if (seen.length === 3) controller.abort();
      }
    })();
    await following;
    assert.deepEqual(
      seen.map((e) => e.seq),
      [1, 2, 3],
    );
    assert.ok(seen[2]?.type === 'user.message' && seen[2].content[0]?.text === 'slow');
  });
});

describe('following a live log', () => {
  it('sees every record another process appends, in order, while it appends', async () => {
    const meta = await store.create({ title: 'live' });
    const controller = new AbortController();
    const seen: SessionEvent[] = [];
    let target = Number.POSITIVE_INFINITY;
    const following = (async () => {
      for await (const e of store.follow(meta.id, { signal: controller.signal })) {
        seen.push(e);
        if (seen.length >= target) controller.abort();
      }
    })();
    const writer = startChild(['append', temp.dir, meta.id]);
    try {
      await writer.waitFor(/^done$/);
      const all = await store.read(meta.id);
      target = all.length;
      if (seen.length >= target) controller.abort();
      await following;
      assert.equal(all.length, 120);
      assert.deepEqual(seen, all);
    } finally {
      writer.process.kill('SIGKILL');
      await writer.exited;
    }
  });
});

describe('blobs', () => {
  it('keep a large event in a content-addressed file that reads back whole', async () => {
    const meta = await store.create({ title: 'blob' });
    const writer = await store.openWriter(meta.id);
    const big = await writer.append(userMessage('y'.repeat(5000)));
    await writer.close();
    const blobDir = join(temp.dir, meta.id, 'blobs');
    const [name] = readdirSync(blobDir);
    assert.ok(name);
    const content = readFileSync(join(blobDir, name));
    assert.equal(createHash('sha256').update(content).digest('hex'), name);
    assert.deepEqual(JSON.parse(content.toString('utf8')), big);
    const line = readFileSync(join(temp.dir, meta.id, 'events.jsonl'), 'utf8');
    assert.match(line, /^\{"crc32":"[0-9a-f]{8}","blob":\{"sha256":"[0-9a-f]{64}","bytes":\d+,"seq":1,/);
    assert.ok(line.length < 400);
    assert.deepEqual(await store.read(meta.id), [big]);
  });

  it('carry a 5 MiB event through a blob file with the default limit, and back whole', async () => {
    const defaults = new FileSessionStore(join(temp.dir, 'defaults'));
    const meta = await defaults.create({ title: '5 MiB' });
    const writer = await defaults.openWriter(meta.id);
    const text = 'ü'.repeat(2.5 * 1024 * 1024);
    const big = await writer.append({
      type: 'agent.tool_result',
      thread: 'sthr_t',
      tool_use_id: 'sevt_x',
      content: [{ type: 'text', text }],
      is_error: false,
    });
    await writer.close();
    const dir = join(temp.dir, 'defaults', meta.id);
    const [name] = readdirSync(join(dir, 'blobs'));
    assert.ok(statSync(join(dir, 'blobs', name as string)).size > 5 * 1024 * 1024);
    assert.ok(statSync(join(dir, 'events.jsonl')).size < 1024, 'the log keeps only a reference');
    const [read] = await defaults.read(meta.id);
    assert.deepEqual(read, big);
    assert.ok(read?.type === 'agent.tool_result' && read.content[0]?.text === text);
  });

  it('missing or damaged, give a clear error on read and damage in verify', async () => {
    const meta = await store.create({ title: 'blob' });
    const writer = await store.openWriter(meta.id);
    await writer.append(userMessage('small'));
    await writer.append(userMessage('z'.repeat(5000)));
    await writer.close();
    const blobDir = join(temp.dir, meta.id, 'blobs');
    const [name] = readdirSync(blobDir);
    const blob = join(blobDir, name as string);
    const offset = lineOffset(join(temp.dir, meta.id, 'events.jsonl'), 1);

    writeFileSync(blob, readFileSync(blob).toString('utf8').replace('zzz', 'zzy'));
    const damaged = await caught(store.read(meta.id));
    assert.equal(damaged.code, 'BLOB_MISSING');
    assert.match(damaged.message, /damaged/);

    unlinkSync(blob);
    const missing = await caught(store.read(meta.id));
    assert.equal(missing.code, 'BLOB_MISSING');
    assert.match(missing.message, new RegExp(`blob ${name} of the record at byte offset ${offset} is missing`));
    const report = await store.verify(meta.id);
    assert.equal(report.ok, false);
    assert.equal(report.damage?.byteOffset, offset);
    assert.equal(report.records, 1, 'the whole records before it');
    assert.match(report.damage?.reason ?? '', /missing/);
  });

  it('are written again when the same content comes while the stored copy is damaged', async () => {
    const meta = await store.create({ title: 'dedupe' });
    const writer = await store.openWriter(meta.id);
    const first = await writer.append(userMessage('q'.repeat(5000)));
    const blobDir = join(temp.dir, meta.id, 'blobs');
    const [name] = readdirSync(blobDir);
    const blob = join(blobDir, name as string);
    const whole = readFileSync(blob);
    // The same content put again (as an identical record would be) finds the stored copy damaged.
    writeFileSync(blob, Buffer.alloc(whole.length, 0x20));
    new BlobStore(meta.id, blobDir).put(whole);
    assert.deepEqual(readFileSync(blob), whole);
    await writer.close();
    assert.deepEqual(await store.read(meta.id), [first]);
  });
});

describe('the writer lock across processes', () => {
  it('refuses a second writer in another process, and takes over once the holder is killed', async () => {
    const meta = await store.create({ title: 'lock' });
    const holder = startChild(['lock', temp.dir, meta.id]);
    try {
      assert.equal(await holder.waitFor(/^locked/), 'locked 1');
      const refused = await caught(store.openWriter(meta.id));
      assert.equal(refused.code, 'SESSION_LOCKED');
      assert.match(refused.message, new RegExp(`pid ${holder.process.pid}`));
      const other = startChild(['lock', temp.dir, meta.id]);
      assert.equal(await other.waitFor(/^refused/), 'refused SESSION_LOCKED');
      await other.exited;
      assert.equal((await caught(store.delete(meta.id))).code, 'SESSION_LOCKED');
    } finally {
      holder.process.kill('SIGKILL');
      await holder.exited;
    }
    // The holder died without releasing: its lock is stale and is taken over with the next fence.
    const writer = await store.openWriter(meta.id);
    assert.equal(writer.fence, 2);
    assert.deepEqual(
      readdirSync(join(temp.dir, meta.id)).filter((n) => n.startsWith('lock')),
      ['lock-2.json'],
    );
    await writer.close();
  });

  it('takes over a stale lock left by a dead pid', async () => {
    const meta = await store.create({ title: 'stale' });
    const dir = join(temp.dir, meta.id);
    writeFileSync(
      join(dir, 'lock-7.json'),
      JSON.stringify({ pid: deadPid(), host: require('node:os').hostname(), fence: 7, acquired_at: '' }),
    );
    const writer = await store.openWriter(meta.id);
    assert.equal(writer.fence, 8);
    assert.equal(existsSync(join(dir, 'lock-7.json')), false);
    await writer.close();
    assert.equal((await store.openWriter(meta.id)).fence, 9);
  });

  it('takes over a lock file that was damaged from outside', async () => {
    const meta = await store.create({ title: 'damaged lock' });
    writeFileSync(join(temp.dir, meta.id, 'lock-2.json'), '{"pid":');
    const writer = await store.openWriter(meta.id);
    assert.equal(writer.fence, 3);
    await writer.close();
  });

  it('lets exactly one of several processes racing for a stale lock win', async () => {
    const meta = await store.create({ title: 'race' });
    writeFileSync(
      join(temp.dir, meta.id, 'lock-3.json'),
      JSON.stringify({ pid: 2 ** 22 + 12345, host: require('node:os').hostname(), fence: 3, acquired_at: '' }),
    );
    const racers = Array.from({ length: 6 }, () => startChild(['lock', temp.dir, meta.id]));
    try {
      const outcomes = await Promise.all(racers.map((r) => r.waitFor(/^(locked|refused)/)));
      assert.deepEqual(
        outcomes.filter((o) => o.startsWith('locked')),
        ['locked 4'],
      );
      assert.equal(outcomes.filter((o) => o === 'refused SESSION_LOCKED').length, 5);
    } finally {
      for (const r of racers) r.process.kill('SIGKILL');
      await Promise.all(racers.map((r) => r.exited));
    }
  });

  it('stops a writer whose session was taken over with FenceLostError, before it writes', async () => {
    const { id, log } = await sessionWith(2);
    const dir = join(temp.dir, id);
    const old = await store.openWriter(id);
    await old.append(userMessage('mine'));
    const size = logBytes(log);
    // Make the holder look dead (as a writer whose process died would), so that a new writer takes over.
    const lockFile = join(dir, `lock-${old.fence}.json`);
    writeFileSync(lockFile, JSON.stringify({ ...JSON.parse(readFileSync(lockFile, 'utf8')), pid: deadPid() }));
    const next = await store.openWriter(id);
    assert.equal(next.fence, old.fence + 1);
    assert.equal((await caught(old.append(userMessage('late')))).code, 'FENCE_LOST');
    assert.equal((await caught(old.append(userMessage('late'), 'batch'))).code, 'FENCE_LOST');
    assert.equal((await caught(old.flush())).code, 'FENCE_LOST');
    assert.equal(logBytes(log), size);
    await old.close();
    assert.equal(existsSync(join(dir, `lock-${next.fence}.json`)), true, 'the new holder keeps its lock');
    assert.equal((await next.append(userMessage('next'))).seq, 4);
    await next.close();
  });
});

describe('the zeros a writer writes ahead of its log', () => {
  it('are in the file while it writes, never in what is read, and cut off when it closes', async () => {
    const { id } = await store.create({ title: 'ahead' });
    const log = join(temp.dir, id, 'events.jsonl');
    const writer = await store.openWriter(id);
    const controller = new AbortController();
    const followed: SessionEvent[] = [];
    const following = (async () => {
      for await (const e of store.follow(id, { signal: controller.signal })) followed.push(e);
    })();
    const events: SessionEvent[] = [];
    for (let i = 0; i < 50; i++) events.push(await writer.append(userMessage(`message ${i} ${'x'.repeat(i * 20)}`)));
    const bytes = logBytes(log);
    assert.ok(statSync(log).size > bytes, `zeros after the log: ${statSync(log).size} > ${bytes}`);
    assert.ok(
      readFileSync(log)
        .subarray(bytes)
        .every((b) => b === 0),
    );
    assert.deepEqual(await store.read(id), events);
    assert.deepEqual(await store.verify(id), { ok: true, records: 50, bytes });
    const page = await store.readPage(id, { fromSeq: 48 });
    assert.deepEqual([page.events.map((e) => e.seq), page.next], [[48, 49, 50], { offset: bytes, seq: 51 }]);
    while (followed.length < 50) await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort();
    await following;
    assert.deepEqual(followed, events);
    await writer.close();
    assert.equal(statSync(log).size, bytes, 'a closed log is its records, nothing after them');
  });

  it('left by a writer that died are not a torn tail: the log reads and verifies whole, the next writer cuts them', async () => {
    const { id, log, events } = await sessionWith(3);
    const whole = statSync(log).size;
    appendFileSync(log, Buffer.alloc(100_000));
    assert.deepEqual(await store.read(id), events);
    assert.deepEqual(await store.verify(id), { ok: true, records: 3, bytes: whole });
    const writer = await store.openWriter(id);
    assert.equal(writer.opened.truncatedTailBytes, 0);
    assert.equal(statSync(log).size, whole);
    await writer.close();
  });

  it('after a torn record make it no less torn: it alone is cut, and counted', async () => {
    const { id, log, events } = await sessionWith(3);
    const whole = statSync(log).size;
    const next = encodeRecord('event', JSON.stringify(stampEvent(userMessage('torn'), 4, new Date())));
    // A power cut can leave any of the pages of the last write on disk, and the zeros after it.
    appendFileSync(
      log,
      Buffer.concat([next.subarray(0, 30), Buffer.alloc(4096), next.subarray(60), Buffer.alloc(70_000)]),
    );
    assert.deepEqual(await store.read(id), events);
    const report = await store.verify(id);
    assert.deepEqual([report.ok, report.damage?.byteOffset, report.damage?.tornTail], [false, whole, true]);
    const writer = await store.openWriter(id);
    assert.equal(writer.opened.truncatedTailBytes, 30 + 4096 + next.length - 60);
    assert.equal(statSync(log).size, whole);
    await writer.close();
  });

  it('followed by lines written from outside are damage at the zeros, never cut off', async () => {
    const { id, log } = await sessionWith(3);
    const whole = statSync(log).size;
    appendFileSync(log, Buffer.alloc(5000));
    appendFileSync(log, 'not a record\nnor this\n');
    const before = readFileSync(log);
    assert.equal((await caught(store.read(id))).byteOffset, whole);
    const report = await store.verify(id);
    assert.deepEqual([report.ok, report.damage?.byteOffset, report.damage?.tornTail], [false, whole, false]);
    assert.equal((await caught(store.openWriter(id))).code, 'LOG_CORRUPT');
    assert.deepEqual(readFileSync(log), before);
  });
});
