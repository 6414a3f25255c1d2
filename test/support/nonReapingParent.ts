// A parent that never reaps its child, for tests of writers that die as zombies: sh starts the command in
// the background, prints `child <pid>`, and becomes `sleep` (exec), which never calls wait(2). Once the
// child dies it stays a zombie until the parent is killed — as under a container whose PID 1 is no init,
// or a parent that is busy or forgot to wait.
import { readFileSync } from 'node:fs';

const SCRIPT = '"$@" & echo "child $!"; exec sleep 600';

export function underNonReapingParent(command: string, args: string[]): { command: string; args: string[] } {
  return { command: 'sh', args: ['-c', SCRIPT, 'sh', command, ...args] };
}

/** The pid in the parent's `child <pid>` line. */
export function childPidOf(line: string): number {
  const m = /^child (\d+)$/.exec(line);
  if (!m) throw new Error(`not a child line: ${line}`);
  return Number(m[1]);
}

/** The state letter of a process in /proc ('Z' for a zombie); undefined where there is no /proc. */
export function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/** The wait status a zombie ended with (0: exit code 0; field 52 of /proc stat); undefined for a process
 * that is not a zombie, or where there is no /proc. */
export function zombieExitStatus(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat
      .slice(stat.lastIndexOf(')') + 2)
      .trim()
      .split(' ');
    return fields[0] === 'Z' ? Number(fields[49]) : undefined;
  } catch {
    return undefined;
  }
}

/** Resolves once the process is a zombie (a killed process takes a moment to die); where there is no
 * /proc, once it was signalled, since only the kernel's reaping would make kill(pid, 0) fail. */
export async function untilZombie(pid: number): Promise<void> {
  if (procState(process.pid) === undefined) return;
  for (let i = 0; i < 500 && procState(pid) !== 'Z'; i++) await new Promise((r) => setTimeout(r, 10));
  if (procState(pid) !== 'Z') throw new Error(`process ${pid} did not become a zombie (state ${procState(pid)})`);
}
