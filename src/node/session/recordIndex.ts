// Where each thread's records are in a session's log, and each event type's: what lets the harness read
// the thread it steps (its transcript, its facts) and the few event types supervision folds, by exact
// offset, instead of holding a log of gigabytes. Memory is that of the records read, not of the log.
//
// The index is built on first use, so a wake that decides from the state alone never pays for it: from its
// checkpoint (`fold-record-index.bin`, recordIndexFile.ts: checked against the log as a fold checkpoint is,
// and read one key at a time) plus a scan of the records after it. From then on the writer adds each record
// as it writes it, and saves the index with its own checkpoints once the log has doubled since the last save,
// and on close (it grows with the log, as the Event Log's index does).
//
// An entry is never trusted blindly: each read checks that a whole record with the entry's seq and a good
// checksum starts at its offset. One that does not (a log rewritten behind the checkpoint's back) makes the
// index be rebuilt from the log's first record; damage the rebuild meets is a LogCorruptError.
import { LogCorruptError } from '../../core/errors.ts';
import type { SessionEvent } from '../../core/events/sessionEvent.ts';
import type { LogCursor } from '../../core/session/sessionStore.ts';
import { afterCheckpoint, checkpointMatchesSync, type CheckpointPosition } from './foldCheckpoint.ts';
import { LOG_START, readFullySync, scanLogSync } from './logScan.ts';
import { decodeRecords, type BlobRef } from './recordCodec.ts';
import {
  RECORD_INDEX_FILE,
  recordIndexFileData,
  removeOldRecordIndexFile,
  StoredRecordIndex,
} from './recordIndexFile.ts';

/** The records of one key, in log order, kept as its checkpoint holds them: each record as its steps from
 * the one before (seq, then offset), two base-128 varints. A million records' index is a few megabytes, a
 * save writes each key's bytes as they are (nothing is decoded or encoded again on the append path), and a
 * key's entries are decoded only when it is read. */
interface Entries {
  /** The steps, in `bytes[0, length)`; until the key is next added to, `stored` (read from its checkpoint). */
  bytes: Buffer;
  length: number;
  stored?: () => Buffer;
  count: number;
  lastSeq: number;
  lastOffset: number;
}
export type RecordKeys = Map<string, Entries>;
/** A key to read, and what each of its records must be (an entry is checked, never trusted). */
interface Wanted {
  key: string;
  holds(event: SessionEvent): boolean;
}

const threadKey = (threadId: string): string => `thread ${threadId}`;
const typeKey = (type: string): string => `type ${type}`;
const NO_BYTES = Buffer.alloc(0);

export function newRecordKeys(): RecordKeys {
  return new Map();
}

/** The checkpoint file's bytes for `keys` as of `at` (the writer's, or a generator's that writes a log
 * straight to disk). Throws EntryMismatch when a key still in an older checkpoint no longer reads back. */
export function recordIndexData(keys: RecordKeys, at: CheckpointPosition): Buffer {
  return recordIndexFileData(
    at,
    [...keys].map(([key, e]) => ({
      key,
      steps: e.stored ? e.stored() : e.bytes.subarray(0, e.length),
      count: e.count,
      lastSeq: e.lastSeq,
      lastOffset: e.lastOffset,
    })),
  );
}

/** The writer's log, as the index reads it. */
export interface IndexedLog {
  /** The writer's descriptor (read with positioned reads only). */
  fd: number;
  /** Bytes of whole records written so far. */
  size(): number;
  dir: string;
  sessionId: string;
  loadBlob(ref: BlobRef, byteOffset: number): Buffer;
  windowBytes?: number;
}

export class RecordIndex {
  /** Undefined until first use. */
  private keys: RecordKeys | undefined;
  /** Seq of the last record in `keys`, and of the last record its latest checkpoint holds. */
  private through = 0;
  private saved = 0;
  /** The checkpoint `keys` started from, whose keys not added to since are read from it. */
  private stored: StoredRecordIndex | undefined;

