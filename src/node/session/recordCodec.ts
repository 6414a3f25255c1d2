// The line format of `events.jsonl`. Each record is one JSON line that carries a CRC-32 of the bytes it
// protects, so that a torn write or a flipped bit is found where it is, never parsed as something else:
//
//   {"crc32":"1a2b3c4d","event":{…the event…}}
//   {"crc32":"1a2b3c4d","blob":{"sha256":"…","bytes":5242880,"seq":7,"id":"sevt_…","type":"…","thread":"…"}}
//
// The checksum covers the JSON value after the key, exactly as written. The fixed prefix lets a reader
// check and slice a record without parsing it twice, which keeps opening a long log close to the cost of
// a plain JSON.parse per line.
import { crc32 } from 'node:zlib';
import { BlobMissingError } from '../../core/errors.ts';
import type { SessionEvent } from '../../core/events/sessionEvent.ts';
import { serializeEvent } from '../../core/session/storeRules.ts';

export type RecordKind = 'event' | 'blob';

/** What a log record says about an event it keeps in a blob file. */
export interface BlobRef {
  sha256: string;
  bytes: number;
  seq: number;
  id: string;
  type: string;
  thread: string;
}

const PREFIX = '{"crc32":"';
const EVENT_KEY = '","event":';
const BLOB_KEY = '","blob":';
const HEX_AT = PREFIX.length;
const KEY_AT = HEX_AT + 8;
const PREFIX_BYTES = Buffer.from(PREFIX, 'latin1');
const EVENT_KEY_BYTES = Buffer.from(EVENT_KEY, 'latin1');
const BLOB_KEY_BYTES = Buffer.from(BLOB_KEY, 'latin1');
const NEWLINE = 0x0a;
const CLOSE_BRACE = 0x7d;
const MIN_LINE = KEY_AT + BLOB_KEY.length + 2;

/**
 * What the line of a stamped event holds: the event inline, or — past the threshold — a reference to a
 * blob that `putBlob` stores (durably, before the line is written) and names by its sha256.
 */
export function recordFor(
  event: SessionEvent,
  blobThresholdBytes: number,
  putBlob: (bytes: Buffer) => string,
): { kind: RecordKind; json: string } {
  const json = serializeEvent(event);
  // Byte length is at least the string length: only measure when the string is near the limit.
  if (json.length * 3 <= blobThresholdBytes || Buffer.byteLength(json, 'utf8') <= blobThresholdBytes)
    return { kind: 'event', json };
  const bytes = Buffer.from(json, 'utf8');
  const ref: BlobRef = {
    sha256: putBlob(bytes),
    bytes: bytes.length,
    seq: event.seq,
    id: event.id,
    type: event.type,
    thread: event.thread,
  };
  return { kind: 'blob', json: JSON.stringify(ref) };
}

/** One log line (with its newline) for a JSON value, as a new Buffer. The checksum is of the value's
 * UTF-8 bytes, which is what a reader checks. */
export function encodeRecord(kind: RecordKind, json: string): Buffer {
  return Buffer.from(new RecordEncoder().encode(kind, json));
}

/**
 * Encodes lines into a buffer it keeps and reuses (grown as needed), for the writer: the JSON becomes
 * UTF-8 once, and the checksum, the size check and the write(2) all take those bytes. (A string line
 * is encoded again by each of them: four times per append.)
 */
export class RecordEncoder {
  private buf = Buffer.allocUnsafe(64 * 1024);

  /** The line for `json`: a view of the encoder's buffer, valid until the next call. */
  encode(kind: RecordKind, json: string): Buffer {
    const key = kind === 'event' ? EVENT_KEY_BYTES : BLOB_KEY_BYTES;
    const bodyAt = KEY_AT + key.length;
    // A UTF-16 code unit is at most 3 bytes of UTF-8.
    const most = bodyAt + json.length * 3 + 2;
    if (this.buf.length < most) this.buf = Buffer.allocUnsafe(Math.max(most, this.buf.length * 2));
    const buf = this.buf;
    PREFIX_BYTES.copy(buf, 0);
    key.copy(buf, KEY_AT);
    const bodyEnd = bodyAt + buf.write(json, bodyAt, 'utf8');
    writeHex(buf, HEX_AT, crc32(buf.subarray(bodyAt, bodyEnd)));
    buf[bodyEnd] = CLOSE_BRACE;
    buf[bodyEnd + 1] = NEWLINE;
    return buf.subarray(0, bodyEnd + 2);
  }
}

/** Bytes of the line for `json` (its newline included). */
export function recordLineBytes(kind: RecordKind, json: string): number {
  return KEY_AT + (kind === 'event' ? EVENT_KEY_BYTES : BLOB_KEY_BYTES).length + Buffer.byteLength(json, 'utf8') + 2;
}

/** A line's checksum, as the 8 hexadecimal digits it carries. */
export function lineCrc(line: Buffer): string {
  return line.toString('latin1', HEX_AT, HEX_AT + 8);
}

