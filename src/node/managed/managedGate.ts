// The gate on the managed backend: the person's decision on the Reviewer's verdict is checked against the
// log (the latest verdict, an APPROVE, not decided yet) and against the worktree (the verdict's evidence must
// still hold), then recorded; an approval is carried out here — Agent OS, not the platform, pushes the
// verified commit and opens the pull request, found first so it is opened once.
import { AgentOsError } from '../../core/errors.ts';
import type { EventOfType } from '../../core/events/sessionEvent.ts';
import type { SessionLog } from '../../core/harness/sessionLog.ts';
import { latestApprovalOf } from '../../core/pipeline/approval.ts';
import type { SessionMeta } from '../../core/session/sessionStore.ts';
import { openPullRequestForSession } from '../pipeline/pullRequestStep.ts';
import type { AgentOsRuntimeOptions } from '../runtime/runtimeOptions.ts';
import { pullRequestRecords } from '../runtime/approvalRunner.ts';
import { managedRecords } from './managedRecords.ts';

type GateOptions = Pick<AgentOsRuntimeOptions, 'sandboxes' | 'pullRequests'>;
type Verdict = EventOfType<'agent_os.verdict_submitted'>;

const WORKTREE_CHANGED =
  "the worktree changed after the Reviewer's verdict; the verdict no longer covers it — request changes for a new review";

/** Checks the person's decision and records it (once: deciding the same again records nothing). */
export async function recordDecision(
  options: GateOptions,
  meta: SessionMeta,
  log: SessionLog,
  verdictEventId: string,
  decision: 'approve' | 'reject',
  feedback?: string,
): Promise<void> {
  const records = managedRecords(log);
  const verdict = records.find((e) => e.id === verdictEventId);
  if (!verdict || verdict.type !== 'agent_os.verdict_submitted') {
    throw new AgentOsError('APPROVAL_REFUSED', `event ${verdictEventId} is not a verdict of session ${meta.id}`);
  }
  if (log.state.latestVerdict?.id !== verdict.id) {
    throw new AgentOsError('APPROVAL_REFUSED', `verdict ${verdictEventId} is not the latest verdict of this session`);
  }
  if ((verdict.verdict as { decision?: string }).decision !== 'APPROVE') {
    throw new AgentOsError('APPROVAL_REFUSED', 'only an APPROVE verdict can be approved');
  }
  const previous = latestApprovalOf(records, verdict.id);
  const carriedOut =
    previous !== undefined && records.some((e) => e.type === 'agent_os.pull_request_opened' && e.seq > previous.seq);
  // Approving again retries an approval whose push failed; a request for changes may still replace it.
  if (carriedOut || previous?.decision === 'reject') {
    throw new AgentOsError('APPROVAL_REFUSED', 'this verdict was already decided');
  }
  if (previous?.decision === decision) return;
  if (decision === 'approve') await checkEvidenceStillHolds(options, meta, verdict);
  await log.append({
    type: 'agent_os.approval',
    thread: log.state.primaryThreadId as string,
    verdict_event_id: verdict.id,
    decision,
    ...(feedback ? { feedback } : {}),
  });
}

/** Opens the pull request of an approval the log has not carried out yet. Returns the decided verdict (its
 * held hand-in is then answered), or undefined while the latest verdict waits for the person. */
export async function carryOutDecision(
  options: GateOptions,
  meta: SessionMeta,
  log: SessionLog,
): Promise<Verdict | undefined> {
  const verdict = log.state.latestVerdict;
  const records = managedRecords(log);
  const approval = verdict ? latestApprovalOf(records, verdict.id) : undefined;
  if (!verdict || !approval) return undefined;
  const opened = records.some((e) => e.type === 'agent_os.pull_request_opened' && e.seq > approval.seq);
  if (approval.decision === 'approve' && !opened) {
    if (!options.pullRequests) {
      throw new AgentOsError('GITHUB_FAILED', 'no GitHub connection is configured to open the pull request');
    }
    const sandboxes = options.sandboxes(meta.repository as string);
    const changes = await sandboxes.changes(meta.id);
    if (changes.diff.sha256 !== verdict.evidence.diff_sha256)
      throw new AgentOsError('APPROVAL_REFUSED', WORKTREE_CHANGED);
    const target = await options.pullRequests(meta.repository as string);
    const pullRequest = await openPullRequestForSession({
      meta,
      events: pullRequestRecords(log, verdict),
      sandboxes,
      expectedSha256: verdict.evidence.diff_sha256,
      target,
    });
    await log.append({
      type: 'agent_os.pull_request_opened',
      thread: log.state.primaryThreadId as string,
      ...pullRequest,
    });
  }
  return verdict;
}

async function checkEvidenceStillHolds(options: GateOptions, meta: SessionMeta, verdict: Verdict): Promise<void> {
  const changes = await options.sandboxes(meta.repository as string).changes(meta.id);
  if (changes.diff.sha256 !== verdict.evidence.diff_sha256 || changes.head !== verdict.evidence.head_commit) {
    throw new AgentOsError('APPROVAL_REFUSED', WORKTREE_CHANGED);
  }
}
