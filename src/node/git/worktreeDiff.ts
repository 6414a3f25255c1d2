// The change a verdict judges: the worktree (untracked files included) against the base commit, with a
// hash that stays the same when the same change is later committed, so an approval can be checked.
import { createHash } from 'node:crypto';
import { copyFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { SimpleGit } from 'simple-git';
import type { ChangedFile, WorktreeDiff } from '../../core/sandbox/sessionChanges.ts';
import { withScratchDir } from '../scratchDir.ts';
import { addAllButWriteTemps } from './writeTemps.ts';
import { openGit, runGit } from './gitClient.ts';

// Settings pinned on the command line so the patch text (and so its hash) does not depend on anyone's
// git configuration.
const stableConfig = ['core.quotePath=true', 'diff.noprefix=false', 'diff.mnemonicPrefix=false', 'diff.relative=false'];
const stableDiff = [
  '--no-color',
  '--no-ext-diff',
  '--no-textconv',
  '--binary',
  '--full-index',
  '--find-renames=50%',
  '--diff-algorithm=myers',
  '--indent-heuristic',
  '--unified=3',
  '--inter-hunk-context=0',
  '--src-prefix=a/',
  '--dst-prefix=b/',
  '-O/dev/null',
];

/** The worktree's current content against `base`, without touching the worktree's index. */
export async function diffWorktree(worktree: string, base: string): Promise<WorktreeDiff> {
  return withScratchDir('index', async (scratch) => {
    const indexFile = join(scratch, 'index');
    // Starting from a copy of the real index keeps git's stat cache, so only changed files are re-read.
    const realIndex = (await openGit(worktree).raw(['rev-parse', '--git-path', 'index'])).trim();
    await copyFile(isAbsolute(realIndex) ? realIndex : resolve(worktree, realIndex), indexFile).catch(() => undefined);
    const git = openGit(worktree, { config: stableConfig, env: { GIT_INDEX_FILE: indexFile } });
    await runGit('add (scratch index)', () => git.raw(addAllButWriteTemps()));
    const tree = (await runGit('write-tree', () => git.raw(['write-tree']))).trim();
    return describe(git, base, tree);
  });
}

/** The committed change from `base` to `head`; equal to diffWorktree's result for the same content. */
export async function diffCommits(dir: string, base: string, head: string): Promise<WorktreeDiff> {
  const git = openGit(dir, { config: stableConfig });
  const tree = (await runGit('rev-parse tree', () => git.raw(['rev-parse', '--verify', `${head}^{tree}`]))).trim();
  return describe(git, base, tree);
}

async function describe(git: SimpleGit, base: string, tree: string): Promise<WorktreeDiff> {
  const baseCommit = (
    await runGit(`rev-parse ${base}`, () => git.raw(['rev-parse', '--verify', `${base}^{commit}`]))
  ).trim();
  const range = [baseCommit, tree];
  const patch = await runGit('diff', () => git.raw(['diff', ...stableDiff, ...range]));
  const nameStatus = await runGit('diff --name-status', () =>
    git.raw(['diff', '--name-status', '-z', '--find-renames=50%', '--no-relative', ...range]),
  );
  const numstat = await runGit('diff --numstat', () =>
    git.raw(['diff', '--numstat', '-z', '--find-renames=50%', '--no-relative', ...range]),
  );
  const files = parseNameStatus(nameStatus);
  const counts = parseNumstat(numstat);
  for (const file of files) {
    const count = counts.get(file.path);
    if (count) Object.assign(file, count);
  }
  return {
    base: baseCommit,
    tree,
    files,
    patch,
    sha256: createHash('sha256').update(patch, 'utf8').digest('hex'),
  };
}

function parseNameStatus(output: string): ChangedFile[] {
  const fields = output.split('\0');
  const files: ChangedFile[] = [];
  for (let i = 0; i < fields.length;) {
    const code = fields[i++];
    if (!code) continue;
    const status = code.charAt(0);
    if (status === 'R' || status === 'C') {
      const oldPath = fields[i++] ?? '';
      const path = fields[i++] ?? '';
      files.push({ status, path, oldPath });
    } else {
      files.push({ status, path: fields[i++] ?? '' });
    }
  }
  return files;
}

function parseNumstat(output: string): Map<string, { additions?: number; deletions?: number }> {
  const fields = output.split('\0');
  const counts = new Map<string, { additions?: number; deletions?: number }>();
  for (let i = 0; i < fields.length;) {
    const head = fields[i++];
    if (!head) continue;
    const [added, deleted, path] = head.split('\t');
    let target = path;
    // A rename's record leaves the path empty and gives old and new path as the next two fields.
    if (path === '') {
      i++;
      target = fields[i++];
    }
    if (target === undefined) continue;
    counts.set(
      target,
      added === '-' || deleted === '-' ? {} : { additions: Number(added), deletions: Number(deleted) },
    );
  }
  return counts;
}
