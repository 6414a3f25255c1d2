// A process killed in the middle of a git command (the approval's commit, a snapshot or clean-room
// checkout) leaves git's lock files — `index.lock`, `HEAD.lock`, a branch's ref lock — and git then refuses
// every later command there: the session could never finish. These are cleared only while this process
// holds the session's writer lock and before it runs anything in those worktrees, so no git process of
// ours still works there — except an orphan of the killed process that may still be finishing; it gets a
// moment to do so before its lock counts as stale.
import { rm } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { openGit, runGit } from '../git/gitClient.ts';
import { pathExists } from '../pathExists.ts';

const ORPHAN_GRACE_MS = 2000;
const POLL_MS = 100;

/** Before the approval's commit: the session worktree's index and HEAD locks and its branch's ref lock. */
export async function clearStaleGitLocks(worktree: string, branch: string): Promise<string[]> {
  const { gitDir, commonDir } = await gitDirsOf(worktree);
  return removeStale([resolve(gitDir, 'index.lock'), resolve(gitDir, 'HEAD.lock'), resolve(commonDir, 'refs', 'heads', `${branch}.lock`)]);
}

/** On wake: the index and HEAD locks of every worktree of the session (its own, the read-only snapshots,
 * the clean rooms, the child worktrees), found as the repository's worktrees with the session id in
 * their path. */
/** Whether a worktree folder is the session's: its own, a reader's snapshot, or one of its clean rooms and
 * child worktrees, which are kept under ids derived from the session's (`<id>-clean-…`, `<id>-child-…`). */
function belongsToSession(dir: string, sessionId: string): boolean {
  return dir.split(sep).some((part) => part === sessionId || part.startsWith(`${sessionId}-clean-`) || part.startsWith(`${sessionId}-child-`));
}

export async function clearStaleSessionGitLocks(worktree: string, sessionId: string): Promise<string[]> {
  const listing = await runGit('worktree list', () => openGit(worktree).raw(['worktree', 'list', '--porcelain']));
  const ours = listing
    .split('\n')
    .filter((l) => l.startsWith('worktree '))
    .map((l) => l.slice('worktree '.length))
    .filter((p) => belongsToSession(p, sessionId));
  const locks: string[] = [];
  for (const dir of ours) {
    if (!(await pathExists(dir))) continue;
    const { gitDir } = await gitDirsOf(dir).catch(() => ({ gitDir: undefined }));
    if (gitDir) locks.push(resolve(gitDir, 'index.lock'), resolve(gitDir, 'HEAD.lock'));
  }
  return removeStale(locks);
}

/**
 * On wake, before the session's worktrees are made again: `git worktree add` locks the registration of the
 * worktree it is making ("initializing") and a kill in the middle leaves it locked with no folder. Git then
 * neither prunes it nor adds that worktree again ("missing but locked"), so the session could never resume.
 * Unlocks such registrations of this session so the next prune forgets them.
 */
export async function unlockAbandonedWorktrees(repository: string, sessionId: string): Promise<string[]> {
  const git = openGit(repository);
  const listing = await runGit('worktree list', () => git.raw(['worktree', 'list', '--porcelain']));
  const unlocked: string[] = [];
  for (const entry of listing.split('\n\n')) {
    const lines = entry.split('\n');
    const dir = lines.find((l) => l.startsWith('worktree '))?.slice('worktree '.length);
    if (!dir || !belongsToSession(dir, sessionId) || !lines.some((l) => l === 'locked' || l.startsWith('locked '))) continue;
    if (await pathExists(dir)) continue;
    await runGit('worktree unlock', () => git.raw(['worktree', 'unlock', dir]));
    unlocked.push(dir);
  }
  return unlocked;
}

async function gitDirsOf(worktree: string): Promise<{ gitDir: string; commonDir: string }> {
  const git = openGit(worktree);
  const [gitDir, commonDir] = await Promise.all([
    runGit('rev-parse --git-dir', async () => resolve(worktree, (await git.raw(['rev-parse', '--git-dir'])).trim())),
    runGit('rev-parse --git-common-dir', async () => resolve(worktree, (await git.raw(['rev-parse', '--git-common-dir'])).trim())),
  ]);
  return { gitDir, commonDir };
}

async function removeStale(locks: readonly string[]): Promise<string[]> {
  const present: string[] = [];
  for (const lock of locks) if (await pathExists(lock)) present.push(lock);
  if (present.length === 0) return [];
  for (let waited = 0; waited < ORPHAN_GRACE_MS; waited += POLL_MS) {
    const still = await Promise.all(present.map(pathExists));
    if (!still.some(Boolean)) return [];
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const removed: string[] = [];
  for (const lock of present) {
    if (await pathExists(lock)) {
      await rm(lock, { force: true });
      removed.push(lock);
    }
  }
  return removed;
}

