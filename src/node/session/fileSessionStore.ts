// SessionStore on files. Layout of the storage folder:
//
//   <dir>/<sesn_id>/meta.json        session metadata, replaced atomically
//   <dir>/<sesn_id>/events.jsonl     the append-only log, one checksummed record per line (recordCodec.ts)
//   <dir>/<sesn_id>/fold-<name>.json a fold (the session's state, a view's) up to a recent record (foldCheckpoint.ts);
//                                    `fold-record-index.json` is where each thread's records are (recordIndex.ts)
//   <dir>/<sesn_id>/blobs/<sha256>   events too large to keep inline (blobStore.ts)
//   <dir>/<sesn_id>/lock-<n>.json    the writer lock and its fencing number (writerLock.ts)
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentOsError, describeBytes, SessionExistsError, SessionNotFoundError } from '../../core/errors.ts';
import type { SessionEvent } from '../../core/events/sessionEvent.ts';
import type { FoldedLog, LogFold } from '../../core/session/logFold.ts';
import { SESSION_STATE_FOLD } from '../../core/session/sessionStateFold.ts';
import type {
  ForkRequest,
  LogCursor,
  LogPage,
  NewSession,
  SessionMeta,
  SessionStore,
  SessionWriter,
  VerifyReport,
} from '../../core/session/sessionStore.ts';
import { assertForkPoint, assertSessionId, newSessionMeta, patchedMeta } from '../../core/session/storeRules.ts';
import { BlobStore } from './blobStore.ts';
import { fsyncDirectoryInPool, writeFileAtomic, writeNewFile } from './durableFiles.ts';
import { writeForkedLog } from './forkedLog.ts';
import { readFoldedLog } from './foldedRead.ts';
import { assertFoldName, readCheckpoint } from './foldCheckpoint.ts';
import { checkedFolds } from './keptFolds.ts';
import { followLog } from './followLog.ts';
import { LogIndex } from './logIndex.ts';
import { LOG_START, scanLog, scanLogSync } from './logScan.ts';
import type { ScanOptions, ScanResult } from './logScan.ts';
import { BLOBS, LOG, META } from './sessionLayout.ts';
import { WriterLock } from './writerLock.ts';
import type { WriterLockOptions } from './writerLock.ts';
import { openSessionWriter, throwOnDamage } from './writerOpening.ts';

export interface FileSessionStoreOptions {
  /** Events whose JSON is larger than this go to blob files. Default 256 KiB. */
  blobThresholdBytes?: number;
  /** How often a follower looks at the log when no change notification arrives. Default 200 ms. */
  followPollMs?: number;
  /** How writer locks judge their holders and keep their own lease (tests shorten it). */
  writerLock?: WriterLockOptions;
  /** Bytes a reader reads at a time (tests make it small). Default 4 MiB. */
  readWindowBytes?: number;
  /** The size a session's log may reach; appends past it are refused with LOG_FULL, and a writer
   * opened past SIZE_WARNING_SHARE of it says so. Default 64 GiB. */
  maxLogBytes?: number;
  /** Folds (beside the session's state) that this store's writers keep current and checkpoint as they
   * append, so that readers of them find a checkpoint near the end of a long log. */
  folds?: readonly LogFold<unknown>[];
  /** Records a writer appends, or a reader folds past the last checkpoint, before it writes a checkpoint
   * of its folds. Default 4096 (tests make it small). */
  checkpointRecords?: number;
}

export const DEFAULT_BLOB_THRESHOLD_BYTES = 256 * 1024;
export const DEFAULT_MAX_LOG_BYTES = 64 * 2 ** 30;
const SIZE_WARNING_SHARE = 0.75;

export class FileSessionStore implements SessionStore {
  private readonly blobThresholdBytes: number;
  private readonly followPollMs: number;
  private readonly writerLock: WriterLockOptions;
  /** Index points of the logs this store has scanned or written. */
  private readonly indexes = new Map<string, LogIndex>();
  private readonly windowBytes: number | undefined;
  private maxLogBytes: number;
  private readonly folds: readonly LogFold<unknown>[];
  private readonly checkpointRecords: number;

