// An unconfined shell outlives a harness that was killed (SIGKILL, crash): its background jobs keep running
// and could change the worktree while the session wakes elsewhere. Under bubblewrap the kernel ends them
// (--die-with-parent); without it they are found by the scratch HOME they were started with, which belongs
// to one thread of one session, and killed when that thread's sandbox opens again.
import { readdir, readFile } from 'node:fs/promises';

/** Field `index` after the command name of /proc/<pid>/stat (the name in parentheses may hold spaces):
 * 1 is the parent's pid, 2 the process group id. */
function statField(stat: string, index: number): number | undefined {
  const value = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[index]);
  return Number.isInteger(value) ? value : undefined;
}

/** A group whose leader is a child of this process is a live shell of this process (any sandbox's). */
async function ledByOurChild(pgid: number): Promise<boolean> {
  try {
    return statField(await readFile(`/proc/${pgid}/stat`, 'utf8'), 1) === process.pid;
  } catch {
    return false;
  }
}

/** Kills processes started with `HOME=<home>` unless their process group is one of `spare` or is led by a child of this process (live shells
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
      const pgid = statField(await readFile(`/proc/${name}/stat`, 'utf8'), 2);
      if (pgid !== undefined && (spare.has(pgid) || (await ledByOurChild(pgid)))) continue;
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // gone meanwhile, or another user's process we cannot read
    }
  }
  return killed;
}
