// The one writer of a session's log file. Each record is one line handed to the kernel in one write(2)
// at the log's end (the lock makes this the only writer), so a crash leaves at most a torn tail.
//
// The file is kept longer than the log by zeros written ahead (zerosAhead.ts), which readers leave out
// (logScan.ts); close() cuts them off, and so does the next opening after a crash.
//
// The writer runs on the event loop of VS Code's extension host, which every extension shares: it must
// never wait for the disk there. So a record is written synchronously (a small write lands in the page
// cache in microseconds, and writing at call time keeps records in call order, i.e. in seq order), but
// the fdatasync that makes it durable runs in libuv's thread pool (datasyncQueue.ts). A 'sync' append
// resolves once an fdatasync that *started after its write* has returned: that covers the record and
// every one before it. Appends that arrive while an fdatasync is in flight wait for the next one, which
// then covers all of them at once (group commit): one fdatasync per disk round trip, however many
// threads append. 'batch' appends become durable with the next 'sync' append, flush() or close().
import { closeSync, ftruncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { LogFullError } from '../../core/errors.ts';
import type { EventInput, SessionEvent } from '../../core/events/sessionEvent.ts';
import type {
  AppendReceipt,
  Durability,
  LogCursor,
  OpenedLog,
  SessionWriter,
} from '../../core/session/sessionStore.ts';
import { stampEvent } from '../../core/session/storeRules.ts';
import type { BlobStore } from './blobStore.ts';
import { datasync } from './datasyncQueue.ts';
import { writeFileAtomic } from './durableFiles.ts';
import type { KeptFolds } from './keptFolds.ts';
import type { LogIndex } from './logIndex.ts';
import type { RecordIndex } from './recordIndex.ts';
import { lineCrc, RecordEncoder, recordFor, recordLineBytes } from './recordCodec.ts';
import type { RecordKind } from './recordCodec.ts';
import type { WriterLock } from './writerLock.ts';
import { cutZerosAhead, writeZerosAhead } from './zerosAhead.ts';

const FENCE_CHECK_MS = 50;
/** A fold checkpoint is written after `WriterFile.checkpointRecords` records or this many bytes (whichever
 * comes first), so that a wake folds at most that much of the log; and on close once this many records
 * (or fewer, when checkpoints come more often) are not in one. */
const CHECKPOINT_BYTES = 8 * 1024 * 1024;
const CHECKPOINT_ON_CLOSE_RECORDS = 256;
/** An index point every this many bytes; a checkpoint keeps at most CHECKPOINT_INDEX_POINTS of them. */
const INDEX_BYTES = 1024 * 1024;
const CHECKPOINT_INDEX_POINTS = 4096;
/** The end of the log kept for the records that say how a run ended (its error, the session going idle), so
 * that a session stopped by its size limit says why in its own log: 64 KiB, or an eighth of a small limit. */
const END_RECORDS_RESERVE_BYTES = 64 * 1024;
const END_RECORD_TYPES: ReadonlySet<string> = new Set([
  'session.error',
  'session.status_idle',
  'session.status_rescheduled',
  'session.status_terminated',
  'session.thread_status_idle',
  'session.thread_status_rescheduled',
  'session.thread_status_terminated',
]);

export interface WriterFile {
  fd: number;
  /** Bytes of whole records in the file. */
  size: number;
  /** Bytes in the file: `size` and the zeros written ahead after it. */
  allocated: number;
  lastSeq: number;
  /** The last whole record (for the checkpoint to be checked against). */
  lastRecord: { offset: number; crc32: string } | undefined;
  /** The session folder, where the fold checkpoint goes. */
  dir: string;
  /** Seq of the last record the newest fold checkpoint holds. */
  checkpointed: number;
  /** The size the log may reach (LOG_FULL past it). */
  maxBytes: number;
  /** Records between checkpoints (DEFAULT_CHECKPOINT_RECORDS unless a test makes it small). */
  checkpointRecords: number;
  /** What to tell the person when the log has grown to `size`, or undefined while it is far from its limit. */
  sizeWarning(size: number): string | undefined;
}

/** Someone waiting until the first `upTo` records written are on disk. */
interface DurableWaiter {
  upTo: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class FileSessionWriter implements SessionWriter {
  /** Set as close() begins: no appends after it. */
  private closed = false;
  private closing: Promise<void> | undefined;
  /** Set when the file is in an unknown state (failed write or fsync): no more appends. */
  private broken: Error | undefined;
  /** Records handed to the kernel, and records known to be on disk (counted from this writer's open). */
  private written = 0;
  private durable = 0;
  /** The fdatasync in flight, if any: at most one per file, so that appenders share it. */
  private syncing: Promise<void> | undefined;
  /** In record order; `upTo` never decreases along the list. */
  private waiters: DurableWaiter[] = [];
  private fenceCheckedAt = 0;
  private lost: Error | undefined;
  private checkpointing: Promise<void> | undefined;
  private checkpointedBytes: number;
  private readonly encoder = new RecordEncoder();
  /** Whether the person has been told that the log nears its limit (at the opening, or by an append since). */
  private sizeWarned: boolean;
  private sizeListener: ((message: string) => void) | undefined;
  /** Where the log ended when this writer opened it. */
  private readonly openedEnd: LogCursor;

  constructor(
    readonly sessionId: string,
    private readonly lock: WriterLock,
    private readonly file: WriterFile,
    private readonly blobs: BlobStore,
    private readonly blobThresholdBytes: number,
    /** The log folded so far, kept current on every append: what the next checkpoints save. */
    private readonly folds: KeptFolds,
    private readonly index: LogIndex,
    /** Where each thread's and each event type's records are (built on first read). */
    private readonly records: RecordIndex,
    readonly opened: OpenedLog,
  ) {
    this.checkpointedBytes = file.checkpointed > 0 ? file.size : 0;
    this.openedEnd = { offset: file.size, seq: file.lastSeq + 1 };
    this.sizeWarned = opened.sizeWarning !== undefined;
  }

  onSizeWarning(listener: (message: string) => void): void {
    this.sizeListener = listener;
  }

  get fence(): number {
    return this.lock.fence;
  }

  readThread(threadId: string): SessionEvent[] {
    return this.records.threadEvents(threadId);
  }

  readEventsOfTypes(types: readonly string[]): SessionEvent[] {
    return this.records.eventsOfTypes(types);
  }

  readSinceOpen(): SessionEvent[] {
    return this.records.recordsFrom(this.openedEnd);
  }

  append(event: EventInput, durability: Durability = 'sync'): Promise<SessionEvent> {
    return this.appendMany([event], durability).then((events) => events[0] as SessionEvent);
  }

  appendMany(inputs: EventInput[], durability: Durability = 'sync'): Promise<SessionEvent[]> {
    let events: SessionEvent[];
    try {
      events = this.writeNow(inputs, durability);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    // A batch append is done once written: no promise to wait for in between (streaming deltas come by the hundred).
    return durability === 'batch' ? Promise.resolve(events) : this.durableUpTo(this.written).then(() => events);
  }

  appendNow(inputs: EventInput[], durability: Durability = 'sync'): AppendReceipt {
    const events = this.writeNow(inputs, durability);
    return { events, durable: durability === 'batch' ? Promise.resolve() : this.durableUpTo(this.written) };
  }

  flush(): Promise<void> {
    try {
      this.assertWritable();
      this.checkFence('sync');
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return this.durableUpTo(this.written);
  }

  /** Stamps and writes the records now, on the calling tick, so that call order is disk order. */
  private writeNow(inputs: EventInput[], durability: Durability): SessionEvent[] {
    this.assertWritable();
    this.checkFence(durability);
    const now = new Date();
    let events: SessionEvent[];
    if (inputs.length === 1) {
      const event = stampEvent(inputs[0] as EventInput, this.file.lastSeq + 1, now);
      const { kind, json } = this.recordFor(event);
      const line = this.encoder.encode(kind, json);
      this.assertRoomFor(line.length, [event]);
      this.writeRecord(line, event);
      events = [event];
    } else {
      // Every event is checked before any is written: a bad one appends nothing.
      events = inputs.map((input, i) => stampEvent(input, this.file.lastSeq + 1 + i, now));
      const records = events.map((event) => this.recordFor(event));
      this.assertRoomFor(
        records.reduce((n, r) => n + recordLineBytes(r.kind, r.json), 0),
        events,
      );
      records.forEach((r, i) => this.writeRecord(this.encoder.encode(r.kind, r.json), events[i] as SessionEvent));
    }
    this.maybeCheckpoint(false);
    if (!this.sizeWarned) this.warnIfNearLimit();
    return events;
  }

  /** Tells the listener, off the append path, once the log has grown near its limit. */
  private warnIfNearLimit(): void {
    const message = this.file.sizeWarning(this.file.size);
    if (message === undefined) return;
    this.sizeWarned = true;
    const listener = this.sizeListener;
    if (listener)
      queueMicrotask(() => {
        try {
          listener(message);
        } catch {
          // A listener that fails must not break the appends that go on.
        }
      });
  }

  /**
   * Saves the folds as of now once enough was appended since the last checkpoint: taken now (the folds
   * move on), written once the records they cover are durable (a checkpoint must never be ahead of the
   * log on disk), one at a time, off the append path.
   */
  private maybeCheckpoint(closing: boolean): void {
    // A close also saves the folds that grow with the log (saved only as the log doubles) when they lag.
    const since = closing
      ? Math.max(this.file.lastSeq - this.folds.savedThrough, this.records.unsaved)
      : this.file.lastSeq - this.file.checkpointed;
    const lastRecord = this.file.lastRecord;
    if (since <= 0 || !lastRecord || this.checkpointing || this.broken || this.lost) return;
    const due = closing
      ? since >= Math.min(CHECKPOINT_ON_CLOSE_RECORDS, this.file.checkpointRecords)
      : since >= this.file.checkpointRecords || this.file.size - this.checkpointedBytes >= CHECKPOINT_BYTES;
    if (!due) return;
    const at = { records: this.file.lastSeq, bytes: this.file.size, last: lastRecord };
    const checkpoints: Array<{ file: string; data: string | Buffer }> = this.folds.checkpoints(
      at,
      this.index.sample(CHECKPOINT_INDEX_POINTS),
      closing,
    );
    const records = this.records.checkpoint(at, closing);
    if (records) checkpoints.push(records);
    this.file.checkpointed = at.records;
    this.checkpointedBytes = at.bytes;
    this.checkpointing = this.durableUpTo(this.written)
      .then(async () => {
        for (const { file, data } of checkpoints) await writeFileAtomic(join(this.file.dir, file), data);
      })
      .catch(() => {
        // A checkpoint only makes the next wake faster; without it the log is folded from its start.
      })
      .finally(() => {
        this.checkpointing = undefined;
      });
  }

  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  private async closeNow(): Promise<void> {
    this.closed = true;
    try {
      if (!this.broken && !this.lost) {
        await this.checkpointing;
        this.maybeCheckpoint(true);
        await this.durableUpTo(this.written);
        await this.checkpointing;
      }
    } finally {
      // Never close the descriptor under an fdatasync still running on it: the number could be reused.
      while (this.syncing) await this.syncing;
      this.records.close();
      // Not when the session went to another writer, nor when the file is not as this writer left it.
      if (!this.lost) cutZerosAhead(this.file, () => this.lock.check());
      closeSync(this.file.fd);
      await this.lock.release();
    }
  }

  /** What the event's line holds: the event itself, or (when it is large) a reference to its blob. */
  private recordFor(event: SessionEvent): { kind: RecordKind; json: string } {
    return recordFor(event, this.blobThresholdBytes, (bytes) => this.blobs.put(bytes));
  }

  /** Hands one whole line to the kernel in one write(2), at the log's end. */
  private writeRecord(line: Buffer, event: SessionEvent): void {
    const length = line.length;
    let n: number;
    try {
      writeZerosAhead(this.file, length);
      n = writeSync(this.file.fd, line, 0, length, this.file.size);
    } catch (error) {
      this.rollBack(error as Error);
      throw error;
    }
    if (n !== length) {
      const error = new Error(`session ${this.sessionId}: short write (${n} of ${length} bytes)`);
      this.rollBack(error);
      throw error;
    }
    const offset = this.file.size;
    this.file.size += n;
    if (this.file.size > this.file.allocated) this.file.allocated = this.file.size;
    this.file.lastSeq = event.seq;
    this.file.lastRecord = { offset, crc32: lineCrc(line) };
    this.written++;
    this.folds.apply(event);
    this.records.add(event, offset);
    if (offset >= (this.index.last?.offset ?? 0) + INDEX_BYTES) this.index.add({ offset, seq: event.seq });
  }

  /** Cuts a partly written record off again (and the zeros after it), so the next writer does not find
   * damage mid-log. */
  private rollBack(cause: Error): void {
    this.broken = cause;
    try {
      ftruncateSync(this.file.fd, this.file.size);
      this.file.allocated = this.file.size;
    } catch {
      // the tail check on the next open cuts it off
    }
  }

  /** Resolves once the first `upTo` records are on disk. */
  private durableUpTo(upTo: number): Promise<void> {
    if (this.durable >= upTo) return Promise.resolve();
    if (this.broken) return Promise.reject(this.brokenError());
    return new Promise((resolve, reject) => {
      this.waiters.push({ upTo, resolve, reject });
      this.startSync();
    });
  }

  /** Starts an fdatasync for everything written so far, unless one is in flight: when that one returns,
   * the records written since it started are synced by the next (the group commit). */
  private startSync(): void {
    if (this.syncing || this.waiters.length === 0) return;
    // Counted when the fdatasync is issued, not now: it may wait for a slot, and covers what came meanwhile.
    let covers = 0;
    this.syncing = datasync(this.file.fd, () => (covers = this.written)).then(
      () => {
        this.syncing = undefined;
        this.durable = Math.max(this.durable, covers);
        let done = 0;
        while (done < this.waiters.length && (this.waiters[done] as DurableWaiter).upTo <= this.durable) done++;
        for (const w of this.waiters.splice(0, done)) w.resolve();
        this.startSync();
      },
      (error: unknown) => {
        this.syncing = undefined;
        // After a failed fsync the kernel may have dropped the dirty pages: nothing is known any more.
        this.broken = error as Error;
        for (const w of this.waiters.splice(0)) w.reject(error as Error);
      },
    );
  }

  private brokenError(): Error {
    return new Error(`writer of session ${this.sessionId} failed earlier: ${(this.broken as Error).message}`);
  }

  /** At every 'sync' append and flush; between them (streaming deltas) at most every FENCE_CHECK_MS. */
  private checkFence(durability: Durability): void {
    const now = Date.now();
    if (durability === 'batch' && now - this.fenceCheckedAt < FENCE_CHECK_MS) return;
    try {
      this.lock.check();
    } catch (error) {
      this.lost = error as Error; // for good: the session belongs to another writer now
      throw error;
    }
    this.fenceCheckedAt = now;
  }

  /** Refuses records that would take the log past its limit; all but end-of-run records stop short of the
   * reserve kept for those. */
  private assertRoomFor(bytes: number, events: readonly SessionEvent[]): void {
    const { maxBytes } = this.file;
    const reserve = events.every((e) => END_RECORD_TYPES.has(e.type))
      ? 0
      : Math.min(END_RECORDS_RESERVE_BYTES, Math.floor(maxBytes / 8));
    if (this.file.size + bytes > maxBytes - reserve) throw new LogFullError(this.sessionId, maxBytes);
  }

  private assertWritable(): void {
    if (this.closed) throw new Error(`writer of session ${this.sessionId} is closed`);
    if (this.lost) throw this.lost;
    if (this.broken) throw this.brokenError();
  }
}
