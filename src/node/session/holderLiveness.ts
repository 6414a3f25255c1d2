// Whether the process recorded in a writer lock still lives, as far as its pid can tell.
//
// One rule decides every case: a pid is asked only where it means the same process for the holder and
// for us — the same host name, the same running kernel (boot id) and the same pid namespace. There the
// answer is final: a process that is gone, or dead and unreaped (a zombie), or that started at another
// time than the holder (its pid was reused) is not the holder, and its lock is taken over at once; a
// killed process still finishing a system call is waited for. Everywhere else — another host over a
// shared folder, a dev container's pid namespace, a system without /proc, where a pid cannot be told from
// a later process that got it — the pid cannot decide, and the holder's heartbeat does (writerLease.ts).
// A field the holder could not record (no /proc on its side) is not held against it: such a holder is
// judged by host name and pid alone, as every holder was before heartbeats.
import type { ProcessIdentity, ProcessProbe } from './processProbe.ts';

export interface RecordedHolder {
  pid: number;
  host: string;
  boot?: string;
  pid_ns?: string;
  start?: string;
}

export type Liveness =
  | { verdict: 'alive' }
  | { verdict: 'dead'; why: 'gone' | 'zombie' | 'pid reused' }
  | { verdict: 'dying' }
  | { verdict: 'undecided'; why: 'another host' | 'another kernel or pid namespace' | 'pid may be reused' };

/**
 * `heldHere` says whether this very process holds the lock: for our own pid that is the whole answer
 * (a lock with our pid that we do not hold was left by an earlier process that had our pid).
 */
export function judgeHolder(holder: RecordedHolder, probe: ProcessProbe, heldHere: boolean): Liveness {
  const self = probe.self();
  if (holder.host !== self.host) return { verdict: 'undecided', why: 'another host' };
  if (!sameField(holder.boot, self.boot) || !sameField(holder.pid_ns, self.pidNs)) {
    return { verdict: 'undecided', why: 'another kernel or pid namespace' };
  }
  if (holder.pid === self.pid) return heldHere ? { verdict: 'alive' } : { verdict: 'dead', why: 'pid reused' };
  const seen = probe.inspect(holder.pid);
  switch (seen.state) {
    case 'gone':
      return { verdict: 'dead', why: 'gone' };
    case 'exited':
      return { verdict: 'dead', why: 'zombie' };
    case 'dying':
      return { verdict: 'dying' };
    case 'running':
      if (holder.start === undefined || seen.start === undefined)
        return { verdict: 'undecided', why: 'pid may be reused' };
      return seen.start === holder.start ? { verdict: 'alive' } : { verdict: 'dead', why: 'pid reused' };
  }
}

/** Whether our identity matches a holder's in one field; one the holder did not record matches. */
function sameField(recorded: string | undefined, ours: string | undefined): boolean {
  return recorded === undefined || recorded === ours;
}

/** The identity fields a holder records about itself in its lock file. */
export function recordedIdentity(self: ProcessIdentity): RecordedHolder {
  return {
    pid: self.pid,
    host: self.host,
    ...(self.boot === undefined ? {} : { boot: self.boot }),
    ...(self.pidNs === undefined ? {} : { pid_ns: self.pidNs }),
    ...(self.start === undefined ? {} : { start: self.start }),
  };
}
