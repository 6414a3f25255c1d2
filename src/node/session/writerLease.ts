// The writer lock's lease: the holder touches its lock file's modification time every `heartbeatMs`, and
// a process that cannot check the holder's pid (another host over a shared folder, another pid namespace,
// a system without /proc) takes the lock over only after watching that time stand still for
// `staleAfterMs`.
//
// Watching for a change, rather than comparing the time with our clock, keeps the answer right when the
// two machines' clocks disagree. The lock file is opened for every look, because over NFS an open is what
// fetches fresh attributes (close-to-open consistency) where a plain stat may answer from a cache. The
// heartbeat only changes times, never creates the file: a holder whose lock was taken over (and removed)
// cannot bring it back, so fencing is untouched.
import { closeSync, fstatSync, openSync } from 'node:fs';
import { utimes } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LeaseTiming {
  heartbeatMs: number;
  staleAfterMs: number;
}

/** Ten missed beats: an event loop stalled for seconds (a long synchronous read, a swapping machine)
 * does not lose its session, and a dead holder on another host is taken over after ten seconds. */
export const DEFAULT_LEASE: LeaseTiming = { heartbeatMs: 1000, staleAfterMs: 10_000 };

export interface Heartbeat {
  /** Resolves once no touch is in flight any more. */
  stop(): Promise<void>;
}

/** Keeps the lease of `lockFile` fresh until stopped, or until the file is gone (released or taken over). */
export function startHeartbeat(lockFile: string, heartbeatMs: number): Heartbeat {
  let pending: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (pending) return; // a slow file server: one touch in flight is enough
    const now = new Date();
    pending = utimes(lockFile, now, now).then(
      () => (pending = undefined),
      (error: NodeJS.ErrnoException) => {
        pending = undefined;
        // Anything else (a file server that is away for a moment) is tried again on the next beat.
        if (error.code === 'ENOENT') clearInterval(timer);
      },
    );
  }, heartbeatMs);
  timer.unref(); // a process that holds a lock and has nothing else to do may still exit
  return {
    stop: async () => {
      clearInterval(timer);
      await pending;
    },
  };
}

export type LeaseOutcome = 'beating' | 'lapsed' | 'gone';

/** Watches the lease of `lockFile`: 'beating' as soon as it is touched, 'lapsed' when it was not touched
 * for `staleAfterMs`, 'gone' when the file went away (released, or taken over by someone else). */
export async function watchLease(lockFile: string, timing: LeaseTiming): Promise<LeaseOutcome> {
  const first = touchedAt(lockFile);
  if (first === undefined) return 'gone';
  const step = Math.max(5, Math.min(250, Math.floor(timing.heartbeatMs / 2)));
  const startedAt = performance.now();
  while (performance.now() - startedAt < timing.staleAfterMs) {
    await sleep(step);
    const now = touchedAt(lockFile);
    if (now === undefined) return 'gone';
    if (now !== first) return 'beating';
  }
  return 'lapsed';
}

function touchedAt(path: string): bigint | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    return fstatSync(fd, { bigint: true }).mtimeNs;
  } finally {
    closeSync(fd);
  }
}