  constructor(
    readonly dir: string,
    options: FileSessionStoreOptions = {},
  ) {
    this.blobThresholdBytes = options.blobThresholdBytes ?? DEFAULT_BLOB_THRESHOLD_BYTES;
    this.followPollMs = options.followPollMs ?? 200;
    this.writerLock = options.writerLock ?? {};
    this.windowBytes = options.readWindowBytes;
    this.maxLogBytes = options.maxLogBytes ?? DEFAULT_MAX_LOG_BYTES;
    this.folds = checkedFolds(options.folds ?? []);
    this.checkpointRecords = options.checkpointRecords ?? 4096;
  }

  /** A new size limit (a changed setting): for the writers opened from now on; open ones keep theirs. */
  setMaxLogBytes(bytes: number | undefined): void {
    this.maxLogBytes = bytes ?? DEFAULT_MAX_LOG_BYTES;
  }

  async create(session: NewSession): Promise<SessionMeta> {
    return this.make(newSessionMeta(session, new Date()), (temp) => writeNewFile(join(temp, LOG), ''));
  }

  async fork(sourceId: string, request: ForkRequest): Promise<SessionMeta> {
    const point = await this.readPage(sourceId, { fromSeq: request.throughSeq, limit: 1 });
    assertForkPoint(sourceId, request.throughSeq, point.events.length > 0 ? request.throughSeq : point.next.seq - 1);
    const meta = newSessionMeta(request.session, new Date());
    return this.make(meta, (temp) =>
      writeForkedLog({
        sessionId: meta.id,
        dir: temp,
        blobThresholdBytes: this.blobThresholdBytes,
        throughSeq: request.throughSeq,
        readPage: async (fromSeq, limit) => (await this.readPage(sourceId, { fromSeq, limit })).events,
        append: request.append ?? [],
      }),
    );
  }

  /** A session folder, built aside (meta, blobs folder, and the log `writeLog` writes) and renamed into place. */
  private async make(meta: SessionMeta, writeLog: (temp: string) => Promise<void>): Promise<SessionMeta> {
    mkdirSync(this.dir, { recursive: true });
    const final = this.sessionDir(meta.id);
    if (existsSync(final)) throw new SessionExistsError(meta.id);
    // Built aside and renamed into place, so a session folder is never seen half made.
    const temp = join(this.dir, `.create-${meta.id}-${randomBytes(4).toString('hex')}`);
    mkdirSync(temp);
    try {
      await writeNewFile(join(temp, META), `${JSON.stringify(meta, null, 2)}\n`);
      mkdirSync(join(temp, BLOBS));
      await writeLog(temp);
      await fsyncDirectoryInPool(temp);
      try {
        renameSync(temp, final);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOTEMPTY' || code === 'EEXIST') throw new SessionExistsError(meta.id);
        throw error;
      }
    } catch (error) {
      rmSync(temp, { recursive: true, force: true });
      throw error;
    }
    await fsyncDirectoryInPool(this.dir);
    this.indexes.delete(meta.id);
    return meta;
  }

