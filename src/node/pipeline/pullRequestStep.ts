// After the person approved: commit the session's work (confined, in its repository), bring exactly that
// commit into the person's repository, push its branch, and open the pull request (or find the one a
// crashed earlier attempt opened, so there is exactly one).
import type { SessionEvent } from '../../core/events/sessionEvent.ts';
import { AgentOsError, StateCorruptError } from '../../core/errors.ts';
import { ensurePullRequest, type PullRequestSink } from '../../core/github/githubPorts.ts';
import type { SessionMeta } from '../../core/session/sessionStore.ts';
import { pushBranch } from '../git/pushBranch.ts';
import type { SessionSandboxes } from '../../core/sandbox/sessionSandboxes.ts';
import { pullRequestBody } from './pullRequestBody.ts';

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
  sandboxes: Pick<SessionSandboxes, 'workspace' | 'checkpoint' | 'changes' | 'deliver'>;
  /** The diff hash the approved verdict names: what is delivered must still have it. */
  expectedSha256: string;
  target: PullRequestTarget;
}): Promise<OpenedPullRequest> {
  const { meta, events, sandboxes, target } = input;
  if (!meta.repository) throw new StateCorruptError(`session ${meta.id} has no repository`);
  const workspace = await sandboxes.workspace(meta.id);
  const { commit } = await sandboxes.checkpoint(meta.id, `${meta.title}\n\nMade by Agent OS, session ${meta.id}.`);
  // Checked again on the commit itself, in the vault: the approval covers exactly this content.
  const changes = await sandboxes.changes(meta.id);
  if (changes.head !== commit || changes.diff.sha256 !== input.expectedSha256) {
    throw new AgentOsError(
      'APPROVAL_REFUSED',
      "the session's work changed while it was being committed; the verdict no longer covers it — request changes for a new review",
    );
  }
  await sandboxes.deliver(meta.id, commit);
  await pushBranch(
    meta.repository,
    target.remote,
    workspace.branch,
    target.pushToken ? { token: target.pushToken } : {},
  );
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
