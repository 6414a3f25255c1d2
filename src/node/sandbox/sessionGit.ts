// Agent OS's own git on the agents' repositories, and the one way their work crosses to the host.
//
// Everything that reads or writes an agent's repository (a checkpoint commit, a snapshot of the files, a
// merge of a parallel Coder's branch) runs confined, like the agents' own commands: a planted config, hook,
// filter or symlink then only ever acts inside the sandbox. What crosses is data: the confined git writes a
// bundle of the new objects to its stdout; the host writes it to a folder of its own and fetches it into the
// session's vault with every object checked (`transfer.fsckObjects`). Diffs, clean rooms, the verdict's
// hash and the delivery to the person's repository are then computed from the vault only.
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { AgentOsError } from '../../core/errors.ts';
import { GitFailedError, openGit, runGit } from '../git/gitClient.ts';
import { clearStaleRefLocks } from '../git/staleRefLocks.ts';
import type { MergeResult, WorktreeDiff } from '../../core/sandbox/sessionChanges.ts';
import { diffCommits } from '../git/worktreeDiff.ts';
import { shellQuote, spawnConfined, type Confinement, type ConfinementScope } from './confinement.ts';
import { addAllButWriteTemps } from '../git/writeTemps.ts';
import { withScratchDir } from '../scratchDir.ts';
import type { SessionRepositories } from './sessionRepository.ts';

/** Our git inside the sandbox: no hooks, no file-system monitor, whatever the repository's config says. */
const GIT =
  'git -c core.hooksPath=/dev/null -c core.fsmonitor=false -c core.untrackedCache=false -c commit.gpgSign=false';

/** Locks a git command killed mid-way leaves behind. Removed before Agent OS's own git runs: it runs only
 * between the agents' turns on a repository (a hand-off, a verdict, an approval, a wake), never beside them. */
export const CLEAR_STALE_LOCKS = `rm -f .git/index.lock .git/HEAD.lock .git/MERGE_HEAD.lock .git/ORIG_HEAD.lock; find .git/refs -name '*.lock' -delete 2>/dev/null || true`;

/** Our `git add -A`: the file tools' temps a killed write left are nobody's work (writeTemps.ts). */
const ADD_ALL = `${GIT} ${addAllButWriteTemps().map(shellQuote).join(' ')}`;

const CHECKPOINT_AND_BUNDLE = `set -e
mkdir -p "$TMPDIR"
${CLEAR_STALE_LOCKS}
if [ -n "$AOS_MESSAGE" ]; then
  ${ADD_ALL}
  if ! ${GIT} diff --cached --quiet; then ${GIT} commit --quiet --no-verify -m "$AOS_MESSAGE"; fi
fi
idx="$TMPDIR/agent-os-snapshot-index.$AOS_NONCE"
rm -f "$idx"; cp .git/index "$idx" 2>/dev/null || true
tree=$(GIT_INDEX_FILE="$idx" ${ADD_ALL} >/dev/null && GIT_INDEX_FILE="$idx" ${GIT} write-tree)
rm -f "$idx"
head=$(${GIT} rev-parse --verify HEAD^{commit})
snap=$(${GIT} commit-tree "$tree" -p "$head" -m "Agent OS snapshot")
${GIT} update-ref refs/agent-os/snapshot "$snap"
${GIT} bundle create --quiet - refs/agent-os/snapshot "^$AOS_BASE"
`;

