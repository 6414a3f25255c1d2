// The one writer of a session's log file. Each record is one line handed to the kernel in one write(2)
// on an O_APPEND descriptor, so a crash leaves at most one torn record, at the tail. A 'sync' append
// returns once fdatasync has returned; 'batch' appends become durable with the next one, flush() or close().
import { closeSync, fdatasyncSync, ftruncateSync, writeSync } from 'node:fs';
import type { EventInput, SessionEvent } from '../../core/events/sessionEvent.ts';
import type { Durability, OpenedLog, SessionWriter } from '../../core/session/sessionStore.ts';
import { serializeEvent, stampEvent } from '../../core/session/storeRules.ts';
import type { BlobStore } from './blobStore.ts';
import { encodeRecordLine } from './recordCodec.ts';
import type { BlobRef } from './recordCodec.ts';
import type { WriterLock } from './writerLock.ts';

const FENCE_CHECK_MS = 50;

export interface WriterFile {
  fd: number;
  /** Bytes of whole records in the file. */
  size: number;
  lastSeq: number;
}

export class FileSessionWriter implements SessionWriter {
  private closed = false;
  /** Set when the file is in an unknown state (failed write or fsync): no more appends. */
  private broken: Error | undefined;
  private written = 0;
  private durable = 0;
  private fenceCheckedAt = 0;
  private lost: Error | undefined;

  constructor(
    readonly sessionId: string,
    private readonly lock: WriterLock,
    private readonly file: WriterFile,
    private readonly blobs: BlobStore,
    private readonly blobThresholdBytes: number,
    readonly opened: OpenedLog,
  ) {}

  get fence(): number {
    return this.lock.fence;
  }

  // The whole append is synchronous (write and fdatasync included) and handed back as a settled
  // promise: no thread-pool hop and no extra ticks between the caller and the disk.
  append(event: EventInput, durability: Durability = 'sync'): Promise<SessionEvent> {
    try {
      return Promise.resolve(this.appendNow([event], durability)[0] as SessionEvent);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  appendMany(inputs: EventInput[], durability: Durability = 'sync'): Promise<SessionEvent[]> {
    try {
      return Promise.resolve(this.appendNow(inputs, durability));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  flush(): Promise<void> {
    try {
      this.assertWritable();
      this.checkFence('sync');
      this.sync();
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  private appendNow(inputs: EventInput[], durability: Durability): SessionEvent[] {
    this.assertWritable();
    this.checkFence(durability);
    const now = new Date();
    let events: SessionEvent[];
    if (inputs.length === 1) {
      // The common case, kept lean: it runs right after an fdatasync, on caches someone else has used.
      const event = stampEvent(inputs[0] as EventInput, this.file.lastSeq + 1, now);
      this.writeRecord(this.recordFor(event));
      events = [event];
    } else {
      // Every event is checked before any is written: a bad one appends nothing.
      events = inputs.map((input, i) => stampEvent(input, this.file.lastSeq + 1 + i, now));
      const records = events.map((event) => this.recordFor(event));
      for (const record of records) this.writeRecord(record);
    }
    this.file.lastSeq += events.length;
    if (durability === 'sync') this.sync();
    return events;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (!this.broken && !this.lost) this.sync();
    } finally {
      this.closed = true;
      closeSync(this.file.fd);
      this.lock.release();
    }
  }

  private recordFor(event: SessionEvent): string {
    const json = serializeEvent(event);
    // Byte length is at least the string length: only measure when the string is near the limit.
    if (json.length * 3 <= this.blobThresholdBytes || Buffer.byteLength(json, 'utf8') <= this.blobThresholdBytes) {
      return encodeRecordLine('event', json);
    }
    const bytes = Buffer.from(json, 'utf8');
    const ref: BlobRef = {
      sha256: this.blobs.put(bytes),
      bytes: bytes.length,
      seq: event.seq,
      id: event.id,
      type: event.type,
      thread: event.thread,
    };
    return encodeRecordLine('blob', JSON.stringify(ref));
  }

  private writeRecord(record: string): void {
    // A string goes to the kernel in one write(2), encoded on the native side: no Buffer per record.
    const length = Buffer.byteLength(record, 'utf8');
    let n: number;
    try {
      n = writeSync(this.file.fd, record);
    } catch (error) {
      this.rollBack(error as Error);
      throw error;
    }
    if (n !== length) {
      const error = new Error(`session ${this.sessionId}: short write (${n} of ${length} bytes)`);
      this.rollBack(error);
      throw error;
    }
    this.file.size += n;
    this.written++;
  }

  /** Cuts a partly written record off again, so the next writer does not find damage mid-log. */
  private rollBack(cause: Error): void {
    this.broken = cause;
    try {
      ftruncateSync(this.file.fd, this.file.size);
    } catch {
      // the tail check on the next open cuts it off
    }
  }

  private sync(): void {
    if (this.durable >= this.written) return;
    const covers = this.written;
    // fdatasync on the calling thread: handing it to the thread pool costs two context switches per
    // append, which on a busy machine halves the rate of durable appends. It blocks the event loop for
    // as long as the disk takes, only at the turn and tool boundaries that ask for 'sync'.
    try {
      fdatasyncSync(this.file.fd);
    } catch (error) {
      // After a failed fsync the kernel may have dropped the dirty pages: nothing is known any more.
      this.broken = error as Error;
      throw error;
    }
    this.durable = covers;
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

  private assertWritable(): void {
    if (this.closed) throw new Error(`writer of session ${this.sessionId} is closed`);
    if (this.lost) throw this.lost;
    if (this.broken) throw new Error(`writer of session ${this.sessionId} failed earlier: ${this.broken.message}`);
  }
}
