// A reader's fold of a session's log (SessionStore.readFolded): the fold's checkpoint, where it agrees with
// the log, plus the records after it. A reader that had to fold a long tail (the fold is not one the
// writer keeps, or the session was written where it was not) leaves a checkpoint for the next reader —
// only of records on disk: the log is fdatasynced first, so a power cut can never take back a record
// the checkpoint holds. Checkpoints are replaced atomically, so readers and the writer may all write one.
import type { FileHandle } from 'node:fs/promises';
import type { SessionEvent } from '../../core/events/sessionEvent.ts';
import type { FoldedLog, LogFold } from '../../core/session/logFold.ts';
import type { LogCursor } from '../../core/session/sessionStore.ts';
import {
  afterCheckpoint,
  checkpointMatches,
  checkpointText,
  readCheckpoint,
  recordCrcAt,
  writeCheckpointText,
} from './foldCheckpoint.ts';
import { LOG_START, type ScanResult } from './logScan.ts';
import { throwOnDamage } from './writerOpening.ts';

export interface FoldedRead<S> {
  file: FileHandle;
  dir: string;
  sessionId: string;
  fold: LogFold<S>;
  /** A reader that folded at least this many records past the checkpoint writes a new one. */
  checkpointRecords: number;
  /** The store's scan of this log from `from` on. */
  scan(from: LogCursor, onEvents: (events: SessionEvent[]) => void): Promise<ScanResult>;
}

export async function readFoldedLog<S>(r: FoldedRead<S>): Promise<FoldedLog<S>> {
  const { file, fold } = r;
  const saved = readCheckpoint(r.dir, r.sessionId, fold);
  const checkpoint = saved && (await checkpointMatches(file, saved)) ? saved : undefined;
  const state = checkpoint ? checkpoint.state : fold.start(r.sessionId);
  const from = checkpoint ? afterCheckpoint(checkpoint) : LOG_START;
  const scanned = await r.scan(from, (events) => {
    for (const event of events) fold.apply(state, event);
  });
  throwOnDamage(r.sessionId, scanned);
  if (scanned.end.seq - from.seq >= r.checkpointRecords && scanned.lastRecordAt >= 0) {
    try {
      const text = checkpointText(fold, state, {
        records: scanned.end.seq - 1,
        bytes: scanned.end.offset,
        last: { offset: scanned.lastRecordAt, crc32: await recordCrcAt(file, scanned.lastRecordAt) },
      });
      await file.datasync();
      await writeCheckpointText(r.dir, fold.name, text);
    } catch {
      // A checkpoint only makes the next opening faster (a store on a read-only disk, say, goes without).
    }
  }
  return { state, next: scanned.end };
}