const MERGE_CHILD = `set -e
mkdir -p "$TMPDIR"
${CLEAR_STALE_LOCKS}
${GIT} fetch --quiet --no-tags "$AOS_VAULT" "+refs/heads/$AOS_CHILD:refs/heads/$AOS_CHILD"
if ${GIT} merge-base --is-ancestor "refs/heads/$AOS_CHILD" HEAD; then echo "UP_TO_DATE $(${GIT} rev-parse HEAD)"; exit 0; fi
if ${GIT} merge --quiet --no-ff --no-edit --no-verify -m "$AOS_MESSAGE" "refs/heads/$AOS_CHILD" >"$TMPDIR/merge.out" 2>&1; then
  echo "MERGED $(${GIT} rev-parse HEAD)"; exit 0
fi
files=$(${GIT} diff --name-only --diff-filter=U)
${GIT} merge --abort >/dev/null 2>&1 || ${GIT} reset --hard --quiet HEAD
echo "CONFLICT $(${GIT} rev-parse HEAD) $(${GIT} rev-parse "refs/heads/$AOS_CHILD")"
printf '%s\\n' "$files"
`;

export interface VaultState {
  /** The branch head the repository had (without uncommitted files). */
  head: string;
  /** A commit of the files as they are (uncommitted and untracked ones too), child of `head`. */
  snapshot: string;
}

export interface ConfinedResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs a bash script confined in `scope`; stdout is kept as bytes (a bundle), stderr as text (its tail). */
export async function runConfined(
  confinement: Confinement,
  scope: ConfinementScope,
  script: string,
  env: Record<string, string> = {},
): Promise<ConfinedResult> {
  await mkdir(path.join(scope.scratchHome, 'tmp'), { recursive: true });
  const command = await confinement.command(script, { ...scope, env: { ...scope.env, ...env } });
  return new Promise((resolve) => {
    const child = spawnConfined(command, 'ignore-stdin');
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.on('error', (error) => resolve({ code: null, stdout: Buffer.concat(out), stderr: error.message }));
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err }));
  });
}

export interface SessionGitOptions {
  repos: SessionRepositories;
  confinement: Confinement;
  /** The scope our git runs in for a repository (its scratch home is Agent OS's own). */
  scope(sessionId: string, workdir: string, writable: boolean): ConfinementScope;
}

export class SessionGit {
  /** One of Agent OS's git operations at a time per session: two take-overs (parallel Coders starting,
   * a merge) would race on the vault's refs. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly options: SessionGitOptions) {}

  private serialize<T>(sessionId: string, work: () => Promise<T>): Promise<T> {
    const next = (this.queues.get(sessionId) ?? Promise.resolve()).then(work, work);
    const settled = next.catch(() => undefined);
    this.queues.set(sessionId, settled);
    void settled.then(() => this.queues.get(sessionId) === settled && this.queues.delete(sessionId));
    return next;
  }

  /**
   * Takes the repository's state over into the vault: optionally commits what is uncommitted first, then
   * snapshots the files and fetches the new objects, verified, into the vault, where `ref` then names the
   * head. `base` is the commit the bundle is cut against (the vault has it through the person's objects).
   */
  takeOver(
    sessionId: string,
    workdir: string,
    options: { ref: string; base: string; commitMessage?: string },
  ): Promise<VaultState> {
    return this.serialize(sessionId, () => this.takeOverNow(sessionId, workdir, options));
  }

  private async takeOverNow(
    sessionId: string,
    workdir: string,
    options: { ref: string; base: string; commitMessage?: string },
  ): Promise<VaultState> {
    const { repos, confinement } = this.options;
    const vault = await repos.vaultToWrite(sessionId);
    const result = await runConfined(confinement, this.options.scope(sessionId, workdir, true), CHECKPOINT_AND_BUNDLE, {
      AOS_BASE: options.base,
      AOS_MESSAGE: options.commitMessage ?? '',
      AOS_NONCE: randomUUID(),
    });
    if (result.code !== 0) throw new GitFailedError('checkpoint', result.stderr.trim() || `exit ${result.code}`);
    return withScratchDir('bundle', async (scratch) => {
      const bundle = path.join(scratch, 'work.bundle');
      await writeFile(bundle, result.stdout);
      const snapshotRef = `refs/agent-os/snapshots/${createHash('sha256').update(workdir).digest('hex').slice(0, 16)}`;
      const git = openGit(vault, { config: ['transfer.fsckObjects=true', 'fetch.fsckObjects=true'] });
      await runGit('fetch (verified)', () =>
        git.raw([
          'fetch',
          '--quiet',
          '--no-tags',
          '--no-write-fetch-head',
          bundle,
          `+refs/agent-os/snapshot:${snapshotRef}`,
        ]),
      );
      const snapshot = (await git.raw(['rev-parse', '--verify', `${snapshotRef}^{commit}`])).trim();
      const head = (await git.raw(['rev-parse', '--verify', `${snapshot}^1`])).trim();
      await runGit('update-ref', () => git.raw(['update-ref', options.ref, head]));
      return { head, snapshot };
    });
  }