  constructor(private readonly log: IndexedLog) {}

  /** A record the writer has just written at `offset` (kept only once the index is in use). */
  add(event: SessionEvent, offset: number): void {
    if (!this.keys) return;
    try {
      indexRecord(this.keys, event, offset);
    } catch (error) {
      // A key whose checkpoint bytes no longer read back: the append goes on, the index is rebuilt when next read.
      if (!(error instanceof EntryMismatch)) throw error;
      this.drop();
      return;
    }
    this.through = event.seq;
  }

  /** The thread's events written so far, in order. */
  threadEvents(threadId: string): SessionEvent[] {
    return this.read([{ key: threadKey(threadId), holds: (e) => e.thread === threadId }]);
  }

  /** The events of these types written so far, in order. */
  eventsOfTypes(types: readonly string[]): SessionEvent[] {
    return this.read(types.map((type) => ({ key: typeKey(type), holds: (e) => e.type === type })));
  }

  /** Every record from `from` to the end of what the writer has written, read in windows (not through the index). */
  recordsFrom(from: LogCursor): SessionEvent[] {
    const events: SessionEvent[] = [];
    const scanned = scanLogSync(this.log.fd, {
      from,
      endOffset: this.log.size(),
      loadBlob: (ref, offset) => this.log.loadBlob(ref, offset),
      onEvents: (read) => events.push(...read),
      ...(this.log.windowBytes ? { windowBytes: this.log.windowBytes } : {}),
    });
    const bad = scanned.damage ?? scanned.tail;
    if (bad) throw new LogCorruptError(this.log.sessionId, bad.byteOffset, bad.reason);
    return events;
  }

  /** Records written since the index's latest checkpoint (0 while it is not in use). */
  get unsaved(): number {
    return this.keys ? this.through - this.saved : 0;
  }

  /** The index's checkpoint as of `at` (the writer's checkpoint position), when one is due: once the log has
   * doubled since the last, or when closing. Made now; written by the writer once `at` is durable. */
  checkpoint(at: CheckpointPosition, closing: boolean): { file: string; data: Buffer } | undefined {
    if (!this.keys || this.through !== at.records || at.records <= this.saved) return undefined;
    if (!closing && at.records < 2 * this.saved) return undefined;
    let data: Buffer;
    try {
      data = recordIndexData(this.keys, at);
    } catch (error) {
      if (!(error instanceof EntryMismatch)) throw error;
      this.drop(); // its checkpoint changed under it: rebuilt from the log at the next read
      return undefined;
    }
    this.saved = at.records;
    return { file: RECORD_INDEX_FILE, data };
  }

  /** Lets go of the checkpoint it reads keys from (the writer closes). */
  close(): void {
    this.drop();
  }

  private drop(): void {
    this.keys = undefined;
    this.stored?.close();
    this.stored = undefined;
  }

  private read(wanted: readonly Wanted[]): SessionEvent[] {
    try {
      return this.readEntries(this.built(false), wanted);
    } catch (error) {
      if (!(error instanceof EntryMismatch)) throw error;
    }
    this.drop();
    try {
      return this.readEntries(this.built(true), wanted);
    } catch (error) {
      if (!(error instanceof EntryMismatch)) throw error;
      // Built from the log a moment ago, and still not there: the log changed under its writer.
      throw new LogCorruptError(this.log.sessionId, error.offset, 'the record index and the log disagree');
    }
  }

