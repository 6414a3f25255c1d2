// Fold checkpoints `<session>/fold-<name>.json`: a fold's state (a LogFold, src/core/session/logFold.ts)
// as of some record of the log, so that opening a long log is the checkpoint plus the records after it,
// not a fold from the first record. The file is
//
//   <crc32 of the JSON, 8 hex digits>\n<JSON>\n
//
// written atomically (temp file, fsync, rename, fsync of the folder), and only ever of records already
// on disk. It is trusted only when its checksum holds, its format is this build's, its fold's name and
// version are the fold's, the fold can load its state, and the log still has, at the checkpoint's last
// record, a whole record with that seq and that checksum. Anything else — a damaged or foreign
// checkpoint, a fold of another version, a log cut shorter or rewritten — and it is ignored and rebuilt
// from the log: a checkpoint can make an opening fast, never make it wrong.
import { readFileSync, readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { isFoldName, type LogFold } from '../../core/session/logFold.ts';
import type { LogCursor } from '../../core/session/sessionStore.ts';
import { writeFileAtomic } from './durableFiles.ts';
import { checkLine, lineCrc } from './recordCodec.ts';

/** Bumped when the file's own layout changes (what a fold saves is versioned by the fold). */
const FORMAT = 2;
/** The checkpoints' file name before folds were named: the session's state alone. Removed on sight. */
export const OLD_CHECKPOINT_FILE = 'fold.json';

/** Where in the log a checkpoint was taken. */
export interface CheckpointPosition {
  /** Seq of the last record folded in. */
  records: number;
  /** Bytes of the log up to and including that record. */
  bytes: number;
  /** That record: where it starts and its checksum (as written in its line). */
  last: { offset: number; crc32: string };
}

export interface FoldCheckpoint<S> extends CheckpointPosition {
  state: S;
  /** Points of the log's index (the session fold's checkpoint keeps them), for readers in a process
   * that has not scanned the log. */
  index: LogCursor[];
}

export function checkpointFile(foldName: string): string {
  return `fold-${foldName}.json`;
}

/** A fold's name becomes part of a file name: only the safe ones. */
export function assertFoldName(name: string): void {
  if (!isFoldName(name)) throw new Error(`not a fold name: ${JSON.stringify(name)}`);
}

/** The checkpoint's file content for `fold`'s state as of `at`, made now: the state moves on, the text is
 * written later (once the records it covers are durable). */
export function checkpointText<S>(
  fold: LogFold<S>,
  state: S,
  at: CheckpointPosition,
  index: readonly LogCursor[] = [],
): string {
  const json = JSON.stringify({
    format: FORMAT,
    fold: fold.name,
    version: fold.version,
    records: at.records,
    bytes: at.bytes,
    last: at.last,
    index,
    state: fold.save(state),
  });
  return `${crc32(json).toString(16).padStart(8, '0')}\n${json}\n`;
}

export async function writeCheckpointText(sessionDir: string, foldName: string, text: string): Promise<void> {
  await writeFileAtomic(join(sessionDir, checkpointFile(foldName)), text);
}

/** Writes `fold`'s checkpoint (tests and the long-session generator; the writer makes the text first). */
export async function writeCheckpoint<S>(
  sessionDir: string,
  fold: LogFold<S>,
  checkpoint: CheckpointPosition & { state: S; index?: readonly LogCursor[] },
): Promise<void> {
  await writeCheckpointText(
    sessionDir,
    fold.name,
    checkpointText(fold, checkpoint.state, checkpoint, checkpoint.index),
  );
}

/** `fold`'s checkpoint if its file is whole and of this build and of the fold's version (not yet checked
 * against the log: see checkpointMatches). */
export function readCheckpoint<S>(
  sessionDir: string,
  sessionId: string,
  fold: LogFold<S>,
): FoldCheckpoint<S> | undefined {
  let text: string;
  try {
    text = readFileSync(join(sessionDir, checkpointFile(fold.name)), 'utf8');
  } catch {
    return undefined;
  }
  const json = text.slice(9, -1);
  if (text[8] !== '\n' || !text.endsWith('\n') || crc32(json).toString(16).padStart(8, '0') !== text.slice(0, 8))
    return undefined;
  let stored: Partial<FoldCheckpoint<unknown>> & { format?: unknown; fold?: unknown; version?: unknown };
  try {
    stored = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (stored.format !== FORMAT || stored.fold !== fold.name || stored.version !== fold.version) return undefined;
  const { records, bytes, last } = stored;
  if (
    !Number.isSafeInteger(records) ||
    !Number.isSafeInteger(bytes) ||
    !Number.isSafeInteger(last?.offset) ||
    typeof last?.crc32 !== 'string'
  )
    return undefined;
  let state: S | undefined;
  try {
    state = fold.load(stored.state, sessionId);
  } catch {
    state = undefined; // a fold that throws on data it does not expect: the same as one that says so
  }
  if (state === undefined) return undefined;
  return {
    records: records as number,
    bytes: bytes as number,
    last,
    state,
    index: Array.isArray(stored.index) ? stored.index : [],
  };
}

/** Whether the log still holds, where the checkpoint says, the record it was taken at. */
export async function checkpointMatches(file: FileHandle, at: CheckpointPosition): Promise<boolean> {
  const length = lastRecordLength(at);
  if (length === undefined || (await file.stat()).size < at.bytes) return false;
  const line = Buffer.allocUnsafe(length);
  const { bytesRead } = await file.read(line, 0, length, at.last.offset);
  return bytesRead === length && isCheckpointRecord(line, at);
}

/** checkpointMatches with a blocking read, for a log of `size` bytes (a writer's own file). */
export function checkpointMatchesSync(fd: number, size: number, at: CheckpointPosition): boolean {
  const length = lastRecordLength(at);
  if (length === undefined || size < at.bytes) return false;
  const line = Buffer.allocUnsafe(length);
  return readSync(fd, line, 0, length, at.last.offset) === length && isCheckpointRecord(line, at);
}

function lastRecordLength(at: CheckpointPosition): number | undefined {
  const length = at.bytes - at.last.offset;
  return at.last.offset < 0 || length <= 0 || length > 64 * 1024 * 1024 ? undefined : length;
}

/** Whether `line` is a whole record with the checkpoint's last seq and checksum. */
function isCheckpointRecord(line: Buffer, at: CheckpointPosition): boolean {
  if (line[line.length - 1] !== 0x0a || lineCrc(line) !== at.last.crc32) return false;
  const checked = checkLine(line, 0, line.length - 1);
  if ('damage' in checked) return false;
  return seqOf(line.toString('utf8', checked.bodyStart, checked.bodyEnd)) === at.records;
}

/** Where a scan goes on after the checkpoint. */
export function afterCheckpoint(at: CheckpointPosition): LogCursor {
  return { offset: at.bytes, seq: at.records + 1 };
}

/** The checksum the record starting at `offset` carries, read from the file. */
export async function recordCrcAt(file: FileHandle, offset: number): Promise<string> {
  const head = Buffer.alloc(18);
  await file.read(head, 0, head.length, offset);
  return lineCrc(head);
}

function seqOf(body: string): number | undefined {
  try {
    return (JSON.parse(body) as { seq?: number }).seq;
  } catch {
    return undefined;
  }
}
