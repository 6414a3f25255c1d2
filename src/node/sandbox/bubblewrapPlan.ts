// What a worktree sandbox mounts under bubblewrap.
//
// Git metadata, decided: an agent's own `git status/add/commit/diff` must work, so a writer gets write
// access to exactly what those commands write: its worktree's git dir (index, its reflog), the object
// store, and the refs and reflogs under `refs/heads/agent-os/`. Everything else stays read-only: the
// repository's `config` (core.hooksPath, aliases, filters that run programs), `hooks/`, other branches,
// `packed-refs`, `objects/info` (alternates), and the worktree's HEAD and links to the repository (so an
// agent cannot switch branches; it commits on its session branch). So nothing an agent does can make the
// person's own git run the agent's code later, nor move the person's branches. A reader gets only its
// snapshot's git dir (so `git status` can refresh the index); objects and refs stay read-only for it.
import { mkdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { hiddenDirectories, pathEntriesUnder, type BubblewrapMount, type BubblewrapPlan } from './bubblewrap.ts';
import type { GitPaths } from './sessionWorktree.ts';
import { pathExists } from '../pathExists.ts';

export interface WorktreePlanOptions {
  /** The folder the agent works in: the worktree (writers) or a snapshot of it (readers). */
  workdir: string;
  git: GitPaths;
  writer: boolean;
  /** The session's branch, e.g. `agent-os/<id>`: its ref folder is the only writable part of refs. */
  branch: string;
  network: boolean;
  /** Environment inside; its HOME (under /tmp) is created. */
  env: Record<string, string>;
}

async function isDirectory(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

export async function worktreeBubblewrapPlan(options: WorktreePlanOptions): Promise<BubblewrapPlan> {
  const { workdir, git, writer } = options;
  const mounts: BubblewrapMount[] = [];
  const hidden = hiddenDirectories();
  for (const dir of hidden) if (await isDirectory(dir)) mounts.push({ kind: 'tmpfs', path: dir });
  // /tmp too: the sandbox gets its own empty /tmp, which would take tools installed there off PATH.
  for (const dir of pathEntriesUnder([...hidden, '/tmp'], options.env.PATH ?? '')) {
    if (await isDirectory(dir)) mounts.push({ kind: 'ro', path: dir });
  }
  if (options.network) {
    // /etc/resolv.conf often links into /run; keep name resolution when the network is allowed.
    for (const dir of ['/run/systemd/resolve', '/run/resolvconf']) if (await isDirectory(dir)) mounts.push({ kind: 'ro', path: dir });
  }
  // The repository's git data may live under a hidden folder (home, /tmp): mount it back, read-only.
  mounts.push({ kind: 'ro', path: git.commonDir });
  mounts.push({ kind: 'rw', path: workdir });
  if (writer) {
    mounts.push({ kind: 'rw', path: path.join(git.commonDir, 'objects') });
    const objectsInfo = path.join(git.commonDir, 'objects', 'info');
    if (await isDirectory(objectsInfo)) mounts.push({ kind: 'ro', path: objectsInfo });
    const branchDir = path.dirname(options.branch);
    if (branchDir && branchDir !== '.') {
      for (const base of ['refs/heads', 'logs/refs/heads']) {
        const dir = path.join(git.commonDir, base, branchDir);
        await mkdir(dir, { recursive: true });
        mounts.push({ kind: 'rw', path: dir });
      }
    }
  }
  mounts.push({ kind: 'rw', path: git.gitDir });
  // Inside its git dir: `commondir`/`gitdir` say where the repository is (rewritten, the person's own git
  // would read an agent's config and hooks), and HEAD names the branch (moved, the harness would commit
  // onto another branch). Commits still work: they move the branch's ref, not HEAD.
  for (const name of ['HEAD', 'commondir', 'gitdir']) {
    const file = path.join(git.gitDir, name);
    if (await pathExists(file)) mounts.push({ kind: 'ro', path: file });
  }
  // The worktree's `.git` link file: rewriting it could point git at a directory the agent controls.
  mounts.push({ kind: 'ro', path: path.join(workdir, '.git') });
  const home = options.env.HOME;
  if (home && home.startsWith('/tmp/')) mounts.push({ kind: 'dir', path: home });
  return { mounts, cwd: workdir, network: options.network, env: options.env };
}
