// More than one sandbox in a session, at the git level:
// - a clean room: a detached worktree at one commit with nothing else in it, so a Reviewer's test run
//   depends only on what was committed, never on files the Coder left behind;
// - child worktrees: a Coder thread fanned out by the Coordinator works on its own branch made from the
//   session branch, and its commits are merged back when it finishes. A conflict is reported as data (the
//   files, the branches) for a Coder thread to resolve; nothing is lost: the session worktree is left as it
//   was before the merge and the child branch keeps its commits.
import { mkdir, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { commitAll } from '../git/commitAll.ts';
import { configuredIdentity, resolveCommit } from '../git/commits.ts';
import { simpleGit, type SimpleGit } from 'simple-git';
import { agentOsIdentity, GitFailedError, gitMessage, runGit } from '../git/gitClient.ts';
import { pathExists } from '../pathExists.ts';

/** Our git, with hooks off: with husky-style `core.hooksPath` they live in files agents wrote, and
 * checkout and merge hooks would run that code outside any sandbox. simple-git guards `core.hooksPath`
 * against callers' input; here the value is our own constant, so that one guard is lifted. */
function gitNoHooks(dir: string, config: string[] = []): SimpleGit {
  const ambient = Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !/^(GIT_.*|EDITOR|VISUAL|PAGER)$/i.test(e[0])),
  );
  return simpleGit({ baseDir: dir, config: ['core.hooksPath=/dev/null', ...config], allowEnvironment: ['GIT_TERMINAL_PROMPT'], unsafe: { allowUnsafeHooksPath: true } }).env({
    ...ambient,
    GIT_TERMINAL_PROMPT: '0',
  });
}

async function statusLines(worktree: string): Promise<string[]> {
  const out = await runGit('status', () => gitNoHooks(worktree).raw(['status', '--porcelain=v1', '--untracked-files=all', '--ignored=no']));
  return out.split('\n').filter((l) => l.trim()).map((l) => l.slice(3));
}

export interface CleanRoom {
  worktree: string;
  /** The full sha checked out. */
  commit: string;
}

/**
 * A worktree at `commit`, detached, with exactly the committed files: made fresh, or (when `dir` is already
 * one) moved to the commit and cleaned of every untracked and ignored file (build output included), so that
 * nothing from an earlier run survives.
 */
export async function createCleanRoom(options: { repository: string; commit: string; dir: string }): Promise<CleanRoom> {
  const { repository, dir } = options;
  const commit = await resolveCommit(repository, options.commit);
  const git = gitNoHooks(repository);
  if (await pathExists(path.join(dir, '.git'))) {
    const room = gitNoHooks(dir);
    await runGit('checkout --detach', () => room.raw(['checkout', '--quiet', '--force', '--detach', commit]));
    await runGit('reset --hard', () => room.raw(['reset', '--quiet', '--hard', commit]));
    await runGit('clean', () => room.raw(['clean', '-ffdxq']));
  } else {
    if (await pathExists(dir)) await rm(dir, { recursive: true, force: true });
    await mkdir(path.dirname(dir), { recursive: true });
    await runGit('worktree prune', () => git.raw(['worktree', 'prune']));
    await runGit('worktree add --detach', () => git.raw(['worktree', 'add', '--quiet', '--detach', dir, commit]));
  }
  return { worktree: dir, commit };
}

export interface ChildWorktree {
  worktree: string;
  branch: string;
  /** Where the child branch started (the session branch's head then). */
  base: string;
}

/** A worktree on a new branch `childBranch` from the head of `parentBranch` (or re-opened if it exists). */
export async function createChildWorktree(options: { repository: string; parentBranch: string; childBranch: string; dir: string }): Promise<ChildWorktree> {
  const { repository, parentBranch, childBranch, dir } = options;
  const git = gitNoHooks(repository);
  const base = await resolveCommit(repository, parentBranch);
  if (await pathExists(path.join(dir, '.git'))) return { worktree: dir, branch: childBranch, base };
  await mkdir(path.dirname(dir), { recursive: true });
  await runGit('worktree prune', () => git.raw(['worktree', 'prune']));
  // `branch --list`, not `rev-parse --quiet`: simple-git takes a silent non-zero exit for success.
  const branchExists = (await runGit('branch --list', () => git.raw(['branch', '--list', childBranch]))).trim() !== '';
  if (branchExists) await runGit('worktree add', () => git.raw(['worktree', 'add', '--quiet', dir, childBranch]));
  else await runGit('worktree add -b', () => git.raw(['worktree', 'add', '--quiet', '-b', childBranch, dir, base]));
  return { worktree: dir, branch: childBranch, base };
}