const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');

function writeHex(buf: Buffer, at: number, value: number): void {
  for (let i = 7; i >= 0; i--) {
    buf[at + i] = HEX_DIGITS[value & 0xf] as number;
    value >>>= 4;
  }
}

/** Where a line's JSON body sits, or why the line is not a record. */
export type LineCheck = { kind: RecordKind; bodyStart: number; bodyEnd: number } | { damage: string };

/** Checks the line `buf[start, end)` (end excludes the newline). */
export function checkLine(buf: Buffer, start: number, end: number): LineCheck {
  if (end - start < MIN_LINE) return { damage: 'record too short' };
  // Byte loops rather than Buffer.compare: this runs once per record when a log is opened, and the
  // argument checks of a native call cost more than comparing ten bytes.
  if (!bytesAt(buf, start, PREFIX_BYTES)) return { damage: 'not a record' };
  const expected = parseHex(buf, start + HEX_AT);
  if (expected < 0) return { damage: 'checksum is not hexadecimal' };
  let kind: RecordKind;
  let bodyStart: number;
  if (bytesAt(buf, start + KEY_AT, EVENT_KEY_BYTES)) {
    kind = 'event';
    bodyStart = start + KEY_AT + EVENT_KEY_BYTES.length;
  } else if (bytesAt(buf, start + KEY_AT, BLOB_KEY_BYTES)) {
    kind = 'blob';
    bodyStart = start + KEY_AT + BLOB_KEY_BYTES.length;
  } else {
    return { damage: 'unknown record kind' };
  }
  if (buf[end - 1] !== CLOSE_BRACE) return { damage: 'record is not closed' };
  const bodyEnd = end - 1;
  if (crc32(buf.subarray(bodyStart, bodyEnd)) !== expected) return { damage: 'checksum mismatch' };
  return { kind, bodyStart, bodyEnd };
}

function bytesAt(buf: Buffer, at: number, expected: Buffer): boolean {
  for (let i = 0; i < expected.length; i++) if (buf[at + i] !== expected[i]) return false;
  return true;
}

function parseHex(buf: Buffer, at: number): number {
  let value = 0;
  for (let i = at; i < at + 8; i++) {
    const c = buf[i] as number;
    let digit: number;
    if (c >= 0x30 && c <= 0x39) digit = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) digit = c - 0x57;
    else return -1;
    value = value * 16 + digit;
  }
  return value;
}

export interface DecodeOptions {
  /** File offset of `buf[0]`, so that damage is reported at its place in the file. */
  baseOffset?: number;
  /** Seq of the first record in `buf`. */
  firstSeq?: number;
  /** Records before this seq are checked (checksum) but not parsed. */
  fromSeq?: number;
  /** Loads and checks a blob's bytes; throws when it is missing or wrong. */
  loadBlob: (ref: BlobRef, byteOffset: number) => Buffer;
  /** Report a missing or damaged blob as `damage` (verify) instead of throwing its error (read). */
  reportBlobDamage?: boolean;
  /** Bytes decoded to text at a time (tests make it small). */
  textWindowBytes?: number;
  /** Stop after this many events (a page): `records` and `validBytes` then end after the last one. */
  maxEvents?: number;
  /** `buf` ends where the log ends (default). A window of a longer log passes false: its last line is
   * not the log's last, so nothing in it can be a torn tail. */
  endsLog?: boolean;
  /** Given, it gets the file offset of each event handed out, in order (what an index of records keeps). */
  offsets?: number[];
}

export interface DecodeResult {
  events: SessionEvent[];
  /** Whole records, including those skipped by `fromSeq`. */
  records: number;
  /** Bytes of whole records from `buf[0]`: where a torn tail starts, or where the damage is. */
  validBytes: number;
  /** Offset in `buf` of the last whole record (-1 when there is none). */
  lastRecordAt: number;
  /** The log ends in an incomplete line (a torn write, or one being written), cut off on open. */
  tail?: { byteOffset: number; bytes: number; reason: string };
  /** A whole line that is not a valid record. Everything after it is left unread. */
  damage?: { byteOffset: number; reason: string };
}

/**
 * Decodes whole records of `buf`. Stops at the first bad record. Only bytes after the last newline are
 * a torn tail: a record is one write(2) that ends in its newline, so a killed writer leaves a prefix of
 * a line, never a whole line that fails its check. A whole bad line — even the last — is `damage`: it
 * is a flipped bit in an acknowledged record, or bytes someone else appended, and cutting it off would
 * silently lose an event. One exception: a last line holding a run of NUL bytes (JSON text never has
 * one) is the block a power cut left unwritten inside a record that was never fdatasynced.
 */
