// Opening a session's writer, under the lock the store took: the wake — the fold checkpoint plus the records
// after it, or, without a checkpoint that agrees with the log, the whole log in windows — a torn last append
// of a writer that died cut off, and a writer that appends after the last whole record.
import { closeSync, fstatSync, ftruncateSync, openSync, readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { LogCorruptError } from '../../core/errors.ts';
import type { SessionEvent } from '../../core/events/sessionEvent.ts';
import { initialSessionState, SessionFold, type SessionState } from '../../core/session/sessionState.ts';
import type { OpenedLog } from '../../core/session/sessionStore.ts';
import { BlobStore } from './blobStore.ts';
import { fsyncInPool, removeLeftoverTemps } from './durableFiles.ts';
import { FileSessionWriter } from './fileSessionWriter.ts';
import { checkpointMatches, readCheckpoint, recordCrc } from './foldCheckpoint.ts';
import { LogIndex } from './logIndex.ts';
import { LOG_START, scanLog } from './logScan.ts';
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
    const logPath = join(dir, LOG);
    fd = openSync(logPath, 'a+');
    file = await open(logPath, 'r');
    const blobs = new BlobStore(sessionId, join(dir, BLOBS));
    const saved = readCheckpoint(dir, sessionId);
    const checkpoint = saved && (await checkpointMatches(file, saved)) ? saved : undefined;
    const fold = new SessionFold(checkpoint?.state ?? initialSessionState(sessionId));
    const index = new LogIndex(checkpoint?.index ?? []);
    const scanned = await scanLog(file, {
      from: checkpoint ? { offset: checkpoint.bytes, seq: checkpoint.records + 1 } : LOG_START,
      loadBlob: (ref, offset) => blobs.get(ref, offset),
      onEvents: (events) => {
        for (const event of events) fold.apply(event);
      },
      onPosition: (point) => index.add(point),
      windowBytes: o.windowBytes,
    });
    throwOnDamage(sessionId, scanned);
    let truncatedTailBytes = 0;
    if (scanned.tail) {
      // A torn append of a writer that died: it was never acknowledged, so cutting it off loses nothing.
      ftruncateSync(fd, scanned.end.offset);
      await fsyncInPool(fd);
      truncatedTailBytes = scanned.tail.bytes;
    }
    const size = fstatSync(fd).size;
    lock.check();
    const lastRecord =
      scanned.lastRecordAt >= 0
        ? { offset: scanned.lastRecordAt, crc32: crcOfRecordAt(fd, scanned.lastRecordAt) }
        : checkpoint?.last;
    o.onIndex(index);
    const position = {
      fd,
      size,
      lastSeq: scanned.end.seq - 1,
      lastRecord,
      dir,
      checkpointed: checkpoint?.records ?? 0,
      maxBytes: o.maxLogBytes,
    };
    const opened = openedLog(fold.state, truncatedTailBytes, () => o.readAll(blobs, size), o.sizeWarning(size));
    return new FileSessionWriter(sessionId, lock, position, blobs, o.blobThresholdBytes, fold, index, opened);
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
  return recordCrc(head);
}