export type MergeResult =
  /** Merged (or nothing to merge): `commit` is the session worktree's new head. */
  | { status: 'merged'; commit: string; childBranch: string; fastForward: boolean; upToDate: boolean }
  /** Both sides changed the same lines. The session worktree is back at `parentHead`, unchanged; the child
   * branch has all its commits. `task` is a ready-made instruction for a Coder thread. */
  | { status: 'conflict'; childBranch: string; childHead: string; parentHead: string; files: string[]; task: string }
  /** The session worktree has uncommitted changes: a merge now could mix them in; commit them first. */
  | { status: 'parent_dirty'; files: string[] }
  /** The child worktree has uncommitted changes that a merge would leave behind. */
  | { status: 'child_dirty'; files: string[] };

export interface MergeChildOptions {
  /** The session's worktree (on the session branch). */
  parentWorktree: string;
  child: { worktree?: string; branch: string };
  /** Commit what the child left uncommitted before merging, instead of reporting `child_dirty`. */
  commitLeftovers?: boolean;
  /** Who the child thread was, for the merge commit's message. */
  label?: string;
}

/** Merges a child branch into the session branch, in the session worktree. Never loses work. */
export async function mergeChild(options: MergeChildOptions): Promise<MergeResult> {
  const { parentWorktree, child } = options;
  if (child.worktree && (await pathExists(child.worktree))) {
    const leftovers = await statusLines(child.worktree);
    if (leftovers.length) {
      if (!options.commitLeftovers) return { status: 'child_dirty', files: leftovers };
      await commitAll(child.worktree, { message: `Uncommitted work of ${options.label ?? child.branch}` });
    }
  }
  const dirty = await statusLines(parentWorktree);
  if (dirty.length) return { status: 'parent_dirty', files: dirty };

  const identity = (await configuredIdentity(parentWorktree)) ?? agentOsIdentity;
  const git = gitNoHooks(parentWorktree, [`user.name=${identity.name}`, `user.email=${identity.email}`]);
  const parentHead = await resolveCommit(parentWorktree, 'HEAD');
  const childHead = await resolveCommit(parentWorktree, child.branch);
  // From the merge base rather than `merge-base --is-ancestor`, whose silent exit code simple-git ignores.
  const isAncestor = async (a: string, b: string): Promise<boolean> =>
    (await runGit('merge-base', () => git.raw(['merge-base', a, b]))).trim() === a;
  if (await isAncestor(childHead, parentHead)) {
    return { status: 'merged', commit: parentHead, childBranch: child.branch, fastForward: false, upToDate: true };
  }
  const fastForward = await isAncestor(parentHead, childHead);
  // A conflicting merge exits non-zero with nothing on stderr, which simple-git does not always treat as a
  // failure: the conflict is read from the index either way.
  let failure: unknown;
  try {
    // --no-verify: hooks live in what agents wrote; running them would run agents' code outside a sandbox.
    await git.raw(['merge', '--no-ff', '--no-edit', '--no-verify', '-m', `Merge ${options.label ?? child.branch}`, child.branch]);
  } catch (error) {
    failure = error;
  }
  const conflicted = (await git.raw(['diff', '--name-only', '--diff-filter=U']).catch(() => ''))
    .split('\n')
    .filter((l) => l.trim());
  const head = await resolveCommit(parentWorktree, 'HEAD');
  if (conflicted.length || failure || head === parentHead) {
    // Back to exactly the state before the merge; the child branch is untouched.
    await git.raw(['merge', '--abort']).catch(() => undefined);
    await git.raw(['reset', '--hard', '--quiet', parentHead]);
    if (!conflicted.length) {
      throw new GitFailedError('merge', failure ? gitMessage(failure) : `merging ${child.branch} made no commit`, { cause: failure });
    }
    return {
      status: 'conflict',
      childBranch: child.branch,
      childHead,
      parentHead,
      files: conflicted,
      task:
        `Merge branch ${child.branch} into the session branch: both changed ${conflicted.join(', ')}. ` +
        `Run \`git merge ${child.branch}\`, resolve the conflicts keeping the intent of both sides, run the tests, and commit.`,
    };
  }
  return { status: 'merged', commit: head, childBranch: child.branch, fastForward, upToDate: false };
}
