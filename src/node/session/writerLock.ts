// The single-writer lock of a session, with a fencing number.
//
// The lock is a file named by its fence: `lock-<fence>.json` while held, `lock-<fence>.released` after a
// clean close. The highest fence present is the current one, so the fence is persisted and only grows.
// Taking the lock means creating `lock-<max+1>.json` with link(2), which fails if the name exists: when
// two processes race for a stale (or released) lock, exactly one link succeeds and the other sees a live
// holder. Nobody ever deletes the current lock file, so there is no window in which a racer could remove
// the winner's lock. The winner removes the older lock files before it touches the log: a writer still
// holds its fence as long as its own `lock-<fence>.json` is there.
//
// A lock whose holder is dead is taken over at once; whether it is dead is judged in holderLiveness.ts
// (its pid, where the pid means the same process for us) or, where a pid cannot tell, by its lease
// (writerLease.ts: the holder touches its lock file every second; one that stood still for ten is stale).
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, linkSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FenceLostError, SessionLockedError } from '../../core/errors.ts';
import { fsyncDirectoryInPool, fsyncInPool, writeAllSync } from './durableFiles.ts';
import { judgeHolder, recordedIdentity } from './holderLiveness.ts';
import type { Liveness, RecordedHolder } from './holderLiveness.ts';
import { defaultProcessProbe } from './processProbe.ts';
import type { ProcessProbe } from './processProbe.ts';
import { DEFAULT_LEASE, startHeartbeat, watchLease } from './writerLease.ts';
import type { Heartbeat, LeaseTiming } from './writerLease.ts';

export interface LockHolder extends RecordedHolder {
  fence: number;
  acquired_at: string;
  /** The holder's lease: it touches its lock file this often, and may be taken over after a still
   * `stale_after_ms`. Absent in locks written before leases: those are judged by their pid alone. */
  heartbeat_ms?: number;
  stale_after_ms?: number;
}

export interface WriterLockOptions {
  /** How processes are seen; the default reads /proc where there is one. */
  probe?: ProcessProbe;
  /** The lease this process keeps while it holds a lock (what it asks of others is in their lock files). */
  lease?: LeaseTiming;
  /** How long a killed holder that is still finishing a system call is waited for. Default 5 s. */
  dyingWaitMs?: number;
}

const LOCK_NAME = /^lock-(\d+)\.(json|released)$/;
const ATTEMPTS = 20;
const DYING_WAIT_MS = 5000;
const MAX_STALE_AFTER_MS = 120_000;
/** Lock files this process holds: for a lock with our own pid, that is the whole liveness answer. */
const heldHere = new Set<string>();

export class WriterLock {
  private released = false;
  /** Built once: check() runs on every durable append, and path joining costs more than the stat. */
  private readonly ownFile: string;
  private readonly heartbeat: Heartbeat;

  private constructor(
    private readonly dir: string,
    private readonly sessionId: string,
    readonly fence: number,
    heartbeatMs: number,
  ) {
    this.ownFile = join(dir, lockName(fence, 'json'));
    heldHere.add(this.ownFile);
    this.heartbeat = startHeartbeat(this.ownFile, heartbeatMs);
  }

