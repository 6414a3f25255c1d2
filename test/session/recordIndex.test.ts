// The writer's record index (recordIndex.ts): one thread's events, or some event types', read by exact
// offset — the same events a full read gives, blobs resolved, appends after the first read included; the
// index checkpointed on close and taken up by the next writer, so a read touches that thread's records
// only (a damaged record of another thread is never read); a checkpoint that points elsewhere or is
// damaged is rebuilt from the log, never trusted.
import assert from 'node:assert/strict';
import { existsSync, openSync, readFileSync, readSync, closeSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import { LogCorruptError } from '../../src/core/errors.ts';
import type { EventInput, SessionEvent } from '../../src/core/events/sessionEvent.ts';
import type { SessionWriter } from '../../src/core/session/sessionStore.ts';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { RECORD_INDEX_FILE } from '../../src/node/session/recordIndexFile.ts';
import { userMessage } from '../conformance/sessionStoreConformance.ts';
import { agentCycle } from './realisticEvents.ts';
import { makeTempDir } from './tempDir.ts';

let temp: { dir: string; remove(): void };
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.remove());

const INDEX_FILE = RECORD_INDEX_FILE;

/** Cycles of the realistic mix over two threads, with a short third thread (`sthr_reviewer`) among them. */
function mixed(cycles: number): EventInput[] {
  const events: EventInput[] = [];
  for (let i = 0; i < cycles; i++) {
    events.push(...agentCycle(i));
    if (i % 7 === 3) events.push(userMessage(`review ${i}`, 'sthr_reviewer'));
  }
  return events;
}

async function writeAll(store: FileSessionStore, id: string, events: EventInput[]): Promise<void> {
  const writer = await store.openWriter(id);
  for (let i = 0; i < events.length; i += 50) await writer.appendMany(events.slice(i, i + 50), 'batch');
  await writer.close();
}

const ofThread = (events: SessionEvent[], thread: string) => events.filter((e) => e.thread === thread);
const ofTypes = (events: SessionEvent[], types: string[]) => events.filter((e) => types.includes(e.type));

/** Opens a writer of the session for `use`, and closes it after, whatever `use` throws. */
async function withWriter<T>(
  store: FileSessionStore,
  id: string,
  use: (writer: SessionWriter) => T | Promise<T>,
): Promise<T> {
  const writer = await store.openWriter(id);
  try {
    return await use(writer);
  } finally {
    await writer.close();
  }
}

/** A session of `cycles` of the mix whose record index a writer used and saved on close. */
async function indexedSession(
  title: string,
  cycles: number,
): Promise<{ store: FileSessionStore; id: string; file: string; firstRead: SessionEvent[] }> {
  const store = new FileSessionStore(temp.dir, { checkpointRecords: 64 });
  const { id } = await store.create({ title });
  await writeAll(store, id, mixed(cycles));
  const firstRead = await withWriter(store, id, (writer) => writer.readThread('sthr_reviewer'));
  return { store, id, file: join(store.sessionDir(id), INDEX_FILE), firstRead };
}

