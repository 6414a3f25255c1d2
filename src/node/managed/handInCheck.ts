// What Agent OS does with a plan or a verdict handed in on the platform (the `submit_plan` /
// `submit_verdict` custom tools) and with a Coder's `complete_step`: the same checks as the local pipeline
// (schema, evidence, review rounds, and the runtime's supervision in managedSupervision.ts), recorded as the
// same events, and the answer the agent gets. An APPROVE, and a plan whose questions wait for the person, get
// no answer: the platform session waits on them until the person decides. Idempotent, keyed by the call's
// event id, so a re-attach that meets an unanswered call asks again without recording twice.
import type { EventInput, EventOfType, SessionEvent } from '../../core/events/sessionEvent.ts';
import type { SessionLog } from '../../core/harness/sessionLog.ts';
import { parsePlan, parseVerdict } from '../../core/agents/structuredOutput.ts';
import { approvalOutcomeText, latestApprovalOf } from '../../core/pipeline/approval.ts';
import { formatFixes, rejectRounds } from '../pipeline/pipelineResultHook.ts';
import type { SessionChangeSet, SessionWorkspaceInfo } from '../../core/sandbox/sessionSandboxes.ts';
import { COMPLETE_STEP_TOOL_NAME } from '../../core/pipeline/planSteps.ts';
import { suiteSummary } from '../../core/pipeline/verdictGate.ts';
import { SUBMIT_PLAN_TOOL, SUBMIT_VERDICT_TOOL } from './agentParams.ts';
import { managedRecords } from './managedRecords.ts';
import {
  approveGate,
  completeStepAnswer,
  planAnswer,
  planFollowUp,
  type ManagedSupervision,
} from './managedSupervision.ts';

export interface HandInAnswer {
  text: string;
  isError: boolean;
}

export function isHandIn(event: SessionEvent): event is EventOfType<'agent.tool_use'> {
  return (
    event.type === 'agent.tool_use' &&
    (event.name === SUBMIT_PLAN_TOOL || event.name === SUBMIT_VERDICT_TOOL || event.name === COMPLETE_STEP_TOOL_NAME)
  );
}

/** Checks the hand-in `call`, appends what it records, and returns the answer (undefined: held for the person). */
export async function checkHandIn(input: {
  log: SessionLog;
  call: EventOfType<'agent.tool_use'>;
  workspace(): Promise<SessionWorkspaceInfo>;
  /** The session's files taken over into its vault (see SessionSandboxes.changes). */
  changes(): Promise<SessionChangeSet>;
  maxReviewRounds: number;
  supervision: ManagedSupervision;
}): Promise<HandInAnswer | undefined> {
  const { log, call, supervision } = input;
  if (call.name === COMPLETE_STEP_TOOL_NAME) return completeStepAnswer(log, call, supervision);
  const text = JSON.stringify(call.input ?? {});
  if (call.name === SUBMIT_PLAN_TOOL) {
    const parsed = parsePlan(text);
    if (!parsed.ok) return { text: parsed.error, isError: true };
    let plan = managedRecords(log).find(
      (e): e is EventOfType<'agent_os.plan_submitted'> =>
        e.type === 'agent_os.plan_submitted' && e.model_request_end_id === call.id,
    );
    if (!plan) {
      plan = (await log.append({
        type: 'agent_os.plan_submitted',
        thread: call.thread,
        plan: parsed.value,
        model_request_end_id: call.id,
      })) as EventOfType<'agent_os.plan_submitted'>;
    }
    await planFollowUp(log, plan, supervision, supervision.maxStepAttempts);
    return planAnswer(managedRecords(log), plan);
  }
  const parsed = parseVerdict(text);
  if (!parsed.ok) return { text: parsed.error, isError: true };
  const verdict = parsed.value;
  let recorded = verdictFor(managedRecords(log), call.id);
  if (!recorded) {
    const workspace = await input.workspace();
    const changes = await input.changes();
    // The verdict gate: an APPROVE counts only over Agent OS's own passing run of the suite, in a clean room of
    // the files as the Reviewer saw them (managed sessions are not checkpointed: their snapshot, not the head).
    const gate =
      verdict.decision === 'APPROVE'
        ? await approveGate(managedRecords(log), call, changes.snapshot, supervision)
        : { evidence: {} };
    const run = gate.run ? await log.append(gate.run) : undefined;
    if (gate.refusal) return { text: gate.refusal, isError: true };
    const evidence = run?.type === 'agent_os.validation_run' ? { suite_run: suiteSummary(run) } : gate.evidence;
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
        test_run_event_ids: testRunsBefore(log.threadEvents(call.thread), call),
        ...evidence,
      },
    };
    recorded = (await log.append(event)) as EventOfType<'agent_os.verdict_submitted'>;
  }
  if (verdict.decision === 'REJECT') {
    const rounds = rejectRounds(managedRecords(log).filter((e) => e.seq <= (recorded as SessionEvent).seq));
    if (rounds > input.maxReviewRounds) {
      return {
        text: `The change was rejected ${rounds} times; the limit is ${input.maxReviewRounds} rounds. Stop and report what is left:\n${formatFixes(verdict)}`,
        isError: true,
      };
    }
    return {
      text: `REJECT (review round ${rounds} of ${input.maxReviewRounds}): ${verdict.summary}\nFixes to send to the Coder:\n${formatFixes(verdict)}`,
      isError: false,
    };
  }
  const records = managedRecords(log);
  const approval = latestApprovalOf(records, recorded.id);
  if (!approval) return undefined;
  if (
    approval.decision === 'approve' &&
    !records.some((e) => e.type === 'agent_os.pull_request_opened' && e.seq > approval.seq)
  )
    return undefined;
  return { text: approvalOutcomeText(records, approval), isError: false };
}

export function verdictFor(
  events: readonly SessionEvent[],
  callId: string,
): EventOfType<'agent_os.verdict_submitted'> | undefined {
  return events.find(
    (e): e is EventOfType<'agent_os.verdict_submitted'> =>
      e.type === 'agent_os.verdict_submitted' && e.model_request_end_id === callId,
  );
}

/** The Reviewer's bash calls since its task last arrived: the test runs its verdict rests on. */
function testRunsBefore(threadEvents: readonly SessionEvent[], call: EventOfType<'agent.tool_use'>): string[] {
  const thread = threadEvents.filter((e) => e.seq < call.seq);
  const arrived = [...thread].reverse().find((e) => e.type === 'agent.thread_message_received')?.seq ?? 0;
  return thread.filter((e) => e.seq > arrived && e.type === 'agent.tool_use' && e.name === 'bash').map((e) => e.id);
}
