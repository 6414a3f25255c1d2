// A git killed while it updates a ref (SIGKILL of a run with its process group) leaves the ref's `.lock`
// behind for good, and every later update of that ref fails on "File exists": a session could never be
// resumed. A git that outlived its killed parent (the run killed alone) is still working and lets go of its
// lock in a moment. So before we update refs of a repository only we write (the session's vault, our branch
// in the person's repository), a lock is removed when nobody can hold it: no live process works in the
// repository. Where that cannot be told (no /proc, or someone is working there), only a lock untouched for
// a minute is taken for stale; git itself waits for a held one (`core.filesRefLockTimeout`, see gitClient.ts).
import { lstat, readdir, readlink, realpath, rm } from 'node:fs/promises';
import path from 'node:path';

/** How long a ref lock may stand while someone works in the repository before it is taken for stale.
 * git holds one for milliseconds (lock, write the id, rename). */
const STALE_REF_LOCK_MS = 60_000;

export interface StaleRefLocks {
  /** The repository's git directory (a bare vault, or `.git`). */
  gitDir: string;
  /** Where git processes working on it run (their working directory): the vault itself, or the worktree. */
  workDir: string;
  /** The lock files to consider, relative to `gitDir`; every ref lock (refs/**, HEAD, packed-refs) when omitted. */
  locks?: string[];
  /** For tests: when a lock counts as stale although someone works in the repository. */
  staleAfterMs?: number;
}

/** Removes the ref locks nobody can be holding; returns those it removed (relative to `gitDir`). */
export async function clearStaleRefLocks(options: StaleRefLocks): Promise<string[]> {
  const present = await existingLocks(options.gitDir, options.locks);
  if (present.length === 0) return [];
  const working = await someoneWorksIn(options.workDir);
  const staleAfter = options.staleAfterMs ?? STALE_REF_LOCK_MS;
  const removed: string[] = [];
  for (const { name, mtimeMs } of present) {
    if (working !== false && Date.now() - mtimeMs < staleAfter) continue;
    await rm(path.join(options.gitDir, name), { force: true });
    removed.push(name);
  }
  return removed;
}

async function existingLocks(gitDir: string, named?: string[]): Promise<{ name: string; mtimeMs: number }[]> {
  const names = named ?? ['HEAD.lock', 'packed-refs.lock', ...(await refLocksUnder(gitDir, 'refs'))];
  const found: { name: string; mtimeMs: number }[] = [];
  for (const name of names) {
    const info = await lstat(path.join(gitDir, name)).catch(() => undefined);
    if (info?.isFile()) found.push({ name, mtimeMs: info.mtimeMs });
  }
  return found;
}

async function refLocksUnder(gitDir: string, dir: string): Promise<string[]> {
  const entries = await readdir(path.join(gitDir, dir), { withFileTypes: true }).catch(() => []);
  const locks: string[] = [];
  for (const entry of entries) {
    const name = `${dir}/${entry.name}`;
    if (entry.isDirectory()) locks.push(...(await refLocksUnder(gitDir, name)));
    else if (entry.name.endsWith('.lock')) locks.push(name);
  }
  return locks;
}

/** Whether a live process has `dir` as its working directory: true, false, or undefined when this system
 * cannot tell (no /proc). A zombie's working directory cannot be read, so it does not count; nor do other
 * users' processes, which cannot write our repositories. */
async function someoneWorksIn(dir: string): Promise<boolean | undefined> {
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  const target = await realpath(dir).catch(() => path.resolve(dir));
  for (const pid of pids) {
    const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => undefined);
    if (cwd === target) return true;
  }
  return false;
}
