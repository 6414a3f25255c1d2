// An unconfined shell outlives a harness that was killed (SIGKILL, crash): its background jobs keep running
// and could change the worktree while the session wakes elsewhere. Under bubblewrap the kernel ends them
// (--die-with-parent); without it they are found by the scratch HOME they were started with, which belongs
// to one thread of one session, and killed when that thread's sandbox opens again.
import { readdir, readFile } from 'node:fs/promises';

/** Process group id from /proc/<pid>/stat (the command name in parentheses may itself hold spaces). */
function groupOf(stat: string): number | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const pgid = Number(fields[2]);
  return Number.isInteger(pgid) ? pgid : undefined;
}

/** Kills processes started with `HOME=<home>` unless their process group is one of `spare` (live shells
 * of this process). Returns the pids it killed. Linux only: elsewhere there is no /proc and nothing to do. */
export async function killStrayProcesses(home: string, spare: ReadonlySet<number>): Promise<number[]> {
  const needle = `HOME=${home}`;
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const killed: number[] = [];
  for (const name of pids) {
    const pid = Number(name);
    if (pid === process.pid) continue;
    try {
      const environ = (await readFile(`/proc/${name}/environ`, 'utf8')).split('\0');
      if (!environ.includes(needle)) continue;
      const pgid = groupOf(await readFile(`/proc/${name}/stat`, 'utf8'));
      if (pgid !== undefined && spare.has(pgid)) continue;
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // gone meanwhile, or another user's process we cannot read
    }
  }
  return killed;
}
