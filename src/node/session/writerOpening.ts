// Opening a session's writer, under the lock the store took: the wake — the fold checkpoints plus the records
// after them, or, without a checkpoint that agrees with the log, the whole log in windows — a torn last append
// of a writer that died cut off, and a writer that appends after the last whole record.
import { closeSync, constants, fstatSync, ftruncateSync, openSync, readSync, rmSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { LogCorruptError } from '../../core/errors.ts';
import type { SessionEvent } from '../../core/events/sessionEvent.ts';
import type { LogFold } from '../../core/session/logFold.ts';
import type { SessionState } from '../../core/session/sessionState.ts';
import type { OpenedLog } from '../../core/session/sessionStore.ts';
import { BlobStore } from './blobStore.ts';
import { fsyncInPool, removeLeftoverTemps } from './durableFiles.ts';
import { FileSessionWriter } from './fileSessionWriter.ts';
import { OLD_CHECKPOINT_FILE } from './foldCheckpoint.ts';
import { KeptFolds } from './keptFolds.ts';
import { LogIndex } from './logIndex.ts';
import { scanLog } from './logScan.ts';
import { RecordIndex } from './recordIndex.ts';
import { lineCrc } from './recordCodec.ts';
import { BLOBS, LOG } from './sessionLayout.ts';
import type { WriterLock } from './writerLock.ts';

export interface WriterOpening {
  dir: string;
  sessionId: string;
  /** Held; released here if the opening fails. */
  lock: WriterLock;
  windowBytes: number | undefined;
  blobThresholdBytes: number;
  maxLogBytes: number;
  checkpointRecords: number;
  /** Folds the writer keeps current and checkpoints, beside the session's state. */
  folds: readonly LogFold<unknown>[];
  sizeWarning(size: number): string | undefined;
  /** Every event up to `size`, for an OpenedLog's `events` (read on first use). */
  readAll(blobs: BlobStore, size: number): SessionEvent[];
  /** The log's index points, as the wake's scan found them. */
  onIndex(index: LogIndex): void;
}

export async function openSessionWriter(o: WriterOpening): Promise<FileSessionWriter> {
  const { dir, sessionId, lock } = o;
  let fd: number | undefined;
  let file: FileHandle | undefined;
  try {
    removeLeftoverTemps(dir);
    removeLeftoverTemps(join(dir, BLOBS));
    rmSync(join(dir, OLD_CHECKPOINT_FILE), { force: true });
    const logPath = join(dir, LOG);
    // Not O_APPEND: the writer writes at the log's end, which is before the zeros it writes ahead.
    fd = openSync(logPath, constants.O_RDWR | constants.O_CREAT, 0o666);
    file = await open(logPath, 'r');
    const blobs = new BlobStore(sessionId, join(dir, BLOBS));
    const woken = await KeptFolds.wake(dir, sessionId, file, o.folds);
    const { folds } = woken;
    const index = new LogIndex(woken.index);
    const scanned = await scanLog(file, {
      from: woken.from,
      loadBlob: (ref, offset) => blobs.get(ref, offset),
      onEvents: (events) => {
        for (const event of events) folds.apply(event);
      },
      onPosition: (point) => index.add(point),
      windowBytes: o.windowBytes,
    });
    throwOnDamage(sessionId, scanned);
    const truncatedTailBytes = scanned.tail?.bytes ?? 0;
    if (scanned.tail || fstatSync(fd).size > scanned.end.offset) {
      // A torn append of a writer that died (never acknowledged, so cutting it off loses nothing), or the
      // zeros it had written ahead.
      ftruncateSync(fd, scanned.end.offset);
      await fsyncInPool(fd);
    }
    const size = fstatSync(fd).size;
    lock.check();
    const lastRecord =
      scanned.lastRecordAt >= 0
        ? { offset: scanned.lastRecordAt, crc32: crcOfRecordAt(fd, scanned.lastRecordAt) }
        : woken.last;
    o.onIndex(index);
    const position = {
      fd,
      size,
      allocated: size,
      lastSeq: scanned.end.seq - 1,
      lastRecord,
      dir,
      checkpointed: woken.checkpointed,
      maxBytes: o.maxLogBytes,
      checkpointRecords: o.checkpointRecords,
      sizeWarning: o.sizeWarning,
    };
    const opened = openedLog(folds.sessionState, truncatedTailBytes, () => o.readAll(blobs, size), o.sizeWarning(size));
    const records = new RecordIndex({
      fd,
      size: () => position.size,
      dir,
      sessionId,
      loadBlob: (ref, offset) => blobs.get(ref, offset),
      ...(o.windowBytes ? { windowBytes: o.windowBytes } : {}),
    });
    return new FileSessionWriter(sessionId, lock, position, blobs, o.blobThresholdBytes, folds, index, records, opened);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    await lock.release().catch(() => undefined); // the error that got us here is the one to report
    throw error;
  } finally {
    await file?.close();
  }
}

/** A scan that met a damaged record (not a torn last line) is a LogCorruptError naming its offset. */
export function throwOnDamage(sessionId: string, decoded: { damage?: { byteOffset: number; reason: string } }): void {
  if (decoded.damage) throw new LogCorruptError(sessionId, decoded.damage.byteOffset, decoded.damage.reason);
}

/** An OpenedLog whose events are read on first use (and kept: whoever asks once asks again). */
function openedLog(
  state: SessionState,
  truncatedTailBytes: number,
  readEvents: () => SessionEvent[],
  sizeWarning: string | undefined,
): OpenedLog {
  let events: SessionEvent[] | undefined;
  return {
    state,
    truncatedTailBytes,
    ...(sizeWarning === undefined ? {} : { sizeWarning }),
    get events() {
      events ??= readEvents();
      return events;
    },
  };
}

/** The checksum a record's line carries, read from the file. */
function crcOfRecordAt(fd: number, offset: number): string {
  const head = Buffer.alloc(18);
  readSync(fd, head, 0, head.length, offset);
  return lineCrc(head);
}
