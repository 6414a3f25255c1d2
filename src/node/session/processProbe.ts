// What the kernel can tell about a process, for the writer lock's liveness check.
//
// Two probes: on Linux, /proc answers whether a pid's process is gone, dead but unreaped (a zombie),
// dying (killed or exiting, a thread may still be finishing a system call), or running — with its start
// time, so that a process which later got the same pid is not taken for it. Where there is no /proc
// (macOS, BSD, a /proc hidden from us), only kill(pid, 0) is left: it says whether *some* process has the
// pid, which cannot tell a zombie or a reused pid from the holder, so the writer lock then leaves the
// decision to the holder's heartbeat (writerLease.ts). Tests pass either probe, or their own.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export type ProcessState =
  /** No process has this pid (here). */
  | { state: 'gone' }
  /** Dead, not yet reaped by its parent: every thread has exited, it can do nothing any more. */
  | { state: 'exited' }
  /** Killed or exiting: it runs no more code of its own, but a thread may still finish a system call. */
  | { state: 'dying' }
  /** Running (or stopped); `start` is its start time, when the probe can read it. */
  | { state: 'running'; start?: string };

/** Who a process is, as a lock holder records itself. */
export interface ProcessIdentity {
  host: string;
  pid: number;
  /** Which running kernel (Linux's boot id): pids mean nothing across machines or reboots. */
  boot?: string;
  /** Which pid namespace of that kernel: a dev container's pid 40 is another process than ours. */
  pidNs?: string;
  /** Kernel start time of the process, so that a later process with the same pid is not taken for it. */
  start?: string;
}

export interface ProcessProbe {
  /** This process. */
  self(): ProcessIdentity;
  /** A process of this machine and pid namespace. */
  inspect(pid: number): ProcessState;
}

/** /proc when this system has it, else kill(pid, 0). */
export function defaultProcessProbe(): ProcessProbe {
  if (!defaultProbe) defaultProbe = readable('/proc/self/stat') ? procProbe() : signalProbe();
  return defaultProbe;
}
let defaultProbe: ProcessProbe | undefined;

/** Knows only whether some process has a pid (ESRCH or not). */
export function signalProbe(): ProcessProbe {
  return {
    self: () => ({ host: hostname(), pid: process.pid }),
    inspect: (pid) => (signalExists(pid) ? { state: 'running' } : { state: 'gone' }),
  };
}

const PF_EXITING = 0x4; // task flag (field 9 of stat): the task is in do_exit
const SIGKILL_BIT = 1n << 8n; // SIGKILL is signal 9: bit 8 of the pending masks in status

/** Reads /proc (Linux). `root` is there for tests that lay out a /proc of their own. */
export function procProbe(root = '/proc'): ProcessProbe {
  let self: ProcessIdentity | undefined;
  return {
    self() {
      if (!self) {
        const boot = readText(join(root, 'sys/kernel/random/boot_id'))?.trim();
        const pidNs = readLink(join(root, 'self/ns/pid'));
        const start = readStat(join(root, String(process.pid), 'stat'))?.start;
        self = {
          host: hostname(),
          pid: process.pid,
          ...(boot ? { boot } : {}),
          ...(pidNs ? { pidNs } : {}),
          ...(start ? { start } : {}),
        };
      }
      return self;
    },
    inspect(pid) {
      const dir = join(root, String(pid));
      let tasks: string[];
      try {
        tasks = readdirSync(join(dir, 'task'));
      } catch {
        // Not in our /proc. With hidepid another user's process is hidden there but not from kill(2).
        return signalExists(pid) ? { state: 'running' } : { state: 'gone' };
      }
      // A process is as alive as its liveliest thread: a main thread that exited leaves the others
      // running, and a killed process is done only when every thread is (a zombie leader may still
      // wait for threads that finish a system call, such as a write to the log).
      let running = false;
      let dying = false;
      for (const tid of tasks) {
        const stat = readStat(join(dir, 'task', tid, 'stat'));
        if (!stat || stat.state === 'Z' || stat.state === 'X') continue; // this thread is gone
        if (stat.flags & PF_EXITING || sigkillPending(join(dir, 'task', tid, 'status'))) dying = true;
        else running = true;
      }
      if (running) {
        const start = readStat(join(dir, 'stat'))?.start;
        return start ? { state: 'running', start } : { state: 'running' };
      }
      if (dying) return { state: 'dying' };
      return readable(join(dir, 'stat')) ? { state: 'exited' } : { state: 'gone' };
    },
  };
}

function signalExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // someone else's process has the pid
  }
}

/** State (field 3), flags (field 9) and start time (field 22) of a /proc stat file. */
function readStat(path: string): { state: string; flags: number; start: string | undefined } | undefined {
  const text = readText(path);
  if (text === undefined) return undefined;
  // The command name (field 2) may contain spaces and parentheses: count fields after its last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', flags: Number(fields[6] ?? 0), start: fields[19] };
}

function sigkillPending(statusPath: string): boolean {
  const text = readText(statusPath);
  if (!text) return false;
  for (const key of ['SigPnd', 'ShdPnd']) {
    const m = new RegExp(`^${key}:\\s*([0-9a-f]+)$`, 'm').exec(text);
    if (m && (BigInt(`0x${m[1]}`) & SIGKILL_BIT) !== 0n) return true;
  }
  return false;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function readable(path: string): boolean {
  return readText(path) !== undefined;
}

function readLink(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}