describe('the record index', () => {
  it("reads a thread's events and some types' as a full read has them, blobs and later appends included", async () => {
    const store = new FileSessionStore(temp.dir, { blobThresholdBytes: 8 * 1024, readWindowBytes: 64 * 1024 });
    const { id } = await store.create({ title: 'index' });
    await writeAll(store, id, mixed(60));
    await withWriter(store, id, async (writer) => {
      const types = ['agent.tool_result', 'user.message'];
      const before = await store.read(id);
      assert.ok(before.some((e) => e.type === 'agent.tool_result' && JSON.stringify(e).length > 8 * 1024));
      assert.deepEqual(writer.readThread('sthr_reviewer'), ofThread(before, 'sthr_reviewer'));
      assert.deepEqual(writer.readThread('sthr_coder'), ofThread(before, 'sthr_coder'));
      assert.deepEqual(writer.readEventsOfTypes(types), ofTypes(before, types));
      assert.deepEqual(writer.readThread('sthr_nobody'), []);
      // Kept current by the writer once in use: appends after the first read are found too.
      await writer.appendMany([...agentCycle(61), userMessage('late', 'sthr_reviewer')]);
      const after = await store.read(id);
      assert.deepEqual(writer.readThread('sthr_reviewer'), ofThread(after, 'sthr_reviewer'));
      assert.deepEqual(writer.readEventsOfTypes(types), ofTypes(after, types));
    });
  });

  it('is checkpointed on close and taken up by the next writer, which reads only the records it wants', async () => {
    const { store, id, file, firstRead } = await indexedSession('checkpointed', 200);
    assert.ok(existsSync(file), 'saved on close');
    const expected = ofThread(await store.read(id), 'sthr_reviewer');
    assert.deepEqual(firstRead, expected);
    // A record of another thread, early in the log, is damaged: a full read (or a scan of the log) meets it.
    const logPath = join(store.sessionDir(id), 'events.jsonl');
    const coderResult = (await store.read(id)).find((e) => e.thread === 'sthr_coder' && e.type === 'agent.tool_result');
    flipByteOf(logPath, (coderResult as SessionEvent).id);
    await assert.rejects(store.read(id), LogCorruptError);
    await withWriter(store, id, (second) => {
      assert.deepEqual(second.readThread('sthr_reviewer'), expected, 'read by offset: the damaged record is not read');
      // The damaged record's thread is read through it, and the damage is reported, not skipped.
      assert.throws(() => second.readThread('sthr_coder'), LogCorruptError);
    });
  });

  it('behind the log (a writer that never read a thread appended since), is its checkpoint plus the records after it', async () => {
    const { store, id, file } = await indexedSession('behind', 80);
    const saved = readFileSync(file);
    await writeAll(store, id, mixed(40));
    assert.ok(readFileSync(file).equals(saved), 'not in use: not saved');
    const all = await store.read(id);
    // The index's checkpoint before it had a file of its own is never read, and goes.
    const old = join(store.sessionDir(id), 'fold-record-index.json');
    writeFileSync(old, '00000000\n{}\n');
    await withWriter(store, id, (second) => {
      assert.deepEqual(second.readThread('sthr_reviewer'), ofThread(all, 'sthr_reviewer'));
      assert.deepEqual(second.readEventsOfTypes(['user.message']), ofTypes(all, ['user.message']));
    });
    assert.equal(existsSync(old), false);
  });

  it('taken up, added to and saved again by writer after writer, reads as the log has it', async () => {
    const { store, id, file } = await indexedSession('generations', 60);
    const recordsIn = (): number => indexFile(file).header.records;
    const first = recordsIn();
    // Taken up as saved, never rebuilt: a rebuild would scan the log from its start and meet this damage.
    const coderResult = (await store.read(id)).find((e) => e.thread === 'sthr_coder' && e.type === 'agent.tool_result');
    flipByteOf(join(store.sessionDir(id), 'events.jsonl'), (coderResult as SessionEvent).id);
    for (let generation = 0; generation < 3; generation++) {
      await withWriter(store, id, async (writer) => {
        // Appends go on from the checkpoint's last entry of each key, without decoding the rest.
        await writer.appendMany(mixed(20 + generation), 'sync');
        writer.readThread('sthr_reviewer'); // in use: saved on close
      });
    }
    flipByteOf(join(store.sessionDir(id), 'events.jsonl'), (coderResult as SessionEvent).id); // undone
    const all = await store.read(id);
    const saved = indexFile(file).header;
    assert.ok(saved.records > first, 'saved again by a writer that took it up');
    const reviewer = keyOf(saved, 'thread sthr_reviewer');
    assert.equal(
      reviewer[COUNT],
      ofThread(all, 'sthr_reviewer').filter((e) => e.seq <= saved.records).length,
      'a count beside the steps',
    );
    await withWriter(store, id, (next) => {
      assert.deepEqual(next.readThread('sthr_reviewer'), ofThread(all, 'sthr_reviewer'));
      assert.deepEqual(next.readEventsOfTypes(['user.message']), ofTypes(all, ['user.message']));
    });
  });

  it('is rebuilt when its steps disagree with the count and last entry beside them, or it is of another version', async () => {
    const { store, id, file } = await indexedSession('forged', 60);
    const all = await store.read(id);
    const { header, data } = indexFile(file);
    const coder = keyOf(header, 'thread sthr_coder');
    const count = coder[COUNT] as number;
    coder[COUNT] = count - 1; // one record fewer than its steps say
    writeIndexFile(file, header, data);
    await withWriter(store, id, (writer) => {
      assert.deepEqual(writer.readThread('sthr_coder'), ofThread(all, 'sthr_coder'));
    });
    const rebuilt = indexFile(file);
    assert.equal(keyOf(rebuilt.header, 'thread sthr_coder')[COUNT], count, 'rebuilt and saved');
    writeIndexFile(file, { ...rebuilt.header, version: 2 }, rebuilt.data);
    await withWriter(store, id, (writer) => {
      assert.deepEqual(writer.readThread('sthr_coder'), ofThread(all, 'sthr_coder'), 'another version is not taken up');
    });
  });

  it("reads one key's bytes of its checkpoint: another key's damage is not met, its own sends it to a rebuild", async () => {
    const { store, id, file } = await indexedSession('keyed', 100);
    const all = await store.read(id);
    const { header, data } = indexFile(file);
    const flipped = (key: string): Buffer => {
      const copy = Buffer.from(data);
      const at = keyOf(header, key)[START] as number;
      copy[at] = (copy[at] as number) ^ 0x01;
      return copy;
    };
    // Another key's bytes damaged, and the log damaged where a rebuild would read it: neither is met.
    writeIndexFile(file, header, flipped('thread sthr_coder'));
    const coderResult = all.find((e) => e.thread === 'sthr_coder' && e.type === 'agent.tool_result');
    flipByteOf(join(store.sessionDir(id), 'events.jsonl'), (coderResult as SessionEvent).id);
    await withWriter(store, id, (writer) => {
      assert.deepEqual(writer.readThread('sthr_reviewer'), ofThread(all, 'sthr_reviewer'));
    });
    flipByteOf(join(store.sessionDir(id), 'events.jsonl'), (coderResult as SessionEvent).id); // undone
    // Its own bytes damaged (their crc32 no longer holds): rebuilt from the log, read right.
    writeIndexFile(file, header, flipped('thread sthr_reviewer'));
    await withWriter(store, id, (writer) => {
      assert.deepEqual(writer.readThread('sthr_reviewer'), ofThread(all, 'sthr_reviewer'));
      assert.deepEqual(writer.readThread('sthr_coder'), ofThread(all, 'sthr_coder'));
    });
    // A damaged key added to before any read (an append goes on from its bytes): the append is not refused.
    writeIndexFile(file, header, flipped('thread sthr_coder'));
    await withWriter(store, id, async (writer) => {
      writer.readThread('sthr_reviewer'); // in use
      await writer.appendMany(mixed(2), 'sync');
      const now = await store.read(id);
      assert.deepEqual(writer.readThread('sthr_coder'), ofThread(now, 'sthr_coder'));
    });
  });

  it('is rebuilt from the log when its checkpoint points elsewhere or is damaged', async () => {
    const { store, id, file } = await indexedSession('rebuilt', 100);
    const all = await store.read(id);
    const saved = readFileSync(file);
    // The two long threads' entries swapped: the checkpoint is whole and matches the log, its offsets do not.
    const { header, data } = indexFile(file);
    const coder = keyOf(header, 'thread sthr_coder');
    const coordinator = keyOf(header, 'thread sthr_coordinator');
    [coder[0], coordinator[0]] = [coordinator[0], coder[0]];
    writeIndexFile(file, header, data);
    await withWriter(store, id, (second) => {
      assert.deepEqual(second.readThread('sthr_coder'), ofThread(all, 'sthr_coder'));
      assert.deepEqual(second.readThread('sthr_coordinator'), ofThread(all, 'sthr_coordinator'));
    });
    // Damaged in its header (its checksum no longer holds): ignored.
    const damaged = Buffer.from(saved);
    damaged[40] = (damaged[40] as number) ^ 0x01;
    writeFileSync(file, damaged);
    await withWriter(store, id, (third) => {
      assert.deepEqual(third.readThread('sthr_reviewer'), ofThread(all, 'sthr_reviewer'));
    });
  });
});

