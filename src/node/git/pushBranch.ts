// Publishes the session's branch after the person approved.
import { GitFailedError, openGit, runGit } from './gitClient.ts';
import { resolveCommit } from './commits.ts';

export interface PushResult {
  remote: string;
  branch: string;
  /** The commit the remote branch now points at. */
  commit: string;
}

/** Pushes `branch` to the same name on `remote` (a remote name or URL); GIT_FAILED with git's reason otherwise. */
export async function pushBranch(worktree: string, remote: string, branch: string): Promise<PushResult> {
  const commit = await resolveCommit(worktree, `refs/heads/${branch}`).catch((error: unknown) => {
    throw new GitFailedError(`push ${remote} ${branch}`, `there is no local branch '${branch}'`, { cause: error });
  });
  // --no-verify: a pre-push hook from the worktree would run the agents' code outside the sandbox.
  await runGit(`push ${remote} ${branch}`, () =>
    openGit(worktree).raw(['push', '--no-verify', remote, `refs/heads/${branch}:refs/heads/${branch}`]),
  );
  return { remote, branch, commit };
}