  static async acquire(sessionDir: string, sessionId: string, options: WriterLockOptions = {}): Promise<WriterLock> {
    const probe = options.probe ?? defaultProcessProbe();
    const lease = options.lease ?? DEFAULT_LEASE;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      let current = currentLock(sessionDir);
      if (current?.state === 'json') {
        const path = join(sessionDir, current.name);
        const holder = readHolder(path);
        // Gone: it was released or cleaned up between readdir and read; look again. (Lock files are
        // linked into place whole, so one that does not parse was damaged from outside: no holder.)
        if (holder === 'gone') continue;
        if (holder !== 'damaged') {
          // The fence is the file's name (what the content says could only differ if damaged from outside).
          const decided = await decide(
            { ...holder, fence: current.fence },
            path,
            probe,
            sessionId,
            options.dyingWaitMs ?? DYING_WAIT_MS,
          );
          if (decided === 'look again') continue;
          // The decision may have taken a while: the lock must still be the one decided about, and from
          // here to the link nothing of ours runs (no await), so no other fence can come in between.
          const now = currentLock(sessionDir);
          if (now?.name !== current.name) continue;
          current = now;
        }
      }
      const fence = (current?.fence ?? 0) + 1;
      const me: LockHolder = {
        ...recordedIdentity(probe.self()),
        fence,
        acquired_at: new Date().toISOString(),
        heartbeat_ms: lease.heartbeatMs,
        stale_after_ms: lease.staleAfterMs,
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
      return new WriterLock(sessionDir, sessionId, fence, lease.heartbeatMs);
    }
    const current = currentLock(sessionDir);
    throw new SessionLockedError(
      sessionId,
      undefined,
      current?.fence ?? 0,
      `its writer lock changed hands ${ATTEMPTS} times while this process tried to take it: other processes are ` +
        `taking the session over right now. Try again in a moment.`,
    );
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
    heldHere.delete(this.ownFile);
    await this.heartbeat.stop();
    try {
      renameSync(this.ownFile, join(this.dir, lockName(this.fence, 'released')));
      await fsyncDirectoryInPool(this.dir);
    } catch (error) {
      // Already superseded (and cleaned up by the next writer), or the session was deleted.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

/**
 * Resolves when the holder is dead (its lock may be taken over), 'look again' when the lock changed
 * meanwhile or the holder finished dying; throws SessionLockedError, saying what the person can do,
 * when the holder lives or cannot be judged.
 */
async function decide(
  holder: LockHolder,
  path: string,
  probe: ProcessProbe,
  sessionId: string,
  dyingWaitMs: number,
): Promise<'dead' | 'look again'> {
  const liveness = judgeHolder(holder, probe, heldHere.has(path));
  switch (liveness.verdict) {
    case 'dead':
      return 'dead';
    case 'alive':
      throw locked(sessionId, holder, liveness);
    case 'dying': {
      // Killed, but a thread is finishing a system call (a write to this log, say): taking over now could
      // let that write land after ours. It takes milliseconds, unless the disk hangs.
      const startedAt = performance.now();
      while (performance.now() - startedAt < dyingWaitMs) {
        await sleep(10);
        if (probe.inspect(holder.pid).state !== 'dying') return 'look again';
      }
      throw locked(sessionId, holder, liveness, dyingWaitMs);
    }
    case 'undecided': {
      const timing = leaseOf(holder);
      if (!timing) throw locked(sessionId, holder, liveness);
      const outcome = await watchLease(path, timing);
      if (outcome === 'gone') return 'look again';
      if (outcome === 'beating') throw locked(sessionId, holder, liveness);
      return 'dead';
    }
  }
}

/** The lease a holder promised, within bounds: a lock file with a wild number must not make us wait for ever. */
function leaseOf(holder: LockHolder): LeaseTiming | undefined {
  const { heartbeat_ms: heartbeatMs, stale_after_ms: staleAfterMs } = holder;
  if (typeof heartbeatMs !== 'number' || typeof staleAfterMs !== 'number' || !(heartbeatMs > 0) || !(staleAfterMs > 0))
    return undefined;
  return {
    heartbeatMs: Math.min(heartbeatMs, MAX_STALE_AFTER_MS),
    staleAfterMs: Math.min(staleAfterMs, MAX_STALE_AFTER_MS),
  };
}

/** The refusal: who holds the session, what the person can do, and what Agent OS does by itself. */
function locked(sessionId: string, holder: LockHolder, liveness: Liveness, waitedMs = 0): SessionLockedError {
  const since = holder.acquired_at ? `, since ${holder.acquired_at}` : '';
  if (liveness.verdict === 'undecided') {
    const where =
      liveness.why === 'another host'
        ? ` on host ${holder.host}`
        : liveness.why === 'another kernel or pid namespace'
          ? ' in another pid namespace or boot'
          : '';
    const who = `pid ${holder.pid}${where}${since}`;
    const timing = leaseOf(holder);
    if (!timing) {
      return new SessionLockedError(
        sessionId,
        holder.pid,
        holder.fence,
        `it cannot be checked from here (${liveness.why}) and keeps no heartbeat (an older Agent OS). If it still runs, ` +
          `let it finish or stop it. If nothing writes this session any more, rename lock-${holder.fence}.json in the ` +
          `session's folder to lock-${holder.fence}.released and resume.`,
        who,
      );
    }
    return new SessionLockedError(
      sessionId,
      holder.pid,
      holder.fence,
      `it is alive: its heartbeat is current. Let it finish, or stop it where it runs. If it dies, Agent OS takes ` +
        `the session over by itself once its heartbeat has stood still for ${seconds(timing.staleAfterMs)}; resume then.`,
      who,
    );
  }
  if (liveness.verdict === 'dying') {
    return new SessionLockedError(
      sessionId,
      holder.pid,
      holder.fence,
      `it was killed but has not exited for ${seconds(waitedMs)} (a system call that does not return, such as ` +
        `a write to a hung disk). Agent OS takes the session over as soon as it has exited; resume again then.`,
      `pid ${holder.pid}${since}`,
    );
  }
  if (holder.pid === process.pid) {
    return new SessionLockedError(
      sessionId,
      holder.pid,
      holder.fence,
      `that is this process: the session is running here already. Let that run finish, or interrupt it.`,
      `pid ${holder.pid}${since}`,
    );
  }
  return new SessionLockedError(
    sessionId,
    holder.pid,
    holder.fence,
    `let it finish, or stop it (kill ${holder.pid}). Once it has exited — also when it was killed or crashed — ` +
      `Agent OS takes the session over by itself at the next resume.`,
    `pid ${holder.pid}${since}`,
  );
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
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
    // pid 0 or below would make kill(2) ask about a whole process group: not a holder either.
    return Number.isInteger(holder?.pid) && holder.pid > 0 && typeof holder.host === 'string' ? holder : 'damaged';
  } catch {
    return 'damaged';
  }
}