  /** The change from `base` to a state in the vault: files as they are (`snapshot`) or as committed (`head`). */
  diff(sessionId: string, base: string, commit: string): Promise<WorktreeDiff> {
    return diffCommits(this.options.repos.vaultPath(sessionId), base, commit);
  }

  /** Merges a child's branch (already taken over into the vault) into the session repository, confined. */
  mergeChild(sessionId: string, sessionWorkdir: string, childBranch: string, label: string): Promise<MergeResult> {
    return this.serialize(sessionId, () => this.mergeChildNow(sessionId, sessionWorkdir, childBranch, label));
  }

  private async mergeChildNow(
    sessionId: string,
    sessionWorkdir: string,
    childBranch: string,
    label: string,
  ): Promise<MergeResult> {
    const { repos, confinement } = this.options;
    const result = await runConfined(confinement, this.options.scope(sessionId, sessionWorkdir, true), MERGE_CHILD, {
      AOS_VAULT: repos.vaultPath(sessionId),
      AOS_CHILD: childBranch,
      AOS_MESSAGE: `Merge ${label}`,
    });
    const lines = result.stdout
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim());
    const [verdict, first, second] = (lines[0] ?? '').split(' ');
    if (result.code !== 0 || !verdict || !first)
      throw new GitFailedError('merge', result.stderr.trim() || `exit ${result.code}`);
    if (verdict === 'UP_TO_DATE' || verdict === 'MERGED')
      return { status: 'merged', commit: first, childBranch, upToDate: verdict === 'UP_TO_DATE' };
    const files = lines.slice(1);
    return {
      status: 'conflict',
      childBranch,
      parentHead: first,
      childHead: second ?? '',
      files,
      task:
        `Merge branch ${childBranch} into the session branch: both changed ${files.join(', ')}. ` +
        `Run \`git merge ${childBranch}\`, resolve the conflicts keeping the intent of both sides, run the tests, and commit.`,
    };
  }

  /**
   * Brings the vault's branch into the person's repository (a fetch between two host-only repositories),
   * after checking that it is exactly `expectedHead`. The pull request is then pushed from there.
   */
  async deliver(sessionId: string, branch: string, expectedHead: string): Promise<void> {
    const { repos } = this.options;
    const head = await repos.vaultCommit(sessionId, `refs/heads/${branch}`);
    if (head !== expectedHead) {
      throw new AgentOsError(
        'APPROVAL_REFUSED',
        `the session's branch is at ${head?.slice(0, 12) ?? 'nothing'}, not at the approved ${expectedHead.slice(0, 12)}`,
      );
    }
    // The branch is ours alone in the person's repository: a lock on it is one a killed delivery left.
    await clearStaleRefLocks({
      gitDir: await repos.repositoryGitDir(),
      workDir: repos.repository,
      locks: [`refs/heads/${branch}.lock`],
    });
    const git = openGit(repos.repository, { config: ['transfer.fsckObjects=true', 'fetch.fsckObjects=true'] });
    await runGit('fetch from the vault', () =>
      git.raw([
        'fetch',
        '--quiet',
        '--no-tags',
        '--no-write-fetch-head',
        repos.vaultPath(sessionId),
        `+refs/heads/${branch}:refs/heads/${branch}`,
      ]),
    );
  }
}