  private built(fromStart: boolean): RecordKeys {
    if (this.keys) return this.keys;
    const { fd, dir, sessionId } = this.log;
    const size = this.log.size();
    removeOldRecordIndexFile(dir);
    let stored = fromStart ? undefined : StoredRecordIndex.open(dir);
    if (stored && !checkpointMatchesSync(fd, size, stored.position)) {
      stored.close();
      stored = undefined;
    }
    const keys = stored ? keysOf(stored) : newRecordKeys();
    const checkpoint = stored?.position;
    const scanned = scanLogSync(fd, {
      from: checkpoint ? afterCheckpoint(checkpoint) : LOG_START,
      endOffset: size,
      withOffsets: true,
      loadBlob: (ref, offset) => this.log.loadBlob(ref, offset),
      onEvents: (events, offsets) => events.forEach((e, i) => indexRecord(keys, e, offsets[i] as number)),
      ...(this.log.windowBytes ? { windowBytes: this.log.windowBytes } : {}),
    });
    const bad = scanned.damage ?? scanned.tail;
    if (bad) {
      stored?.close();
      throw new LogCorruptError(sessionId, bad.byteOffset, bad.reason);
    }
    this.stored = stored;
    this.keys = keys;
    this.through = scanned.end.seq - 1;
    this.saved = checkpoint?.records ?? 0;
    return keys;
  }

  private readEntries(keys: RecordKeys, wanted: readonly Wanted[]): SessionEvent[] {
    const lists = wanted.flatMap((w) => {
      const entries = keys.get(w.key);
      return entries ? [{ ...decodedEntries(entries), holds: w.holds }] : [];
    });
    const reader = new RecordReader(this.log);
    const events: SessionEvent[] = [];
    // Each list is in seq order; several (event types) are merged.
    const at = lists.map(() => 0);
    for (;;) {
      let next = -1;
      for (let i = 0; i < lists.length; i++) {
        const seq = (lists[i] as Decoded).seqs[at[i] as number];
        if (seq !== undefined && (next < 0 || seq < ((lists[next] as Decoded).seqs[at[next] as number] as number)))
          next = i;
      }
      if (next < 0) return events;
      const list = lists[next] as Decoded & Pick<Wanted, 'holds'>;
      const k = (at[next] as number)++;
      const offset = list.offsets[k] as number;
      const event = reader.recordAt(offset, list.seqs[k] as number);
      if (!list.holds(event)) throw new EntryMismatch(offset);
      events.push(event);
    }
  }
}

/** Adds the record of `event` at `offset` to an index's keys (the writer's, or a generator's that writes a log straight to disk). */
export function indexRecord(keys: RecordKeys, event: SessionEvent, offset: number): void {
  for (const key of [threadKey(event.thread), typeKey(event.type)]) {
    let entries = keys.get(key);
    if (!entries) keys.set(key, (entries = { bytes: NO_BYTES, length: 0, count: 0, lastSeq: 0, lastOffset: 0 }));
    addEntry(entries, event.seq, offset);
  }
}

/** The most bytes one record's two steps take (a seq and an offset below 2^53, 8 varint bytes each). */
const MAX_ENTRY_BYTES = 16;

function addEntry(entries: Entries, seq: number, offset: number): void {
  if (entries.stored) {
    // The first record added since the checkpoint: its steps go on from the checkpoint's, read as they are.
    entries.bytes = entries.stored();
    entries.length = entries.bytes.length;
    delete entries.stored;
  }
  if (entries.length + MAX_ENTRY_BYTES > entries.bytes.length) {
    const grown = Buffer.allocUnsafe(Math.max(256, 2 * entries.bytes.length));
    entries.bytes.copy(grown, 0, 0, entries.length);
    entries.bytes = grown;
  }
  entries.length = writeStep(entries.bytes, entries.length, seq - entries.lastSeq);
  entries.length = writeStep(entries.bytes, entries.length, offset - entries.lastOffset);
  entries.count++;
  entries.lastSeq = seq;
  entries.lastOffset = offset;
}

/** One step as a base-128 varint at `at`; returns where the next goes. Arithmetic, not bit operations:
 * offsets pass 2^31. */
function writeStep(bytes: Buffer, at: number, step: number): number {
  while (step >= 128) {
    bytes[at++] = (step % 128) + 128;
    step = Math.floor(step / 128);
  }
  bytes[at++] = step;
  return at;
}

interface Decoded {
  seqs: number[];
  offsets: number[];
}

