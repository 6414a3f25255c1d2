// The approval machine, as pure functions over the log and its fold: whether a verdict may be decided,
// and what an approval still needs done — open the pull request, then answer the Coordinator's call
// that the APPROVE verdict held open. The runtime performs the steps (git, GitHub) and appends.
import { AgentOsError } from '../errors.ts';
import type { EventInput, EventOfType, SessionEvent } from '../events/sessionEvent.ts';
import { toolResult } from '../harness/toolResults.ts';
import type { SessionState } from '../session/sessionState.ts';

type Verdict = EventOfType<'agent_os.verdict_submitted'>;
type Approval = EventOfType<'agent_os.approval'>;

export type ApprovalStep =
  /** Commit, push and open (or find) the pull request; record `agent_os.pull_request_opened`. */
  | { kind: 'open_pull_request'; verdict: Verdict; approval: Approval }
  /** Answer the held delegation to the Reviewer with the person's decision. */
  | { kind: 'answer_held_review'; events: EventInput[] }
  | { kind: 'none' };

export function latestApprovalOf(events: readonly SessionEvent[], verdictEventId: string): Approval | undefined {
  let found: Approval | undefined;
  for (const e of events) if (e.type === 'agent_os.approval' && e.verdict_event_id === verdictEventId) found = e;
  return found;
}

/** The only records the approval machine reads: a long log's reader hands it these, not the log. */
export const APPROVAL_EVENT_TYPES = [
  'agent_os.verdict_submitted',
  'agent_os.approval',
  'agent_os.pull_request_opened',
  'agent.thread_message_sent',
] as const;

function pullRequestOpenedAfter(events: readonly SessionEvent[], approval: Approval): boolean {
  return events.some((e) => e.type === 'agent_os.pull_request_opened' && e.seq > approval.seq);
}

/** The latest verdict was approved, but the push or the pull request has not happened (it failed). */
export function approvedButNotCarriedOut(
  state: SessionState,
  events: readonly SessionEvent[],
  verdictEventId: string,
): boolean {
  if (state.latestVerdict?.id !== verdictEventId) return false;
  const approval = latestApprovalOf(events, verdictEventId);
  return approval?.decision === 'approve' && !pullRequestOpenedAfter(events, approval);
}

/** The verdict a person may decide now, or the reason they may not. `overrideApproval`: an approval
 * that could not be carried out may be replaced by a request for changes. */
export function decidableVerdict(
  state: SessionState,
  events: readonly SessionEvent[],
  verdictEventId: string,
  overrideApproval: boolean,
): Verdict {
  const verdict = events.find((e): e is Verdict => e.id === verdictEventId && e.type === 'agent_os.verdict_submitted');
  if (!verdict)
    throw new AgentOsError('APPROVAL_REFUSED', `event ${verdictEventId} is not a verdict of session ${state.id}`);
  if (state.latestVerdict?.id !== verdict.id) {
    throw new AgentOsError('APPROVAL_REFUSED', `verdict ${verdictEventId} is not the latest verdict of this session`);
  }
  if (verdict.verdict.decision !== 'APPROVE')
    throw new AgentOsError('APPROVAL_REFUSED', 'only an APPROVE verdict can be approved');
  if (!overrideApproval && latestApprovalOf(events, verdict.id))
    throw new AgentOsError('APPROVAL_REFUSED', 'this verdict was already decided');
  return verdict;
}

/** What the latest decision still needs done, first thing first; `none` once all of it is in the log.
 * Decided from the fold where it can: `events` is read only when a decision since the latest verdict may
 * still owe the Coordinator its answer, so a wake with nothing left to carry out never reads the log. */
export function nextApprovalStep(state: SessionState, events: () => readonly SessionEvent[]): ApprovalStep {
  const verdict = state.latestVerdict;
  // The fold keeps the latest approval since the latest verdict: none, and nothing was decided since.
  const latest = state.latestApproval;
  if (!verdict || !latest) return { kind: 'none' };
  const approval = latest.verdict_event_id === verdict.id ? latest : latestApprovalOf(events(), verdict.id);
  if (!approval) return { kind: 'none' };
  // The fold's pull request is the latest one opened.
  if (approval.decision === 'approve' && !((state.pullRequest?.seq ?? 0) > approval.seq))
    return { kind: 'open_pull_request', verdict, approval };
  const answer = heldReviewAnswer(state, events, verdict, approval);
  return answer ? { kind: 'answer_held_review', events: answer } : { kind: 'none' };
}

/** The answer to the Coordinator's call to the Reviewer that the verdict held open, if it still is. */
function heldReviewAnswer(
  state: SessionState,
  events: () => readonly SessionEvent[],
  verdict: Verdict,
  approval: Approval,
): EventInput[] | undefined {
  const reviewerThread = verdict.thread;
  const parent = state.threads[reviewerThread]?.parentThreadId;
  if (!parent) return undefined;
  // The call the verdict answers was sent before it: one sent after is the next round's review (after a
  // request for changes), which waits for a verdict of its own, even when a crash comes before that verdict.
  // A call made after the verdict cannot have sent that message before it, so only earlier ones are looked up.
  const candidates = [...(state.threads[parent]?.pendingToolUses.values() ?? [])].filter(
    (use) => use.seq < verdict.seq,
  );
  if (candidates.length === 0) return undefined;
  const log = events();
  const held = candidates.find((use) =>
    log.some(
      (e) =>
        e.type === 'agent.thread_message_sent' &&
        e.delegation_tool_use_id === use.id &&
        e.to_session_thread_id === reviewerThread &&
        e.seq < verdict.seq,
    ),
  );
  if (!held) return undefined;
  const text = approvalOutcomeText(log, approval);
  // The reply and the result are two records: a crash between them leaves the reply alone, and only the
  // result is still owed (sending the reply again would show the Coordinator's answer twice).
  const replied = log.some(
    (e) =>
      e.type === 'agent.thread_message_sent' &&
      e.thread === reviewerThread &&
      e.to_session_thread_id === parent &&
      e.delegation_tool_use_id === held.id,
  );
  return [
    ...(replied
      ? []
      : [
          {
            type: 'agent.thread_message_sent' as const,
            thread: reviewerThread,
            to_session_thread_id: parent,
            content: [{ type: 'text' as const, text }],
            delegation_tool_use_id: held.id,
          },
        ]),
    toolResult(parent, held.id, text, false),
  ];
}

/** What the Coordinator is told once the person has decided. */
export function approvalOutcomeText(events: readonly SessionEvent[], approval: Approval): string {
  if (approval.decision === 'reject') {
    return (
      `The person did not approve and requested changes: ${approval.feedback ?? '(no text)'}\n` +
      'Send this feedback to the Coder, then ask the Reviewer to review again.'
    );
  }
  const pr = [...events]
    .reverse()
    .find((e): e is EventOfType<'agent_os.pull_request_opened'> => e.type === 'agent_os.pull_request_opened');
  return pr
    ? `The person approved the verdict. Pull request #${pr.number} was opened: ${pr.url}. Finish with a short summary.`
    : 'The person approved the verdict.';
}
