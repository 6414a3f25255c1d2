// The record index's checkpoint, `<session>/fold-record-index.bin` (recordIndex.ts keeps the index):
//
//   <crc32 of the header, 8 hex digits>\n<header JSON>\n<each key's steps, raw varints, one after another>
//
// The header says where in the log the checkpoint was taken (as a fold checkpoint does, checked against the
// log the same way) and, for each key, where its steps are in the file, their length and crc32, its count of
// records and its last seq and offset. So a reader parses the header and reads the bytes of the keys it
// wants, never the whole index: a million records' index is some megabytes, one thread's part of it a few
// kilobytes. Written atomically, like every checkpoint; a header or a key that does not check is never used.
import { closeSync, fstatSync, openSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { checkpointFile, type CheckpointPosition } from './foldCheckpoint.ts';
import { readFullySync } from './logScan.ts';

export const RECORD_INDEX_NAME = 'record-index';
export const RECORD_INDEX_FILE = `fold-${RECORD_INDEX_NAME}.bin`;
/** Bumped when the layout, or what a key's steps are, changes: a file of another version is rebuilt. */
const VERSION = 3;
const FIRST_READ_BYTES = 64 * 1024;

/** One key of the index as the file holds it. */
export interface StoredKey {
  key: string;
  count: number;
  lastSeq: number;
  lastOffset: number;
}

export interface KeyToStore extends StoredKey {
  steps: Buffer;
}

interface KeyInFile extends StoredKey {
  start: number;
  length: number;
  crc: number;
}

/** The file's bytes for these keys as of `at`. */
export function recordIndexFileData(at: CheckpointPosition, keys: readonly KeyToStore[]): Buffer {
  let start = 0;
  const listed = keys.map((k) => {
    const entry = [k.key, start, k.steps.length, crc32(k.steps), k.count, k.lastSeq, k.lastOffset];
    start += k.steps.length;
    return entry;
  });
  const header = JSON.stringify({
    fold: RECORD_INDEX_NAME,
    version: VERSION,
    records: at.records,
    bytes: at.bytes,
    last: at.last,
    keys: listed,
  });
  const head = `${crc32(header).toString(16).padStart(8, '0')}\n${header}\n`;
  return Buffer.concat([Buffer.from(head, 'utf8'), ...keys.map((k) => k.steps)]);
}

/** The index file of a session, opened: its position and keys; each key's steps are read when asked for. */
export class StoredRecordIndex {
  private constructor(
    private fd: number | undefined,
    readonly position: CheckpointPosition,
    readonly keys: readonly KeyInFile[],
    private readonly dataStart: number,
  ) {}

  /** The file of the session in `dir`, if it is there, whole in its header, and of this version. */
  static open(dir: string): StoredRecordIndex | undefined {
    let fd: number;
    try {
      fd = openSync(join(dir, RECORD_INDEX_FILE), 'r');
    } catch {
      return undefined;
    }
    try {
      const opened = StoredRecordIndex.fromHeader(fd, fstatSync(fd).size);
      if (opened) return opened;
    } catch {
      // a file that cannot be read is one that is not there
    }
    closeSync(fd);
    return undefined;
  }

  private static fromHeader(fd: number, size: number): StoredRecordIndex | undefined {
    let head = Buffer.alloc(0);
    let newline = -1;
    for (let length = FIRST_READ_BYTES; newline < 0; length *= 2) {
      head = Buffer.allocUnsafe(Math.min(length, size));
      head = head.subarray(0, readFullySync(fd, head, 0));
      newline = head.indexOf(0x0a, 9);
      if (newline < 0 && head.length >= size) return undefined;
    }
    if (head[8] !== 0x0a) return undefined;
    const header = head.toString('utf8', 9, newline);
    if (crc32(header).toString(16).padStart(8, '0') !== head.toString('latin1', 0, 8)) return undefined;
    const parsed = JSON.parse(header) as Record<string, unknown>;
    const { records, bytes, last } = parsed as {
      records?: unknown;
      bytes?: unknown;
      last?: { offset?: unknown; crc32?: unknown };
    };
    if (parsed['fold'] !== RECORD_INDEX_NAME || parsed['version'] !== VERSION || !Array.isArray(parsed['keys']))
      return undefined;
    if (!isCount(records) || !isCount(bytes) || !isCount(last?.offset) || typeof last?.crc32 !== 'string')
      return undefined;
    const dataStart = newline + 1;
    const keys: KeyInFile[] = [];
    for (const entry of parsed['keys'] as unknown[]) {
      if (!Array.isArray(entry)) return undefined;
      const [key, start, length, crc, count, lastSeq, lastOffset] = entry as unknown[];
      if (typeof key !== 'string' || ![start, length, crc, count, lastSeq, lastOffset].every(isCount)) return undefined;
      if (dataStart + (start as number) + (length as number) > size) return undefined;
      keys.push({
        key,
        start: start as number,
        length: length as number,
        crc: crc as number,
        count: count as number,
        lastSeq: lastSeq as number,
        lastOffset: lastOffset as number,
      });
    }
    const position = {
      records: records as number,
      bytes: bytes as number,
      last: { offset: last.offset as number, crc32: last.crc32 },
    };
    return new StoredRecordIndex(fd, position, keys, dataStart);
  }

  /** A key's steps as the file holds them, or undefined when they do not check (or the file is closed). */
  steps(key: KeyInFile): Buffer | undefined {
    if (this.fd === undefined) return undefined;
    const steps = Buffer.allocUnsafe(key.length);
    if (readFullySync(this.fd, steps, this.dataStart + key.start) !== key.length) return undefined;
    return crc32(steps) === key.crc ? steps : undefined;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** The index's checkpoint before it had a file of its own (a JSON fold checkpoint): never read again. */
export function removeOldRecordIndexFile(dir: string): void {
  try {
    unlinkSync(join(dir, checkpointFile(RECORD_INDEX_NAME)));
  } catch {
    // not there
  }
}

function isCount(n: unknown): n is number {
  return Number.isSafeInteger(n) && (n as number) >= 0;
}
