// Git metadata inside the container, read-only: agents read git there (log, status, diff); Agent OS commits
// and merges for them, confined on the host (sessionGit.ts). A session's repository is a clone whose `.git` is
// a directory: it is bound read-only over the writable workspace mount, with its config replaced by a copy
// holding only the settings git needs to read the repository (no remotes with tokens in their URL, no
// credential helpers, no hooks path, no aliases, no fsmonitor). The objects it borrows (its alternates: the
// session's vault, and through it the person's object store) are bound read-only at their own paths by the
// provider. A linked worktree (`.git` a file naming `<repo>/.git/worktrees/<name>`, whose `commondir` leads
// back to `<repo>/.git`) is handled too: the file and the common git directory are bound read-only at the
// paths the file names.
import { readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

export interface WorktreeGit {
  /** `<worktree>/.git`: a file for a linked worktree, a directory for a plain clone. */
  dotGit: string;
  isFile: boolean;
  /** The worktree's own git directory (`.git/worktrees/<name>` for a linked worktree). */
  gitDir: string;
  /** The repository's shared git directory (objects, refs, config). */
  commonDir: string;
}

export function inspectWorktreeGit(worktree: string): WorktreeGit | undefined {
  const dotGit = path.join(worktree, '.git');
  let stat;
  try {
    stat = statSync(dotGit);
  } catch {
    return undefined;
  }
  if (stat.isDirectory()) return { dotGit, isFile: false, gitDir: dotGit, commonDir: dotGit };
  const line = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(dotGit, 'utf8'))?.[1];
  if (!line) return undefined;
  const gitDir = path.resolve(worktree, line);
  let commonDir = gitDir;
  try {
    commonDir = path.resolve(gitDir, readFileSync(path.join(gitDir, 'commondir'), 'utf8').trim());
  } catch {
    // no commondir: the git directory is its own common directory
  }
  return { dotGit, isFile: true, gitDir, commonDir };
}

// Only what git needs to read a repository correctly; everything else in a repository's config can carry a
// secret (remote URLs, http.extraHeader) or run a program (aliases, core.fsmonitor, credential helpers).
const KEPT_KEY =
  /^(core\.(repositoryformatversion|filemode|bare|symlinks|ignorecase|precomposeunicode|logallrefupdates|autocrlf|eol|safecrlf|checkstat|trustctime|quotepath|abbrev|untrackedcache)|extensions\.[a-z0-9]+|index\.[a-z0-9]+)$/i;

/** Keeps the `KEPT_KEY` settings of a git config file (plain `[section]` headers only). */
export function scrubGitConfig(text: string): string {
  const sections = new Map<string, string[]>();
  let section: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([A-Za-z0-9.-]+)(\s+"[^"]*")?\]$/.exec(line);
    if (header) {
      section = header[2] ? undefined : header[1]?.toLowerCase();
      continue;
    }
    if (!section) continue;
    const entry = /^([A-Za-z][A-Za-z0-9-]*)\s*(?:=\s*(.*))?$/.exec(line);
    if (!entry?.[1]) continue;
    const key = `${section}.${entry[1]}`;
    if (!KEPT_KEY.test(key)) continue;
    const list = sections.get(section) ?? [];
    list.push(`\t${entry[1]} = ${entry[2] ?? 'true'}`);
    sections.set(section, list);
  }
  return [...sections].map(([name, lines]) => `[${name}]\n${lines.join('\n')}\n`).join('');
}

/** Writes the scrubbed copy of the repository's config to `dest` and returns the `--mount` strings that show
 * the git metadata read-only inside a container whose worktree is at `workspaceTarget`. */
export async function prepareGitMounts(git: WorktreeGit, dest: string): Promise<(workspaceTarget: string) => string[]> {
  await mkdir(path.dirname(dest), { recursive: true });
  const original = await readFile(path.join(git.commonDir, 'config'), 'utf8').catch(() => '');
  await writeFile(dest, scrubGitConfig(original), { mode: 0o644 });
  const bind = (source: string, target: string): string => `type=bind,source=${source},target=${target},readonly`;
  return (workspaceTarget) => {
    if (!git.isFile) {
      return [bind(git.dotGit, `${workspaceTarget}/.git`), bind(dest, `${workspaceTarget}/.git/config`)];
    }
    const mounts = [bind(git.dotGit, `${workspaceTarget}/.git`), bind(git.commonDir, git.commonDir)];
    const rel = path.relative(git.commonDir, git.gitDir);
    if (rel.startsWith('..') || path.isAbsolute(rel)) mounts.push(bind(git.gitDir, git.gitDir));
    mounts.push(bind(dest, path.join(git.commonDir, 'config')));
    return mounts;
  };
}
