// A process killed in the middle of `git add` or `git commit` (the approval's commit) can leave the
// worktree's `index.lock` or its branch's ref lock, and git then refuses every later commit: the session
// could never finish. Called only while this process holds the session's writer lock and runs no harness
// for it, so no git process of ours still works in that worktree — except an orphan of the killed process
// that may still be finishing; it gets a moment to do so before its lock counts as stale.
import { rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { openGit, runGit } from '../git/gitClient.ts';

const ORPHAN_GRACE_MS = 2000;
const POLL_MS = 100;

export async function clearStaleGitLocks(worktree: string, branch: string): Promise<string[]> {
  const git = openGit(worktree);
  const [gitDir, commonDir] = await Promise.all([
    runGit('rev-parse --git-dir', async () => resolve(worktree, (await git.raw(['rev-parse', '--git-dir'])).trim())),
    runGit('rev-parse --git-common-dir', async () => resolve(worktree, (await git.raw(['rev-parse', '--git-common-dir'])).trim())),
  ]);
  const locks = [resolve(gitDir, 'index.lock'), resolve(gitDir, 'HEAD.lock'), resolve(commonDir, 'refs', 'heads', `${branch}.lock`)];
  const removed: string[] = [];
  for (const lock of locks) {
    if (!(await exists(lock))) continue;
    for (let waited = 0; waited < ORPHAN_GRACE_MS && (await exists(lock)); waited += POLL_MS) {
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    if (await exists(lock)) {
      await rm(lock, { force: true });
      removed.push(lock);
    }
  }
  return removed;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
