// After the person approved: commit the session's work, push its branch, and open the pull request
// (or find the one a crashed earlier attempt opened, so there is exactly one).
import type { EventOfType, SessionEvent } from '../../core/events/sessionEvent.ts';
import { ensurePullRequest, type PullRequestSink } from '../../core/github/githubPorts.ts';
import type { SessionMeta } from '../../core/session/sessionStore.ts';
import { commitAll } from '../git/commitAll.ts';
import { pushBranch } from '../git/pushBranch.ts';
import type { SessionWorkspaceInfo } from '../runtime/sessionSandboxes.ts';
import { pullRequestBody } from './pullRequestBody.ts';
import { clearStaleGitLocks } from './staleGitLocks.ts';

export interface PullRequestTarget {
  sink: PullRequestSink;
  owner: string;
  repo: string;
  /** Remote name or URL the branch is pushed to. */
  remote: string;
  /** Branch the pull request targets. */
  baseBranch: string;
  /** GitHub token for the push, given only when the remote is that GitHub's own host. */
  pushToken?: string;
}

export interface OpenedPullRequest {
  url: string;
  number: number;
  branch: string;
  head_commit: string;
}

export async function openPullRequestForSession(input: {
  meta: SessionMeta;
  events: readonly SessionEvent[];
  workspace: SessionWorkspaceInfo;
  target: PullRequestTarget;
}): Promise<OpenedPullRequest> {
  const { meta, events, workspace, target } = input;
  await clearStaleGitLocks(workspace.worktree, workspace.branch);
  const { commit } = await commitAll(workspace.worktree, { message: `${meta.title}\n\nMade by Agent OS, session ${meta.id}.` });
  await pushBranch(workspace.worktree, target.remote, workspace.branch, target.pushToken ? { token: target.pushToken } : {});
  // Found first, opened only when missing: one pull request even after a crash or a racing attempt.
  const { pullRequest: pr } = await ensurePullRequest(target.sink, {
    owner: target.owner,
    repo: target.repo,
    head: workspace.branch,
    base: target.baseBranch,
    title: meta.title,
    body: pullRequestBody(meta, events),
  });
  return { url: pr.url, number: pr.number, branch: workspace.branch, head_commit: commit };
}

export type { EventOfType };
