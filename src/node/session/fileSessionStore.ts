// SessionStore on files. Layout of the storage folder:
//
//   <dir>/<sesn_id>/meta.json        session metadata, replaced atomically
//   <dir>/<sesn_id>/events.jsonl     the append-only log, one checksummed record per line (recordCodec.ts)
//   <dir>/<sesn_id>/blobs/<sha256>   events too large to keep inline (blobStore.ts)
//   <dir>/<sesn_id>/lock-<n>.json    the writer lock and its fencing number (writerLock.ts)
import { randomBytes } from 'node:crypto';
import { existsSync, ftruncateSync, fstatSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentOsError, LogCorruptError, SessionExistsError, SessionNotFoundError } from '../../core/errors.ts';
import type { SessionEvent } from '../../core/events/sessionEvent.ts';
import type { NewSession, SessionMeta, SessionStore, SessionWriter, VerifyReport } from '../../core/session/sessionStore.ts';
import { assertSessionId, newSessionMeta, patchedMeta } from '../../core/session/storeRules.ts';
import { BlobStore } from './blobStore.ts';
import { fsyncDirectoryInPool, fsyncInPool, removeLeftoverTemps, writeFileAtomic, writeNewFile } from './durableFiles.ts';
import { FileSessionWriter } from './fileSessionWriter.ts';
import { followLog } from './followLog.ts';
import { decodeRecords } from './recordCodec.ts';
import type { DecodeResult } from './recordCodec.ts';
import { WriterLock } from './writerLock.ts';
import type { WriterLockOptions } from './writerLock.ts';

export interface FileSessionStoreOptions {
  /** Events whose JSON is larger than this go to blob files. Default 256 KiB. */
  blobThresholdBytes?: number;
  /** How often a follower looks at the log when no change notification arrives. Default 200 ms. */
  followPollMs?: number;
  /** How writer locks judge their holders and keep their own lease (tests shorten it). */
  writerLock?: WriterLockOptions;
}

export const DEFAULT_BLOB_THRESHOLD_BYTES = 256 * 1024;
const META = 'meta.json';
const LOG = 'events.jsonl';
const BLOBS = 'blobs';

export class FileSessionStore implements SessionStore {
  private readonly blobThresholdBytes: number;
  private readonly followPollMs: number;
  private readonly writerLock: WriterLockOptions;

  constructor(
    readonly dir: string,
    options: FileSessionStoreOptions = {},
  ) {
    this.blobThresholdBytes = options.blobThresholdBytes ?? DEFAULT_BLOB_THRESHOLD_BYTES;
    this.followPollMs = options.followPollMs ?? 200;
    this.writerLock = options.writerLock ?? {};
  }

  async create(session: NewSession): Promise<SessionMeta> {
    const meta = newSessionMeta(session, new Date());
    mkdirSync(this.dir, { recursive: true });
    const final = this.sessionDir(meta.id);
    if (existsSync(final)) throw new SessionExistsError(meta.id);
    // Built aside and renamed into place, so a session folder is never seen half made.
    const temp = join(this.dir, `.create-${meta.id}-${randomBytes(4).toString('hex')}`);
    mkdirSync(temp);
    try {
      await writeNewFile(join(temp, META), `${JSON.stringify(meta, null, 2)}\n`);
      await writeNewFile(join(temp, LOG), '');
      mkdirSync(join(temp, BLOBS));
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
    await fsyncDirectoryInPool(this.dir);
    rmSync(trash, { recursive: true, force: true });
  }

  async openWriter(sessionId: string): Promise<SessionWriter> {
    await this.get(sessionId);
    const dir = this.sessionDir(sessionId);
    const lock = await WriterLock.acquire(dir, sessionId, this.writerLock);
    let fd: number | undefined;
    try {
      removeLeftoverTemps(dir);
      removeLeftoverTemps(join(dir, BLOBS));
      fd = openSync(join(dir, LOG), 'a+');
      const bytes = readFileSync(join(dir, LOG));
      const blobs = new BlobStore(sessionId, join(dir, BLOBS));
      const decoded = this.decode(bytes, blobs, 1);
      throwOnDamage(sessionId, decoded);
      let truncatedTailBytes = 0;
      if (decoded.tail) {
        // A torn append of a writer that died: it was never acknowledged, so cutting it off loses nothing.
        ftruncateSync(fd, decoded.validBytes);
        await fsyncInPool(fd);
        truncatedTailBytes = decoded.tail.bytes;
      }
      const size = fstatSync(fd).size;
      lock.check();
      return new FileSessionWriter(
        sessionId,
        lock,
        { fd, size, lastSeq: decoded.records },
        blobs,
        this.blobThresholdBytes,
        { events: decoded.events, truncatedTailBytes },
      );
    } catch (error) {
      if (fd !== undefined) closeSync(fd);
      await lock.release().catch(() => undefined); // the error that got us here is the one to report
      throw error;
    }
  }

  async read(sessionId: string, options?: { fromSeq?: number }): Promise<SessionEvent[]> {
    const bytes = await this.readLog(sessionId);
    const decoded = this.decode(bytes, this.blobs(sessionId), options?.fromSeq ?? 1);
    throwOnDamage(sessionId, decoded);
    // A bad last line is a torn append (or one being written right now): not part of the log.
    return decoded.events;
  }

  follow(sessionId: string, options: { fromSeq?: number; signal: AbortSignal }): AsyncIterable<SessionEvent> {
    assertSessionId(sessionId);
    return followLog({
      sessionId,
      logPath: join(this.sessionDir(sessionId), LOG),
      blobs: this.blobs(sessionId),
      fromSeq: options.fromSeq ?? 1,
      signal: options.signal,
      pollMs: this.followPollMs,
    });
  }

  async verify(sessionId: string): Promise<VerifyReport> {
    const bytes = await this.readLog(sessionId);
    const decoded = this.decode(bytes, this.blobs(sessionId), 1, true);
    const report: VerifyReport = { ok: !decoded.damage && !decoded.tail, records: decoded.records, bytes: bytes.length };
    if (decoded.damage) report.damage = { ...decoded.damage, tornTail: false };
    else if (decoded.tail) report.damage = { byteOffset: decoded.tail.byteOffset, reason: decoded.tail.reason, tornTail: true };
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

  private decode(bytes: Buffer, blobs: BlobStore, fromSeq: number, reportBlobDamage = false): DecodeResult {
    return decodeRecords(bytes, { fromSeq, loadBlob: (ref, offset) => blobs.get(ref, offset), reportBlobDamage });
  }

  private async readLog(sessionId: string): Promise<Buffer> {
    assertSessionId(sessionId);
    try {
      return await readWhole(join(this.sessionDir(sessionId), LOG));
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

/** The whole file in one read where possible: readFile's 512 KiB chunks cost a thread-pool round trip
 * each, which on a busy machine is most of the time it takes to open a long log. */
async function readWhole(path: string): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      // The writer may append while we read: take what is there now, plus whatever a short read left.
      const chunk = Buffer.allocUnsafe(Math.max(size - total, 64 * 1024));
      const { bytesRead } = await file.read(chunk, 0, chunk.length, total);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total >= size) break;
    }
    return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total);
  } finally {
    await file.close();
  }
}

function throwOnDamage(sessionId: string, decoded: DecodeResult): void {
  if (decoded.damage) throw new LogCorruptError(sessionId, decoded.damage.byteOffset, decoded.damage.reason);
}
