// Publishes the session's branch after the person approved.
import { GitFailedError, openGit, runGit } from './gitClient.ts';
import { resolveCommit } from './commits.ts';

export interface PushResult {
  remote: string;
  branch: string;
  /** The commit the remote branch now points at. */
  commit: string;
}

export interface PushOptions {
  /**
   * A GitHub token for an https remote (the CLI's GITHUB_TOKEN, the extension's session token). It goes to
   * git as an http.extraHeader through the environment — never on the command line, where `ps` shows it.
   * Without it git uses the person's own credential helper or ssh setup.
   */
  token?: string;
}

/** Pushes `branch` to the same name on `remote` (a remote name or URL); GIT_FAILED with git's reason otherwise. */
export async function pushBranch(
  worktree: string,
  remote: string,
  branch: string,
  options: PushOptions = {},
): Promise<PushResult> {
  const commit = await resolveCommit(worktree, `refs/heads/${branch}`).catch((error: unknown) => {
    throw new GitFailedError(`push ${remote} ${branch}`, `there is no local branch '${branch}'`, { cause: error });
  });
  const env: Record<string, string> = {};
  if (options.token) {
    const basic = Buffer.from(`x-access-token:${options.token}`).toString('base64');
    Object.assign(env, {
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.extraHeader',
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
    });
  }
  // --no-verify: a pre-push hook from the worktree would run the agents' code outside the sandbox.
  await runGit(`push ${remote} ${branch}`, () =>
    openGit(worktree, { env }).raw(['push', '--no-verify', remote, `refs/heads/${branch}:refs/heads/${branch}`]),
  );
  return { remote, branch, commit };
}
