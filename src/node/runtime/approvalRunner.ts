// Performs the approval machine's steps (src/core/pipeline/approval.ts): checks a person's decision
// against the verdict's evidence, records it, and carries an approval out — commit, push, pull
// request (found first, so it is opened exactly once even across crashes) — then answers the
// Coordinator's held call so it can finish.
import { AgentOsError } from '../../core/errors.ts';
import type { EventOfType, SessionEvent } from '../../core/events/sessionEvent.ts';
import { inLogOrder, type SessionLog } from '../../core/harness/sessionLog.ts';
import {
  APPROVAL_EVENT_TYPES,
  approvedButNotCarriedOut,
  decidableVerdict,
  nextApprovalStep,
} from '../../core/pipeline/approval.ts';
import type { SessionMeta } from '../../core/session/sessionStore.ts';
import { openPullRequestForSession } from '../pipeline/pullRequestStep.ts';
import type { AgentOsRuntimeOptions } from './runtimeOptions.ts';
import { repositoryOf } from './harnessAssembly.ts';

export type Decision = { decision: 'approve' } | { decision: 'reject'; feedback: string };

/** Records the person's decision on a verdict and carries it out as far as it goes. */
export async function decide(
  options: AgentOsRuntimeOptions,
  meta: SessionMeta,
  log: SessionLog,
  verdictEventId: string,
  decision: Decision,
): Promise<void> {
  const pendingApproval = approvedButNotCarriedOut(log.state, approvalRecords(log), verdictEventId);
  // Approving again after the push or the pull request failed (remote refused, network down): the
  // approval stands; carry it out now. The evidence was checked then, and the commit made since is ours.
  if (decision.decision === 'approve' && pendingApproval) return finishApprovedWork(options, meta, log);
  // An approval that could not be carried out (push failed, work changed since) may still be replaced by
  // a request for changes; the latest decision counts.
  const verdict = decidableVerdict(
    log.state,
    approvalRecords(log),
    verdictEventId,
    decision.decision === 'reject' && pendingApproval,
  );
  if (decision.decision === 'approve') await checkEvidenceStillHolds(options, meta, verdict);
  await log.append({
    type: 'agent_os.approval',
    thread: log.state.primaryThreadId as string,
    verdict_event_id: verdict.id,
    decision: decision.decision,
    ...(decision.decision === 'reject' ? { feedback: decision.feedback } : {}),
  });
  await finishApprovedWork(options, meta, log);
}

/** Carries out what the latest decision still needs (nothing, when it is all in the log). */
export async function finishApprovedWork(
  options: AgentOsRuntimeOptions,
  meta: SessionMeta,
  log: SessionLog,
): Promise<void> {
  for (
    let step = nextApprovalStep(log.state, () => approvalRecords(log));
    step.kind !== 'none';
    step = nextApprovalStep(log.state, () => approvalRecords(log))
  ) {
    if (step.kind === 'answer_held_review') {
      await log.appendMany(step.events);
      return;
    }
    if (!options.pullRequests)
      throw new AgentOsError('GITHUB_FAILED', 'no GitHub connection is configured to open the pull request');
    const repository = repositoryOf(meta);
    const sandboxes = options.sandboxes(repository);
    // Also when the approval is carried out later (after a failed push, on wake): the commit made since
    // leaves the hash as it was, but any other change means the verdict no longer covers the work.
    const changes = await sandboxes.changes(meta.id);
    if (changes.diff.sha256 !== step.verdict.evidence.diff_sha256) throw worktreeChangedError();
    const target = await options.pullRequests(repository);
    const opened = await openPullRequestForSession({
      meta,
      events: pullRequestRecords(log, step.verdict),
      sandboxes,
      expectedSha256: step.verdict.evidence.diff_sha256,
      target,
    });
    await log.append({ type: 'agent_os.pull_request_opened', thread: log.state.primaryThreadId as string, ...opened });
  }
}

/** What the approval machine decides from (the log's records of its types, never the whole log). */
function approvalRecords(log: SessionLog): readonly SessionEvent[] {
  return log.eventsOfTypes(APPROVAL_EVENT_TYPES);
}

/** What the pull request's description is made of: the plans, and the Reviewer's thread (its verdict and the
 * test runs it saw). */
export function pullRequestRecords(log: SessionLog, verdict: SessionEvent): SessionEvent[] {
  return inLogOrder(log.eventsOfTypes(['agent_os.plan_submitted']), log.threadEvents(verdict.thread));
}

/** The approval points at a verdict; if the work changed since, the verdict no longer covers it. */
async function checkEvidenceStillHolds(
  options: AgentOsRuntimeOptions,
  meta: SessionMeta,
  verdict: EventOfType<'agent_os.verdict_submitted'>,
): Promise<void> {
  const changes = await options.sandboxes(repositoryOf(meta)).changes(meta.id);
  if (changes.diff.sha256 !== verdict.evidence.diff_sha256 || changes.head !== verdict.evidence.head_commit)
    throw worktreeChangedError();
}

function worktreeChangedError(): AgentOsError {
  return new AgentOsError(
    'APPROVAL_REFUSED',
    "the worktree changed after the Reviewer's verdict; the verdict no longer covers it — request changes for a new review",
  );
}