  async list(): Promise<SessionMeta[]> {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const metas: SessionMeta[] = [];
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const meta = this.readMeta(name);
      if (meta) metas.push(meta);
    }
    return metas.sort((a, b) => b.created_at.localeCompare(a.created_at) || a.id.localeCompare(b.id));
  }

  async get(sessionId: string): Promise<SessionMeta> {
    assertSessionId(sessionId);
    const meta = this.readMeta(sessionId);
    if (!meta) throw new SessionNotFoundError(sessionId);
    return meta;
  }

  async updateMeta(sessionId: string, patch: Partial<Pick<SessionMeta, 'title' | 'metadata'>>): Promise<SessionMeta> {
    const meta = patchedMeta(await this.get(sessionId), patch, new Date());
    await writeFileAtomic(join(this.sessionDir(sessionId), META), `${JSON.stringify(meta, null, 2)}\n`);
    return meta;
  }

  async delete(sessionId: string): Promise<void> {
    await this.get(sessionId);
    const dir = this.sessionDir(sessionId);
    // Taking the writer lock refuses a session that a live process writes, and keeps any writer from
    // starting until the folder is gone. Renamed away first: the session disappears at once, even if
    // removing its files takes a while.
    const lock = await WriterLock.acquire(dir, sessionId, this.writerLock);
    const trash = join(this.dir, `.deleted-${sessionId}-${randomBytes(4).toString('hex')}`);
    try {
      renameSync(dir, trash);
    } catch (error) {
      await lock.release();
      throw error;
    }
    this.indexes.delete(sessionId);
    await fsyncDirectoryInPool(this.dir);
    rmSync(trash, { recursive: true, force: true });
  }

  async openWriter(sessionId: string): Promise<SessionWriter> {
    await this.get(sessionId);
    const dir = this.sessionDir(sessionId);
    const lock = await WriterLock.acquire(dir, sessionId, this.writerLock);
    return openSessionWriter({
      dir,
      sessionId,
      lock,
      windowBytes: this.windowBytes,
      blobThresholdBytes: this.blobThresholdBytes,
      maxLogBytes: this.maxLogBytes,
      folds: this.folds,
      checkpointRecords: this.checkpointRecords,
      sizeWarning: (size) => this.sizeWarning(sessionId, size),
      readAll: (blobs, size) => this.readAllSync(sessionId, blobs, size),
      onIndex: (index) => this.indexes.set(sessionId, index),
    });
  }

  async readFolded<S>(sessionId: string, fold: LogFold<S>): Promise<FoldedLog<S>> {
    assertFoldName(fold.name);
    const file = await this.openLog(sessionId);
    try {
      return await readFoldedLog({
        file,
        dir: this.sessionDir(sessionId),
        sessionId,
        fold,
        checkpointRecords: this.checkpointRecords,
        scan: (from, onEvents) => this.scanFrom(sessionId, file, { fromSeq: from.seq, after: from, onEvents }),
      });
    } finally {
      await file.close();
    }
  }

  async read(sessionId: string, options?: { fromSeq?: number }): Promise<SessionEvent[]> {
    return (await this.readPage(sessionId, options)).events;
  }

  async readPage(sessionId: string, options?: { fromSeq?: number; limit?: number }): Promise<LogPage> {
    const file = await this.openLog(sessionId);
    try {
      const events: SessionEvent[] = [];
      const scanned = await this.scanFrom(sessionId, file, {
        fromSeq: options?.fromSeq ?? 1,
        limit: options?.limit,
        onEvents: collectInto(events),
      });
      throwOnDamage(sessionId, scanned);
      // A bad last line is a torn append (or one being written right now): not part of the log.
      return { events, next: scanned.end };
    } finally {
      await file.close();
    }
  }

  follow(
    sessionId: string,
    options: { fromSeq?: number; after?: LogCursor; signal: AbortSignal },
  ): AsyncIterable<SessionEvent> {
    assertSessionId(sessionId);
    return followLog({
      sessionId,
      logPath: join(this.sessionDir(sessionId), LOG),
      fromSeq: options.fromSeq ?? 1,
      signal: options.signal,
      pollMs: this.followPollMs,
      scan: (file, scan) =>
        this.scanFrom(sessionId, file, { ...scan, after: scan.after ?? options.after, stopAtZero: true }),
    });
  }

  async verify(sessionId: string): Promise<VerifyReport> {
    const file = await this.openLog(sessionId);
    let scanned: ScanResult;
    try {
      const blobs = this.blobs(sessionId);
      scanned = await scanLog(file, {
        loadBlob: (ref, offset) => blobs.get(ref, offset),
        reportBlobDamage: true,
        windowBytes: this.windowBytes,
      });
    } finally {
      await file.close();
    }
    const report: VerifyReport = {
      ok: !scanned.damage && !scanned.tail,
      records: scanned.end.seq - 1,
      bytes: scanned.size,
    };
    if (scanned.damage) report.damage = { ...scanned.damage, tornTail: false };
    else if (scanned.tail)
      report.damage = { byteOffset: scanned.tail.byteOffset, reason: scanned.tail.reason, tornTail: true };
    return report;
  }

  /** Folder of one session (exists or not). */
  sessionDir(sessionId: string): string {
    assertSessionId(sessionId);
    return join(this.dir, sessionId);
  }

  private blobs(sessionId: string): BlobStore {
    return new BlobStore(sessionId, join(this.sessionDir(sessionId), BLOBS));
  }

  /**
   * Scans from `after` (a cursor a caller got from this store), or from the index point nearest below
   * `fromSeq`. A point that does not hold the record it names (the log was rewritten, or the cursor is
   * made up) is found by the scan's first check, and the scan is done again from the start of the log.
   */
  private async scanFrom(
    sessionId: string,
    file: FileHandle,
    options: Pick<ScanOptions, 'limit' | 'onEvents' | 'stopAtZero'> & { fromSeq: number; after?: LogCursor },
  ): Promise<ScanResult> {
    const index = this.indexOf(sessionId);
    const blobs = this.blobs(sessionId);
    const from = options.after ?? index.floor(options.fromSeq);
    const scan = (start: LogCursor, fromSeq: number): Promise<ScanResult> =>
      scanLog(file, {
        from: start,
        fromSeq,
        limit: options.limit,
        loadBlob: (ref, offset) => blobs.get(ref, offset),
        onEvents: options.onEvents,
        onPosition: (point) => index.add(point),
        windowBytes: this.windowBytes,
        stopAtZero: options.stopAtZero,
      });
    let scanned = await scan(from, Math.max(options.fromSeq, from.seq));
    if (from.offset > 0 && (scanned.damage?.byteOffset === from.offset || from.offset > scanned.size)) {
      if (!options.after) index.dropFrom(from.seq);
      scanned = await scan(LOG_START, Math.max(options.fromSeq, from.seq));
    }
    if (!scanned.damage) index.add(scanned.end);
    return scanned;
  }

  private indexOf(sessionId: string): LogIndex {
    let index = this.indexes.get(sessionId);
    if (!index) {
      // A process that has not scanned this log yet starts from the points its checkpoint keeps.
      index = new LogIndex(readCheckpoint(this.sessionDir(sessionId), sessionId, SESSION_STATE_FOLD)?.index ?? []);
      this.indexes.set(sessionId, index);
    }
    return index;
  }

  private sizeWarning(sessionId: string, size: number): string | undefined {
    if (size < this.maxLogBytes * SIZE_WARNING_SHARE) return undefined;
    return `session ${sessionId}: its log is ${describeBytes(size)} of the ${describeBytes(this.maxLogBytes)} a session may hold; at the limit appends are refused. Start a new session for further work soon`;
  }

  /** Every event up to `endOffset`, read in windows with blocking reads (an opened log's events). */
  private readAllSync(sessionId: string, blobs: BlobStore, endOffset: number): SessionEvent[] {
    const events: SessionEvent[] = [];
    const fd = openSync(join(this.sessionDir(sessionId), LOG), 'r');
    try {
      const scanned = scanLogSync(fd, {
        endOffset,
        loadBlob: (ref, offset) => blobs.get(ref, offset),
        onEvents: collectInto(events),
        windowBytes: this.windowBytes,
      });
      throwOnDamage(sessionId, scanned);
    } finally {
      closeSync(fd);
    }
    return events;
  }

  private async openLog(sessionId: string): Promise<FileHandle> {
    assertSessionId(sessionId);
    try {
      return await open(join(this.sessionDir(sessionId), LOG), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new SessionNotFoundError(sessionId);
      throw error;
    }
  }

  private readMeta(sessionId: string): SessionMeta | undefined {
    let text: string;
    try {
      text = readFileSync(join(this.dir, sessionId, META), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw error;
    }
    try {
      return JSON.parse(text) as SessionMeta;
    } catch {
      // Written atomically, so only damage from outside can do this: say so rather than skip it.
      throw new AgentOsError('LOG_CORRUPT', `session ${sessionId}: ${META} is damaged (not valid JSON)`);
    }
  }
}

function collectInto(events: SessionEvent[]): (window: SessionEvent[]) => void {
  return (window) => {
    for (const event of window) events.push(event);
  };
}
