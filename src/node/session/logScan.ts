// Reads a session log in windows of a few MiB, so that no code path holds a whole log: a session of a
// million events (gigabytes) opens like a short one, and memory stays bounded by the window. The scan
// is written once, as a generator that asks for reads; `scanLog` feeds it with async reads (readers,
// followers, opening a writer) and `scanLogSync` with blocking ones (an opened log's events, read on
// first use from a synchronous getter).
import { fstatSync, readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { SessionEvent } from '../../core/events/sessionEvent.ts';
import type { LogCursor } from '../../core/session/sessionStore.ts';
import { decodeRecords } from './recordCodec.ts';
import type { BlobRef, DecodeResult } from './recordCodec.ts';

export const LOG_START: LogCursor = Object.freeze({ offset: 0, seq: 1 });

/** Bytes read at a time. A line longer than this (an old log's huge inline record) grows the window. */
const WINDOW_BYTES = 4 * 1024 * 1024;
const NEWLINE = 0x0a;

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
  /** Each window's events, in order. The scan keeps none itself. */
  onEvents?: (events: SessionEvent[]) => void;
  /** The start of each window (a record's first byte): points a later read can start from. */
  onPosition?: (position: LogCursor) => void;
  windowBytes?: number;
}

export interface ScanResult {
  /** Just past the last whole record read: where the next page or a follower starts. */
  end: LogCursor;
  /** Bytes in the file (up to `endOffset`) when the scan looked. */
  size: number;
  /** Where the last whole record read starts (-1 when none was). */
  lastRecordAt: number;
  tail?: DecodeResult['tail'];
  damage?: DecodeResult['damage'];
}

interface ReadRequest {
  buf: Buffer;
  length: number;
  position: number;
}

function* scanning(fileSize: number, options: ScanOptions): Generator<ReadRequest, ScanResult, number> {
  const size = Math.min(fileSize, options.endOffset ?? fileSize);
  let window = options.windowBytes ?? WINDOW_BYTES;
  let { offset, seq } = options.from ?? LOG_START;
  let left = options.limit ?? Number.POSITIVE_INFINITY;
  let buf = Buffer.allocUnsafe(0);
  let lastRecordAt = -1;
  while (offset < size && left > 0) {
    const length = Math.min(window, size - offset);
    if (buf.length < length) buf = Buffer.allocUnsafe(length);
    const got = yield { buf, length, position: offset };
    if (got === 0) break; // the file was cut shorter meanwhile: what is left is a tail
    const endsLog = offset + got >= size;
    let chunk = buf.subarray(0, got);
    if (!endsLog) {
      const lastNewline = chunk.lastIndexOf(NEWLINE);
      if (lastNewline < 0) {
        window *= 2;
        continue;
      }
      chunk = chunk.subarray(0, lastNewline + 1);
    }
    options.onPosition?.({ offset, seq });
    const decoded = decodeRecords(chunk, {
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
      options.onEvents?.(decoded.events);
    }
    if (decoded.damage || decoded.tail) return { end: { offset, seq }, size, lastRecordAt, damage: decoded.damage, tail: decoded.tail };
  }
  return { end: { offset, seq }, size, lastRecordAt };
}

export async function scanLog(file: FileHandle, options: ScanOptions): Promise<ScanResult> {
  const scan = scanning((await file.stat()).size, options);
  let step = scan.next();
  while (!step.done) {
    const { buf, length, position } = step.value;
    step = scan.next(await readFully(file, buf, length, position));
  }
  return withoutUndefined(step.value);
}

export function scanLogSync(fd: number, options: ScanOptions): ScanResult {
  const scan = scanning(fstatSync(fd).size, options);
  let step = scan.next();
  while (!step.done) {
    const { buf, length, position } = step.value;
    let got = 0;
    for (let n = -1; got < length && n !== 0; got += n) n = readSync(fd, buf, got, length - got, position + got);
    step = scan.next(got);
  }
  return withoutUndefined(step.value);
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
