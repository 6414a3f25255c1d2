// What Agent OS does with a plan or a verdict handed in on the platform (the `submit_plan` /
// `submit_verdict` custom tools): the same checks as the local pipeline (schema, evidence, review
// rounds), recorded as the same events, and the answer the agent gets. An APPROVE gets no answer: the
// platform session waits on it until the person decides. Idempotent, keyed by the call's event id, so
// a re-attach that meets an unanswered call asks again without recording twice.
import type { EventInput, EventOfType, SessionEvent } from '../../core/events/sessionEvent.ts';
import type { SessionLog } from '../../core/harness/sessionLog.ts';
import { parsePlan, parseVerdict } from '../../core/agents/structuredOutput.ts';
import { approvalOutcomeText, latestApprovalOf } from '../../core/pipeline/approval.ts';
import { formatFixes, rejectRounds } from '../pipeline/pipelineResultHook.ts';
import type { SessionChangeSet, SessionWorkspaceInfo } from '../runtime/sessionSandboxes.ts';
import { SUBMIT_PLAN_TOOL, SUBMIT_VERDICT_TOOL } from './agentParams.ts';

export interface HandInAnswer {
  text: string;
  isError: boolean;
}

export function isHandIn(event: SessionEvent): event is EventOfType<'agent.tool_use'> {
  return event.type === 'agent.tool_use' && (event.name === SUBMIT_PLAN_TOOL || event.name === SUBMIT_VERDICT_TOOL);
}

/** Checks the hand-in `call`, appends what it records, and returns the answer (undefined: held for the person). */
export async function checkHandIn(input: {
  log: SessionLog;
  call: EventOfType<'agent.tool_use'>;
  workspace(): Promise<SessionWorkspaceInfo>;
  /** The session's files taken over into its vault (see SessionSandboxes.changes). */
  changes(): Promise<SessionChangeSet>;
  maxReviewRounds: number;
}): Promise<HandInAnswer | undefined> {
  const { log, call } = input;
  const text = JSON.stringify(call.input ?? {});
  if (call.name === SUBMIT_PLAN_TOOL) {
    const parsed = parsePlan(text);
    if (!parsed.ok) return { text: parsed.error, isError: true };
    if (!log.events.some((e) => e.type === 'agent_os.plan_submitted' && e.model_request_end_id === call.id)) {
      await log.append({ type: 'agent_os.plan_submitted', thread: call.thread, plan: parsed.value, model_request_end_id: call.id });
    }
    return { text: `Plan accepted:\n${JSON.stringify(parsed.value, null, 2)}`, isError: false };
  }
  const parsed = parseVerdict(text);
  if (!parsed.ok) return { text: parsed.error, isError: true };
  const verdict = parsed.value;
  let recorded = verdictFor(log.events, call.id);
  if (!recorded) {
    const workspace = await input.workspace();
    const changes = await input.changes();
    const event: EventInput = {
      type: 'agent_os.verdict_submitted',
      thread: call.thread,
      verdict,
      // The call is the model turn's trace in the log: the verdict and its hand-in share an id to join on.
      model_request_end_id: call.id,
      evidence: {
        base_commit: workspace.baseCommit,
        head_commit: changes.head,
        diff_sha256: changes.diff.sha256,
        test_run_event_ids: testRunsBefore(log.events, call),
      },
    };
    recorded = (await log.append(event)) as EventOfType<'agent_os.verdict_submitted'>;
  }
  if (verdict.decision === 'REJECT') {
    const rounds = rejectRounds(log.events.filter((e) => e.seq <= (recorded as SessionEvent).seq));
    if (rounds > input.maxReviewRounds) {
      return { text: `The change was rejected ${rounds} times; the limit is ${input.maxReviewRounds} rounds. Stop and report what is left:\n${formatFixes(verdict)}`, isError: true };
    }
    return { text: `REJECT (review round ${rounds} of ${input.maxReviewRounds}): ${verdict.summary}\nFixes to send to the Coder:\n${formatFixes(verdict)}`, isError: false };
  }
  const approval = latestApprovalOf(log.events, recorded.id);
  if (!approval) return undefined;
  if (approval.decision === 'approve' && !log.events.some((e) => e.type === 'agent_os.pull_request_opened' && e.seq > approval.seq)) return undefined;
  return { text: approvalOutcomeText(log.events, approval), isError: false };
}

export function verdictFor(events: readonly SessionEvent[], callId: string): EventOfType<'agent_os.verdict_submitted'> | undefined {
  return events.find((e): e is EventOfType<'agent_os.verdict_submitted'> => e.type === 'agent_os.verdict_submitted' && e.model_request_end_id === callId);
}

/** The Reviewer's bash calls since its task last arrived: the test runs its verdict rests on. */
function testRunsBefore(events: readonly SessionEvent[], call: EventOfType<'agent.tool_use'>): string[] {
  const thread = events.filter((e) => e.thread === call.thread && e.seq < call.seq);
  const arrived = [...thread].reverse().find((e) => e.type === 'agent.thread_message_received')?.seq ?? 0;
  return thread.filter((e) => e.seq > arrived && e.type === 'agent.tool_use' && e.name === 'bash').map((e) => e.id);
}