/** Where a key's entry in the index file's header keeps its steps' start and its count of records. */
const START = 1;
const COUNT = 4;
interface IndexHeader {
  records: number;
  version: number;
  keys: unknown[][];
}

/** The index file as its header and the bytes after it. */
function indexFile(file: string): { header: IndexHeader; data: Buffer } {
  const bytes = readFileSync(file);
  const newline = bytes.indexOf(0x0a, 9);
  return { header: JSON.parse(bytes.toString('utf8', 9, newline)) as IndexHeader, data: bytes.subarray(newline + 1) };
}

/** Writes an index file with this header, its checksum made right again (a forged, well-formed one). */
function writeIndexFile(file: string, header: IndexHeader, data: Buffer): void {
  const json = JSON.stringify(header);
  writeFileSync(file, Buffer.concat([Buffer.from(`${crc32(json).toString(16).padStart(8, '0')}\n${json}\n`), data]));
}

function keyOf(header: IndexHeader, key: string): unknown[] {
  const entry = header.keys.find((e) => e[0] === key);
  assert.ok(entry, `the header lists ${key}`);
  return entry;
}

/** Flips one byte inside the record of event `eventId` (in its text, past the id). */
function flipByteOf(logPath: string, eventId: string): void {
  const bytes = readFileSync(logPath);
  const at = bytes.indexOf(`"id":"${eventId}"`);
  assert.ok(at > 0);
  const start = bytes.lastIndexOf('\n', at) + 1;
  const target = start + 200;
  const fd = openSync(logPath, 'r+');
  try {
    const one = Buffer.alloc(1);
    readSync(fd, one, 0, 1, target);
    one[0] = (one[0] as number) ^ 0x01;
    writeSync(fd, one, 0, 1, target);
  } finally {
    closeSync(fd);
  }
}
