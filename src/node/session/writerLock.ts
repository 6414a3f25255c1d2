// The single-writer lock of a session, with a fencing number.
//
// The lock is a file named by its fence: `lock-<fence>.json` while held, `lock-<fence>.released` after a
// clean close. The highest fence present is the current one, so the fence is persisted and only grows.
// Taking the lock means creating `lock-<max+1>.json` with link(2), which fails if the name exists: when
// two processes race for a stale (or released) lock, exactly one link succeeds and the other sees a live
// holder. Nobody ever deletes the current lock file, so there is no window in which a racer could remove
// the winner's lock. The winner removes the older lock files before it touches the log: a writer still
// holds its fence as long as its own `lock-<fence>.json` is there.
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, linkSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { FenceLostError, SessionLockedError } from '../../core/errors.ts';
import { fsyncDirectoryInPool, fsyncInPool, writeAllSync } from './durableFiles.ts';

export interface LockHolder {
  pid: number;
  host: string;
  /** Kernel start time of the holder process (Linux), so a reused pid is not taken for the holder. */
  start?: string;
  fence: number;
  acquired_at: string;
}

const LOCK_NAME = /^lock-(\d+)\.(json|released)$/;
const ATTEMPTS = 20;

export class WriterLock {
  private released = false;
  /** Built once: check() runs on every durable append, and path joining costs more than the stat. */
  private readonly ownFile: string;

  private constructor(
    private readonly dir: string,
    private readonly sessionId: string,
    readonly fence: number,
  ) {
    this.ownFile = join(dir, lockName(fence, 'json'));
  }

  static async acquire(sessionDir: string, sessionId: string): Promise<WriterLock> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const current = currentLock(sessionDir);
      if (current?.state === 'json') {
        const holder = readHolder(join(sessionDir, current.name));
        // Gone: it was released or cleaned up between readdir and read; look again. (Lock files are
        // linked into place whole, so one that does not parse was damaged from outside: no holder.)
        if (holder === 'gone') continue;
        if (holder !== 'damaged' && isAlive(holder)) throw new SessionLockedError(sessionId, holder.pid, current.fence);
      }
      const fence = (current?.fence ?? 0) + 1;
      const me: LockHolder = {
        pid: process.pid,
        host: hostname(),
        ...(ownStartTime() === undefined ? {} : { start: ownStartTime() as string }),
        fence,
        acquired_at: new Date().toISOString(),
      };
      const temp = join(sessionDir, `.lock-tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
      // Written and linked on this tick: nothing of ours runs between reading the current fence and
      // claiming the next. The disk syncs (the lock's content, then its name) are awaited after the link,
      // in the thread pool, and before the lock is handed out, so the log is touched only once they hold.
      const fd = openSync(temp, 'wx', 0o644);
      let linked = false;
      try {
        writeAllSync(fd, `${JSON.stringify(me)}\n`);
        try {
          linkSync(temp, join(sessionDir, lockName(fence, 'json')));
          linked = true;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // EEXIST: lost the race, look again
        } finally {
          unlinkSync(temp);
        }
        if (linked) await fsyncInPool(fd);
      } finally {
        closeSync(fd);
      }
      if (!linked) continue;
      await fsyncDirectoryInPool(sessionDir);
      removeOlderLocks(sessionDir, fence);
      return new WriterLock(sessionDir, sessionId, fence);
    }
    const current = currentLock(sessionDir);
    throw new SessionLockedError(sessionId, undefined, current?.fence ?? 0);
  }

  /**
   * Throws FenceLostError when another writer has taken the session over. One stat: a takeover links
   * `lock-<fence+1>.json` and then removes every older lock file, ours included, before it reads the log.
   */
  check(): void {
    if (this.released) throw new Error(`writer lock of session ${this.sessionId} was released`);
    if (!existsSync(this.ownFile)) {
      throw new FenceLostError(this.sessionId, this.fence, currentLock(this.dir)?.fence ?? this.fence + 1);
    }
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    try {
      renameSync(this.ownFile, join(this.dir, lockName(this.fence, 'released')));
      await fsyncDirectoryInPool(this.dir);
    } catch (error) {
      // Already superseded (and cleaned up by the next writer), or the session was deleted.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

function lockName(fence: number, state: 'json' | 'released'): string {
  return `lock-${fence}.${state}`;
}

function currentLock(dir: string): { fence: number; state: 'json' | 'released'; name: string } | undefined {
  let best: { fence: number; state: 'json' | 'released'; name: string } | undefined;
  for (const name of readdirSync(dir)) {
    const m = LOCK_NAME.exec(name);
    if (!m) continue;
    const fence = Number(m[1]);
    const state = m[2] as 'json' | 'released';
    // The held file wins a tie: a `.released` of the same fence can only be left by a crash mid-rename.
    if (!best || fence > best.fence || (fence === best.fence && state === 'json')) best = { fence, state, name };
  }
  return best;
}

function removeOlderLocks(dir: string, fence: number): void {
  for (const name of readdirSync(dir)) {
    const m = LOCK_NAME.exec(name);
    if (!m || Number(m[1]) >= fence) continue;
    try {
      unlinkSync(join(dir, name));
    } catch {
      // another writer's cleanup got there first
    }
  }
}

function readHolder(path: string): LockHolder | 'gone' | 'damaged' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return 'gone';
  }
  try {
    const holder = JSON.parse(text) as LockHolder;
    return typeof holder?.pid === 'number' ? holder : 'damaged';
  } catch {
    return 'damaged';
  }
}

function isAlive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true; // another machine's process: we cannot tell, so never steal
  if (holder.pid === process.pid) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (holder.start !== undefined) {
    const start = startTimeOf(holder.pid);
    if (start !== undefined && start !== holder.start) return false; // the pid now belongs to another process
  }
  return true;
}

let ownStart: string | undefined | null = null;
function ownStartTime(): string | undefined {
  if (ownStart === null) ownStart = startTimeOf(process.pid);
  return ownStart;
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); undefined off Linux. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}
