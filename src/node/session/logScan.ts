// Reads a session log in windows of a few MiB, so that no code path holds a whole log: a session of a
// million events (gigabytes) opens like a short one, and memory stays bounded by the window. The scan
// is written once, as a generator that takes the log's bytes window by window, in order, and carries
// a line cut by a window's end over to the next; `scanLog` feeds it with async reads (readers,
// followers, opening a writer), reading the next window while it decodes this one, and `scanLogSync`
// with blocking ones (an opened log's events, read on first use from a synchronous getter).
//
// A log being written has zeros after its last record: its writer writes them ahead (fileSessionWriter.ts),
// so that the fdatasyncs after overwrite instead of growing the file. They are not part of the log: a scan
// ends at the last non-zero byte (the zeros are found from the file's end, backward), and decodes what is
// before it by the same rules as a log without them — a torn last append is cut, damage is reported.
import { fstatSync, readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { SessionEvent } from '../../core/events/sessionEvent.ts';
import type { LogCursor } from '../../core/session/sessionStore.ts';
import { decodeRecords } from './recordCodec.ts';
import type { BlobRef, DecodeResult } from './recordCodec.ts';

export const LOG_START: LogCursor = Object.freeze({ offset: 0, seq: 1 });

/** Bytes read at a time. A line longer than this (an old log's huge inline record) spans windows. */
const WINDOW_BYTES = 4 * 1024 * 1024;
const NEWLINE = 0x0a;
const NO_BYTES = Buffer.alloc(0);
/** The zero tail is looked for backward in reads of this size: a closed log has none, and one read finds that. */
const ZERO_TAIL_READ_BYTES = 64 * 1024;
const ZEROS = Buffer.alloc(ZERO_TAIL_READ_BYTES);

export interface ScanOptions {
  /** Where to start: the first byte of a record and its seq (a cursor, or a point of the index). */
  from?: LogCursor;
  /** Records before this seq are checked but not parsed or handed out. */
  fromSeq?: number;
  /** Stop after this many events were handed out (a page). */
  limit?: number;
  /** Stop here (exclusive) even if the file is longer: what was in the log at some earlier moment. */
  endOffset?: number;
  loadBlob: (ref: BlobRef, byteOffset: number) => Buffer;
  reportBlobDamage?: boolean;
  /** Each window's events, in order, and (with `withOffsets`) where each starts. The scan keeps none itself. */
  onEvents?: (events: SessionEvent[], offsets: readonly number[]) => void;
  withOffsets?: boolean;
  /** The start of each window's whole lines (a record's first byte): points a later read can start from. */
  onPosition?: (position: LogCursor) => void;
  windowBytes?: number;
  /**
   * End at the first zero byte instead of finding the zero tail from the file's end: a follower, which
   * consumes whole records only and polls while the writer goes on, need not read the zeros each time.
   * Nothing after that zero is judged (damage or torn): the writer's next opening does that.
   */
  stopAtZero?: boolean;
}

export interface ScanResult {
  /** Just past the last whole record read: where the next page or a follower starts. */
  end: LogCursor;
  /** Bytes of the log (up to `endOffset`) when the scan looked: the file without its zero tail. */
  size: number;
  /** Where the last whole record read starts (-1 when none was). */
  lastRecordAt: number;
  tail?: DecodeResult['tail'];
  damage?: DecodeResult['damage'];
}

/**
 * The scan. It is handed the log's bytes from `from.offset` on, window after window with no gap (an
 * empty window: the file ended sooner than it said), and may keep none of them once it asks for the
 * next: the windows' buffers are reused.
 */
function* scanning(fileSize: number, options: ScanOptions): Generator<void, ScanResult, Buffer> {
  let size = fileSize;
  let { offset, seq } = options.from ?? LOG_START;
  let left = options.limit ?? Number.POSITIVE_INFINITY;
  let lastRecordAt = -1;
  /** Bytes from `offset` on that end in no newline yet: the start of a line the next window ends. */
  let carry: Buffer | undefined;
  /** Where the bytes handed in so far end. */
  let received = offset;
  /** Decodes whole lines at `offset`; the result when the scan stops there. */
  const decode = (bytes: Buffer, endsLog: boolean): ScanResult | undefined => {
    options.onPosition?.({ offset, seq });
    const offsets: number[] = [];
    const decoded = decodeRecords(bytes, {
      ...(options.withOffsets ? { offsets } : {}),
      baseOffset: offset,
      firstSeq: seq,
      fromSeq: options.fromSeq ?? 1,
      loadBlob: options.loadBlob,
      reportBlobDamage: options.reportBlobDamage ?? false,
      endsLog,
      maxEvents: left,
    });
    if (decoded.lastRecordAt >= 0) lastRecordAt = offset + decoded.lastRecordAt;
    offset += decoded.validBytes;
    seq += decoded.records;
    if (decoded.events.length > 0) {
      left -= decoded.events.length;
      options.onEvents?.(decoded.events, offsets);
    }
    if (decoded.damage || decoded.tail)
      return { end: { offset, seq }, size, lastRecordAt, damage: decoded.damage, tail: decoded.tail };
    return left > 0 ? undefined : { end: { offset, seq }, size, lastRecordAt };
  };
  while (offset < size && left > 0) {
    let window = yield;
    if (window.length === 0) break; // the file was cut shorter meanwhile: what is left is a tail
    if (options.stopAtZero) {
      const zero = window.indexOf(0);
      if (zero >= 0) {
        window = window.subarray(0, zero);
        size = received + zero;
      }
    }
    received += window.length;
    const endsLog = received >= size;
    let rest = window;
    if (carry) {
      // The line the last window cut, joined with its end: a small copy, not a copy of the window.
      const newline = window.indexOf(NEWLINE);
      if (newline < 0 && !endsLog) {
        carry = Buffer.concat([carry, window]);
        continue;
      }
      const headEnd = newline < 0 ? window.length : newline + 1;
      const head = Buffer.concat([carry, window.subarray(0, headEnd)]);
      carry = undefined;
      const stopped = decode(head, endsLog && headEnd === window.length);
      if (stopped) return stopped;
      rest = window.subarray(headEnd);
    }
    const whole = endsLog ? rest.length : rest.lastIndexOf(NEWLINE) + 1;
    if (whole > 0) {
      const stopped = decode(rest.subarray(0, whole), endsLog);
      if (stopped) return stopped;
    }
    if (whole < rest.length) carry = Buffer.from(rest.subarray(whole)); // copied: the window's buffer is reused
  }
  return { end: { offset, seq }, size, lastRecordAt };
}

/**
 * Finds where the zero tail of `[floor, size)` begins, reading backward from `size`: the reads it asks for,
 * one after another, and `end` once done (just past the last non-zero byte, or `floor`).
 */
class ZeroTail {
  private done = false;
  private readonly buf = Buffer.allocUnsafe(ZERO_TAIL_READ_BYTES);

  constructor(
    public end: number,
    private readonly floor: number,
  ) {}

  next(): { buf: Buffer; position: number } | undefined {
    if (this.done || this.end <= this.floor) return undefined;
    const length = Math.min(ZERO_TAIL_READ_BYTES, this.end - this.floor);
    return { buf: this.buf.subarray(0, length), position: this.end - length };
  }

  /** What the last read asked for returned. Fewer bytes: the file was cut meanwhile, and the scan sees that. */
  got(bytes: Buffer): void {
    if (bytes.length < Math.min(ZERO_TAIL_READ_BYTES, this.end - this.floor)) {
      this.done = true;
      return;
    }
    const nonZeroEnd = endOfNonZero(bytes);
    this.end -= bytes.length - nonZeroEnd;
    if (nonZeroEnd > 0) this.done = true;
  }
}

/** Just past the last non-zero byte of `bytes` (0 when all are zero), compared natively half by half. */
function endOfNonZero(bytes: Buffer): number {
  let low = 0;
  let high = bytes.length;
  // Invariant: bytes[high..] are zero; the last non-zero byte, if any, is in bytes[low..high).
  while (high - low > 64) {
    const mid = (low + high) >>> 1;
    if (bytes.subarray(mid, high).equals(ZEROS.subarray(0, high - mid))) high = mid;
    else low = mid;
  }
  while (high > low && bytes[high - 1] === 0) high--;
  return high;
}

/** The windows of `[from, size)`, in order: where each starts and how long it is. */
class WindowPlan {
  private position: number;
  /** Set once a read came back short: the file ends sooner, and nothing after it is read. */
  private ended = false;

  private first = true;

  constructor(
    from: number,
    private readonly size: number,
    readonly windowBytes: number,
    /** A follower reads a small window first: after its cursor there are mostly the zeros written ahead. */
    private readonly firstWindowBytes = windowBytes,
  ) {
    this.position = from;
  }

  next(): { position: number; length: number } | undefined {
    const length = Math.min(this.first ? this.firstWindowBytes : this.windowBytes, this.size - this.position);
    this.first = false;
    if (this.ended || length <= 0) return undefined;
    const position = this.position;
    this.position += length;
    return { position, length };
  }

  /** What a read of `length` bytes that got `got` hands the scan. */
  got(buf: Buffer, length: number, got: number): Buffer {
    if (this.ended) return NO_BYTES;
    if (got < length) this.ended = true;
    return buf.subarray(0, got);
  }
}

export async function scanLog(file: FileHandle, options: ScanOptions): Promise<ScanResult> {
  const from = (options.from ?? LOG_START).offset;
  let size = Math.min((await file.stat()).size, options.endOffset ?? Number.POSITIVE_INFINITY);
  if (!options.stopAtZero) {
    const tail = new ZeroTail(size, from);
    for (let read = tail.next(); read; read = tail.next()) {
      const got = await readFully(file, read.buf, read.buf.length, read.position);
      tail.got(read.buf.subarray(0, got));
    }
    size = tail.end;
  }
  const windowBytes = options.windowBytes ?? WINDOW_BYTES;
  const plan = new WindowPlan(
    from,
    size,
    windowBytes,
    options.stopAtZero ? Math.min(windowBytes, ZERO_TAIL_READ_BYTES) : windowBytes,
  );
  // Two buffers: the next window is read into one while the scan decodes the other.
  const buffers: Buffer[] = [];
  let turn = 0;
  const read = (): Promise<Buffer> => {
    const next = plan.next();
    if (!next) return Promise.resolve(NO_BYTES);
    const buf = (buffers[turn] ??= Buffer.allocUnsafe(plan.windowBytes));
    turn ^= 1;
    return readFully(file, buf, next.length, next.position).then((got) => plan.got(buf, next.length, got));
  };
  const scan = scanning(size, options);
  let step = scan.next();
  let windows = 0;
  let reading = step.done ? undefined : read();
  while (!step.done) {
    const window = await (reading as Promise<Buffer>);
    // A page mostly needs one window: only from the second on is the one after read ahead.
    const ahead = ++windows >= 2 ? read() : undefined;
    step = scan.next(window);
    reading = ahead ?? (step.done ? undefined : read());
  }
  await reading; // a read ahead the scan did not need: the caller closes the file after us
  return withoutUndefined(step.value);
}

export function scanLogSync(fd: number, options: ScanOptions): ScanResult {
  const from = (options.from ?? LOG_START).offset;
  let size = Math.min(fstatSync(fd).size, options.endOffset ?? Number.POSITIVE_INFINITY);
  if (!options.stopAtZero) size = logEndSync(fd, size, from);
  const plan = new WindowPlan(from, size, options.windowBytes ?? WINDOW_BYTES);
  let buf: Buffer | undefined;
  const scan = scanning(size, options);
  let step = scan.next();
  while (!step.done) {
    const next = plan.next();
    let window: Buffer = NO_BYTES;
    if (next) {
      buf ??= Buffer.allocUnsafe(plan.windowBytes);
      window = plan.got(buf, next.length, readFullySync(fd, buf.subarray(0, next.length), next.position));
    }
    step = scan.next(window);
  }
  return withoutUndefined(step.value);
}

/** Where the log in `[floor, size)` of the file ends: before its zero tail. */
export function logEndSync(fd: number, size = fstatSync(fd).size, floor = 0): number {
  const tail = new ZeroTail(size, floor);
  for (let read = tail.next(); read; read = tail.next())
    tail.got(read.buf.subarray(0, readFullySync(fd, read.buf, read.position)));
  return tail.end;
}

/** All of `buf` from `position` unless the file ends first. */
export function readFullySync(fd: number, buf: Buffer, position: number): number {
  let got = 0;
  for (let n = -1; got < buf.length && n !== 0; got += n) n = readSync(fd, buf, got, buf.length - got, position + got);
  return got;
}

/** All of `length` unless the file ends first (a read may return less than asked for). */
async function readFully(file: FileHandle, buf: Buffer, length: number, position: number): Promise<number> {
  let got = 0;
  while (got < length) {
    const { bytesRead } = await file.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}

function withoutUndefined(result: ScanResult): ScanResult {
  const { tail, damage, ...rest } = result;
  return { ...rest, ...(tail ? { tail } : {}), ...(damage ? { damage } : {}) };
}
