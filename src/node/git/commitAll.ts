// Records the agents' work as one commit on the session's branch.
import { addAllButWriteTemps } from './writeTemps.ts';
import { agentOsIdentity, openGit, runGit, type GitIdentity } from './gitClient.ts';
import { configuredIdentity, headCommit } from './commits.ts';

export interface CommitAllOptions {
  message: string;
  /** Author of the change; defaults to the committer. */
  author?: GitIdentity;
}

export interface CommitAllResult {
  commit: string;
  /** False when there was nothing to commit: `commit` is then the unchanged HEAD. */
  committed: boolean;
}

export async function commitAll(worktree: string, options: CommitAllOptions): Promise<CommitAllResult> {
  const committer = (await configuredIdentity(worktree)) ?? agentOsIdentity;
  const author = options.author ?? committer;
  const git = openGit(worktree, { config: [`user.name=${committer.name}`, `user.email=${committer.email}`] });
  await runGit('add', () => git.raw(addAllButWriteTemps()));
  const staged = await runGit('diff --cached', () => git.raw(['diff', '--cached', '--name-only', '-z']));
  if (staged.length === 0) return { commit: await headCommit(worktree), committed: false };
  // --no-verify: hooks such as husky's live in the worktree the agents wrote, so running them would run
  // the agents' code outside the sandbox.
  await runGit('commit', () =>
    git.raw(['commit', '--no-verify', '--quiet', '-m', options.message, `--author=${author.name} <${author.email}>`]),
  );
  return { commit: await headCommit(worktree), committed: true };
}