/** A key's entries as numbers. Steps that do not decode, or that disagree with the count and the last seq
 * and offset kept beside them (a damaged or foreign checkpoint), are an EntryMismatch: the index is rebuilt. */
function decodedEntries(entries: Entries): Decoded {
  const bytes = entries.stored ? entries.stored() : entries.bytes.subarray(0, entries.length);
  const seqs: number[] = [];
  const offsets: number[] = [];
  let seq = 0;
  let offset = 0;
  for (let at = 0; at < bytes.length;) {
    const seqStep = readStep(bytes, at);
    if (!seqStep || seqStep.step === 0) throw new EntryMismatch(0);
    const offsetStep = readStep(bytes, seqStep.next);
    if (!offsetStep || (seqs.length > 0 && offsetStep.step === 0)) throw new EntryMismatch(0);
    seq += seqStep.step;
    offset += offsetStep.step;
    seqs.push(seq);
    offsets.push(offset);
    at = offsetStep.next;
  }
  if (seqs.length !== entries.count || seq !== entries.lastSeq || offset !== entries.lastOffset)
    throw new EntryMismatch(0);
  return { seqs, offsets };
}

function readStep(bytes: Buffer, at: number): { step: number; next: number } | undefined {
  let step = 0;
  let scale = 1;
  for (;;) {
    const byte = bytes[at++];
    if (byte === undefined || scale > 2 ** 49) return undefined;
    step += (byte % 128) * scale;
    if (byte < 128) return { step, next: at };
    scale *= 128;
  }
}

/** The keys of a checkpoint, each read from it when first wanted (a key that does not read back is an
 * EntryMismatch: the index is rebuilt). */
function keysOf(stored: StoredRecordIndex): RecordKeys {
  const keys = newRecordKeys();
  for (const k of stored.keys) {
    keys.set(k.key, {
      bytes: NO_BYTES,
      length: 0,
      stored: () => {
        const steps = stored.steps(k);
        if (!steps) throw new EntryMismatch(0);
        return steps;
      },
      count: k.count,
      lastSeq: k.lastSeq,
      lastOffset: k.lastOffset,
    });
  }
  return keys;
}

class EntryMismatch extends Error {
  constructor(readonly offset: number) {
    super(`no record of the index at byte ${offset}`);
  }
}

/** Bytes read at a time: records of one thread often lie close together, and a window serves several. */
const READ_WINDOW_BYTES = 256 * 1024;

/** Reads single records at exact offsets through a window it reuses. */
class RecordReader {
  private buf = Buffer.allocUnsafe(READ_WINDOW_BYTES);
  private start = 0;
  private got = 0;

  constructor(private readonly log: IndexedLog) {}

  recordAt(offset: number, seq: number): SessionEvent {
    const line = this.lineAt(offset);
    const decoded = decodeRecords(line, {
      baseOffset: offset,
      firstSeq: seq,
      loadBlob: (ref, at) => this.log.loadBlob(ref, at),
      endsLog: false,
    });
    const event = decoded.events[0];
    if (decoded.records !== 1 || event === undefined) throw new EntryMismatch(offset);
    return event;
  }

  /** The line that starts at `offset`, with its newline (without one only where the log ends). */
  private lineAt(offset: number): Buffer {
    if (offset >= this.start && offset < this.start + this.got) {
      const newline = this.buf.subarray(0, this.got).indexOf(0x0a, offset - this.start);
      if (newline >= 0) return this.buf.subarray(offset - this.start, newline + 1);
    }
    for (let length = READ_WINDOW_BYTES; ; length *= 2) {
      if (this.buf.length < length) this.buf = Buffer.allocUnsafe(length);
      const want = Math.max(0, Math.min(length, this.log.size() - offset));
      this.start = offset;
      this.got = readFullySync(this.log.fd, this.buf.subarray(0, want), offset);
      const newline = this.buf.subarray(0, this.got).indexOf(0x0a);
      if (newline >= 0) return this.buf.subarray(0, newline + 1);
      if (this.got < length) return this.buf.subarray(0, this.got);
    }
  }
}
