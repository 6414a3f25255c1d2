// The session's scratch git worktree on its own branch, and read-only agents' snapshots of it. The branch
// is what lasts: a worktree that went missing (deleted folder, crash, another machine's storage) is made
// again from it, so commits are never lost; only a branch that is gone too falls back to the recorded base.
import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { openGit, runGit } from '../git/gitClient.ts';
import { syncTree } from './syncTree.ts';
import { pathExists } from '../pathExists.ts';

export interface WorktreeRecord {
  sessionId: string;
  repository: string;
  branch: string;
  /** The commit the branch was made from: what the session's work is measured against. */
  baseCommit: string;
  worktree: string;
}

export interface GitPaths {
  /** The worktree's own git dir (`<common>/worktrees/<name>`): HEAD, index, its reflog. */
  gitDir: string;
  /** The repository's `.git`: objects, refs, config, hooks. */
  commonDir: string;
}

/** A worktree is usable when its `.git` file points at a git dir that still exists. */
async function isLiveWorktree(dir: string): Promise<boolean> {
  try {
    const link = await readFile(path.join(dir, '.git'), 'utf8');
    const match = /^gitdir:\s*(.+)$/m.exec(link);
    return match?.[1] !== undefined && (await pathExists(path.resolve(dir, match[1].trim())));
  } catch {
    return false;
  }
}

async function branchExists(repository: string, branch: string): Promise<boolean> {
  try {
    // simple-git does not reject a failing command that printed nothing, so judge by the output.
    const out = await openGit(repository).raw(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]);
    return out.trim().length > 0;
  } catch {
    return false;
  }
}

async function readRecord(file: string): Promise<WorktreeRecord | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as WorktreeRecord;
  } catch {
    return undefined;
  }
}

async function writeRecord(file: string, record: WorktreeRecord): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(record, null, 2) + '\n');
  await rename(temp, file);
}

/** `recreated`: made again from the session's branch; `recreated_from_base`: the branch was gone too. */
export type WorktreeStatus = 'existing' | 'created' | 'recreated' | 'recreated_from_base';

export interface EnsureWorktreeOptions {
  repository: string;
  sessionId: string;
  branch: string;
  worktree: string;
  /** Where the record (branch, base commit) is kept. */
  recordFile: string;
  /** Branch, tag or commit the first worktree starts from; HEAD of the repository when omitted. */
  baseRef?: string;
}

/** Makes the session's worktree on first use and re-makes it when it went missing; returns its record. */
export async function ensureWorktree(options: EnsureWorktreeOptions): Promise<WorktreeRecord & { status: WorktreeStatus }> {
  const { repository, branch, worktree } = options;
  const git = openGit(repository);
  let record = await readRecord(options.recordFile);
  if (record && (await isLiveWorktree(worktree))) return { ...record, status: 'existing' };
  const hadRecord = record !== undefined;

  if (await pathExists(worktree)) {
    // A folder without its git link would make `worktree add` fail; keep it aside rather than delete work.
    await rename(worktree, `${worktree}.broken-${Date.now()}`);
  }
  await mkdir(path.dirname(worktree), { recursive: true });
  // Forget registrations whose folders are gone, or git refuses to check the branch out again.
  await runGit('worktree prune', () => git.raw(['worktree', 'prune']));

  if (!record) {
    const base = options.baseRef ?? 'HEAD';
    // A branch that outlived its record (storage wiped): its base is where it left the base ref.
    const baseCommit = (await branchExists(repository, branch))
      ? (await runGit(`merge-base ${branch} ${base}`, () => git.raw(['merge-base', `refs/heads/${branch}`, base]))).trim()
      : (await runGit(`rev-parse ${base}`, () => git.raw(['rev-parse', '--verify', '--end-of-options', `${base}^{commit}`]))).trim();
    record = { sessionId: options.sessionId, repository, branch, baseCommit, worktree };
  }
  const newBranch = !(await branchExists(repository, branch));
  if (newBranch) {
    await runGit('worktree add', () => git.raw(['worktree', 'add', '--quiet', '-b', branch, worktree, record.baseCommit]));
  } else {
    await runGit('worktree add', () => git.raw(['worktree', 'add', '--quiet', worktree, branch]));
  }
  await writeRecord(options.recordFile, record);
  const status: WorktreeStatus = newBranch ? (hadRecord ? 'recreated_from_base' : 'created') : 'recreated';
  return { ...record, status };
}

/** Absolute git dir and common dir of a worktree. */
export async function gitPaths(worktree: string): Promise<GitPaths> {
  const out = await runGit('rev-parse --git-dir', () =>
    openGit(worktree).raw(['rev-parse', '--path-format=absolute', '--git-dir', '--git-common-dir']),
  );
  const [gitDir, commonDir] = out.trim().split('\n');
  if (!gitDir || !commonDir) throw new Error(`git rev-parse gave no git dirs for ${worktree}`);
  return { gitDir, commonDir };
}

/**
 * Makes `snapshot` an exact, separate copy of `worktree`: its own detached worktree at the same commit,
 * the same index (so `git status`/`git diff` show the same), and every file, tracked or not.
 */
export async function refreshSnapshot(worktree: string, snapshot: string): Promise<void> {
  const source = openGit(worktree);
  const head = (await runGit('rev-parse HEAD', () => source.raw(['rev-parse', 'HEAD']))).trim();
  if (!(await isLiveWorktree(snapshot))) {
    if (await pathExists(snapshot)) await rm(snapshot, { recursive: true, force: true });
    await mkdir(path.dirname(snapshot), { recursive: true });
    await runGit('worktree prune', () => source.raw(['worktree', 'prune']));
    await runGit('worktree add --detach', () => source.raw(['worktree', 'add', '--quiet', '--detach', '--no-checkout', snapshot, head]));
  }
  const snap = openGit(snapshot);
  await runGit('update-ref HEAD', () => snap.raw(['update-ref', '--no-deref', 'HEAD', head]));
  const [from, to] = [await gitPaths(worktree), await gitPaths(snapshot)];
  const index = path.join(from.gitDir, 'index');
  if (await pathExists(index)) await copyFile(index, path.join(to.gitDir, 'index'));
  else await runGit('read-tree', () => snap.raw(['read-tree', 'HEAD']));
  await syncTree(worktree, snapshot, { excludeTopLevel: ['.git'] });
}

/** Removes a worktree folder and its registration (a session worktree, a clean room, a child worktree);
 * the branch stays. No hook runs on `worktree remove`, so plain `openGit` is enough here. */
export async function removeWorktree(repository: string, worktree: string): Promise<void> {
  const git = openGit(repository);
  if (await pathExists(worktree)) {
    try {
      await git.raw(['worktree', 'remove', '--force', '--force', worktree]);
    } catch {
      await rm(worktree, { recursive: true, force: true });
    }
  }
  await runGit('worktree prune', () => git.raw(['worktree', 'prune']));
}

export async function deleteBranch(repository: string, branch: string): Promise<void> {
  if (await branchExists(repository, branch)) {
    await runGit(`branch -D ${branch}`, () => openGit(repository).raw(['branch', '-D', branch]));
  }
}