export function decodeRecords(buf: Buffer, options: DecodeOptions): DecodeResult {
  const base = options.baseOffset ?? 0;
  const fromSeq = options.fromSeq ?? 1;
  const firstSeq = options.firstSeq ?? 1;
  const maxEvents = options.maxEvents ?? Number.POSITIVE_INFINITY;
  let seq = firstSeq;
  const events: SessionEvent[] = [];
  // One UTF-8 decode per window of whole lines (the whole log, unless it is huge), sliced per record,
  // is cheaper than a decode per record. Lines match one to one: a newline byte is a newline character,
  // even next to invalid bytes. Within a line, the prefix and the closing brace are ASCII, so the body's
  // character range is found from the line's character range. A window whose text is as long as its
  // bytes has one character per byte (a character is never shorter than its bytes), so there a line's
  // bytes are found from its characters, without looking at the bytes again.
  let text = '';
  let windowStart = 0;
  let windowEnd = 0;
  let aligned = false;
  let pos = 0;
  let at = 0;
  let last = -1;
  const length = buf.length;
  while (pos < length) {
    if (pos >= windowEnd) {
      windowEnd = windowEndFor(buf, pos, options.textWindowBytes ?? TEXT_WINDOW);
      text = buf.toString('utf8', pos, windowEnd);
      windowStart = pos;
      aligned = text.length === windowEnd - pos;
      at = 0;
    }
    const textNewline = text.indexOf('\n', at);
    const newline = textNewline < 0 ? -1 : aligned ? windowStart + textNewline : buf.indexOf(NEWLINE, pos);
    if (newline < 0) return stopAt(events, seq - firstSeq, last, buf, pos, base, true, 'last record has no newline');
    const isLast = newline === length - 1 && options.endsLog !== false;
    const line = checkLine(buf, pos, newline);
    if ('damage' in line) return stopAt(events, seq - firstSeq, last, buf, pos, base, isLast, line.damage);
    if (seq >= fromSeq || line.kind === 'blob') {
      let event: SessionEvent | undefined;
      let reason: string | undefined;
      try {
        const body = JSON.parse(text.slice(at + (line.bodyStart - pos), textNewline - 1)) as SessionEvent | BlobRef;
        if (line.kind === 'event') {
          event = body as SessionEvent;
        } else if (body.seq !== seq) {
          reason = `seq ${String(body.seq)} where ${seq} was expected`;
        } else if (seq >= fromSeq) {
          event = JSON.parse(options.loadBlob(body as BlobRef, base + pos).toString('utf8')) as SessionEvent;
        }
      } catch (error) {
        if (error instanceof SyntaxError) {
          reason = `record is not valid JSON: ${error.message}`;
        } else if (options.reportBlobDamage && error instanceof BlobMissingError) {
          return {
            events,
            records: seq - firstSeq,
            validBytes: pos,
            lastRecordAt: last,
            damage: { byteOffset: base + pos, reason: error.message },
          };
        } else {
          throw error;
        }
      }
      if (event !== undefined && event.seq !== seq) reason = `seq ${String(event.seq)} where ${seq} was expected`;
      if (reason !== undefined) return stopAt(events, seq - firstSeq, last, buf, pos, base, isLast, reason);
      if (event !== undefined) {
        events.push(event);
        options.offsets?.push(base + pos);
      }
    }
    seq++;
    last = pos;
    pos = newline + 1;
    at = textNewline + 1;
    if (events.length >= maxEvents) break;
  }
  return { events, records: seq - firstSeq, validBytes: pos, lastRecordAt: last };
}

/** Strings have a maximum length (about 512 MiB in V8): logs longer than a window are decoded in parts. */
const TEXT_WINDOW = 64 * 1024 * 1024;

/** End (exclusive) of a window that starts at `pos`: after the last whole line that fits, at least one
 * line (or all that is left, when no newline follows). */
function windowEndFor(buf: Buffer, pos: number, window: number): number {
  if (buf.length - pos <= window) return buf.length;
  const lastNewline = buf.lastIndexOf(NEWLINE, pos + window - 1);
  if (lastNewline >= pos) return lastNewline + 1;
  const firstNewline = buf.indexOf(NEWLINE, pos + window);
  return firstNewline < 0 ? buf.length : firstNewline + 1;
}

function stopAt(
  events: SessionEvent[],
  records: number,
  last: number,
  buf: Buffer,
  pos: number,
  base: number,
  isLast: boolean,
  reason: string,
): DecodeResult {
  const torn = isLast && (buf.indexOf(NEWLINE, pos) < 0 || buf.indexOf(NUL_RUN, pos) >= 0);
  return torn
    ? {
        events,
        records,
        validBytes: pos,
        lastRecordAt: last,
        tail: { byteOffset: base + pos, bytes: buf.length - pos, reason },
      }
    : { events, records, validBytes: pos, lastRecordAt: last, damage: { byteOffset: base + pos, reason } };
}

/** Eight NUL bytes: a page of a record that never reached the disk (no JSON text holds even one). */
const NUL_RUN = Buffer.alloc(8);
