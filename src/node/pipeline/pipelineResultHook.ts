// The pipeline's checks on what delegated threads hand back: the Planner's plan and the Reviewer's
// verdict are validated (a malformed one goes back to the agent with the schema error), a verdict is
// tied to its evidence (commits, diff hash, the test runs the Reviewer saw), REJECT rounds are bounded,
// and an APPROVE keeps the Coordinator waiting for a person.
import type { EventInput, EventOfType, EventType, SessionEvent } from '../../core/events/sessionEvent.ts';
import type {
  ThreadResultDecision,
  ThreadResultHook,
  ThreadResultRequest,
} from '../../core/harness/threadResultHook.ts';
import { parsePlan, parseVerdict } from '../../core/agents/structuredOutput.ts';
import type { Verdict } from '../../core/agents/verdictSchema.ts';
import { approvalOutcomeText, latestApprovalOf } from '../../core/pipeline/approval.ts';
import { answersTo, questionsAskedFor, questionsFor, type QuestionPolicy } from '../../core/pipeline/planQuestions.ts';
import { foldPlanSteps, pendingStepEvents, stepsNotRecorded, unvalidatedSteps } from '../../core/pipeline/planSteps.ts';
import { roleRules } from '../../core/pipeline/roles.ts';
import { suiteRunEvent, suiteRunOf, suiteSummary, suiteRefusal } from '../../core/pipeline/verdictGate.ts';
import type { SessionSandboxes } from '../../core/sandbox/sessionSandboxes.ts';
import { handOffCoderWork } from './coderHandOff.ts';

export interface PipelineHookOptions {
  sessionId: string;
  /** The session's sandboxes: its work is checkpointed, merged and diffed through them, confined. */
  sandboxes: Pick<SessionSandboxes, 'workspace' | 'changes' | 'checkpoint' | 'mergeChild'>;
  /** REJECT verdicts allowed before the pipeline gives up. */
  maxReviewRounds: number;
  /** Commit a Coder's work when it hands back (and merge parallel Coders' branches). */
  checkpointCoderWork: boolean;
  /** The runtime's supervision (absent: the agents' claims are taken as they are, as in managed mode). */
  supervision?: {
    /** Attempts of each plan step's validation. */
    maxStepAttempts: number;
    /** The repository's full test command, as the environment's set-up recorded it, if one is known. */
    testCommand(): string | undefined;
    /** When a plan waits for the person before the Coder starts (absent: never). */
    questions?: QuestionPolicy;
  };
}

/** The only records the hook's decisions read (a selection of the log kept by the harness, not the log). */
const HOOK_EVENT_TYPES = [
  'session.thread_created',
  'agent.thread_message_sent',
  'agent_os.checkpoint',
  'agent_os.plan_submitted',
  'agent_os.step_updated',
  'agent_os.validation_run',
  'agent_os.questions_asked',
  'agent_os.questions_answered',
  'agent_os.verdict_submitted',
  'agent_os.approval',
  'agent_os.pull_request_opened',
] as const satisfies readonly EventType[];

function recorded(request: ThreadResultRequest): readonly SessionEvent[] {
  return request.eventsOfTypes(HOOK_EVENT_TYPES);
}

export function pipelineResultHook(options: PipelineHookOptions): ThreadResultHook {
  // Hand-offs touch the session branch: one at a time, even when parallel Coders finish together.
  let handOffs: Promise<unknown> = Promise.resolve();
  return async (request) => {
    const { result } = roleRules(request.agentName);
    // The runtime stopped the thread (a failed step, a loop): its report goes to the caller as a failure.
    if (request.halt) return { kind: 'fail', result: request.finalText };
    if (result === 'plan') return planResult(request, options);
    if (result === 'verdict') return verdictResult(request, options);
    const text = request.finalText || '(the agent finished without a message)';
    if (result === 'work') {
      const unchecked = uncheckedSteps(request, options);
      if (unchecked) return { kind: 'correct', message: unchecked };
    }
    if (result === 'work' && options.checkpointCoderWork) {
      const run = handOffs.then(() => coderResult(request, options, text));
      handOffs = run.catch(() => undefined);
      return run;
    }
    return { kind: 'accept', result: text };
  };
}

async function coderResult(
  request: ThreadResultRequest,
  options: PipelineHookOptions,
  text: string,
): Promise<ThreadResultDecision> {
  const created = recorded(request).find(
    (e) => e.type === 'session.thread_created' && e.session_thread_id === request.threadId,
  );
  const key = created?.type === 'session.thread_created' ? created.thread_key : undefined;
  const handOff = await handOffCoderWork({
    sessionId: options.sessionId,
    sandboxes: options.sandboxes,
    agentName: request.agentName,
    finalText: text,
    ...(key ? { childKey: key } : {}),
  });
  // Recorded once per hand-back (the hook is asked again after a crash): where the session branch stands, which
  // is where a fork from a later event starts its files.
  const checkpointed = recorded(request).some(
    (e) => e.type === 'agent_os.checkpoint' && e.model_request_end_id === request.modelRequestEndId,
  );
  const events: EventInput[] =
    handOff.head && !checkpointed
      ? [
          {
            type: 'agent_os.checkpoint',
            thread: request.threadId,
            commit: handOff.head.commit,
            moved: handOff.head.moved,
            ...(key ? { thread_key: key } : {}),
            model_request_end_id: request.modelRequestEndId,
          },
        ]
      : [];
  return { kind: 'accept', result: `${text}\n\n${handOff.note}`, ...(events.length ? { events } : {}) };
}

/** A Coder handing back work while plan steps are not passed: the runtime has not seen them pass, so the
 * Coder's "PASSED" is not taken. Parallel Coders (a `thread_key`) carry parts of a plan and are not asked. */
function uncheckedSteps(request: ThreadResultRequest, options: PipelineHookOptions): string | undefined {
  if (!options.supervision) return undefined;
  const created = recorded(request).find(
    (e) => e.type === 'session.thread_created' && e.session_thread_id === request.threadId,
  );
  if (created?.type === 'session.thread_created' && created.thread_key) return undefined;
  const progress = foldPlanSteps(recorded(request)).progress;
  const open = unvalidatedSteps(progress);
  if (open.length === 0 || open.some((s) => s.state === 'failed')) return undefined;
  return (
    `The runtime has not seen ${open.length === 1 ? 'this step' : 'these steps'} of the plan pass: ${open.map((s) => `${s.id} ("${s.title}", ${s.state})`).join(', ')}. ` +
    'A step counts as done only when the runtime has run its validation: call complete_step with each step id, in order, and fix what fails. Then finish with your report.'
  );
}

function planResult(request: ThreadResultRequest, options: PipelineHookOptions): ThreadResultDecision {
  const parsed = parsePlan(request.finalText);
  if (!parsed.ok) return { kind: 'correct', message: parsed.error };
  const accepted = `Plan accepted:\n${JSON.stringify(parsed.value, null, 2)}`;
  const supervision = options.supervision;
  const policy = supervision?.questions;
  const existing = recorded(request).find(
    (e): e is EventOfType<'agent_os.plan_submitted'> =>
      e.type === 'agent_os.plan_submitted' && e.model_request_end_id === request.modelRequestEndId,
  );
  const answeredBefore = supervision ? answeredInDelegation(request) : false;
  const ask = (plan: { id: string; thread: string }) =>
    policy ? questionsFor(parsed.value, plan, policy, answeredBefore) : undefined;
  if (existing) {
    // Asked again after a crash or a resume: still waiting for the person's answers, or done.
    const asked = policy ? questionsAskedFor(recorded(request), existing.id) : undefined;
    if (asked && !answersTo(recorded(request), asked.id)) return { kind: 'hold', waitingOnEventId: asked.id };
    // Or cut off by a crash between the plan and what follows it (its questions, its steps): that is appended
    // now, or the Coder would start on a plan the person was to be asked about.
    const missingSteps = supervision ? stepsNotRecorded(recorded(request), existing, supervision.maxStepAttempts) : [];
    if (missingSteps.length === 0) return { kind: 'accept', result: accepted };
    const question = asked ? undefined : ask(existing);
    return question
      ? { kind: 'hold', events: [question, ...missingSteps] }
      : { kind: 'accept', result: accepted, events: missingSteps };
  }
  const events: EventInput[] = [
    {
      type: 'agent_os.plan_submitted',
      thread: request.threadId,
      plan: parsed.value,
      model_request_end_id: request.modelRequestEndId,
    },
  ];
  if (!supervision) return { kind: 'accept', result: accepted, events };
  // Its steps become runtime objects, pending until the Coder reports them and the runtime's run passes; and
  // open questions or low confidence wait for the person before the Coder starts.
  const followUp = (appended: readonly SessionEvent[]): EventInput[] =>
    appended.flatMap((e) => {
      if (e.type !== 'agent_os.plan_submitted') return [];
      const question = ask(e);
      return [...(question ? [question] : []), ...pendingStepEvents(e, supervision.maxStepAttempts)];
    });
  if (ask({ id: '', thread: request.threadId })) return { kind: 'hold', events, followUp };
  return { kind: 'accept', result: accepted, events, followUp };
}

/** Whether the person answered questions since this delegation reached the Planner (its plan is the revised one). */
function answeredInDelegation(request: ThreadResultRequest): boolean {
  const delivered = recorded(request).find(
    (e) =>
      e.type === 'agent.thread_message_sent' &&
      e.delegation_tool_use_id === request.delegationToolUseId &&
      e.to_session_thread_id === request.threadId,
  );
  return recorded(request).some(
    (e) => e.type === 'agent_os.questions_answered' && e.thread === request.threadId && e.seq > (delivered?.seq ?? 0),
  );
}

async function verdictResult(
  request: ThreadResultRequest,
  options: PipelineHookOptions,
): Promise<ThreadResultDecision> {
  const parsed = parseVerdict(request.finalText);
  if (!parsed.ok) return { kind: 'correct', message: parsed.error };
  const verdict = parsed.value;
  const existing = recorded(request).find(
    (e): e is EventOfType<'agent_os.verdict_submitted'> =>
      e.type === 'agent_os.verdict_submitted' && e.model_request_end_id === request.modelRequestEndId,
  );
  const events: EventInput[] = [];
  const verdictEventId = existing?.id;
  if (!existing) {
    const workspace = await options.sandboxes.workspace(options.sessionId);
    const changes = await options.sandboxes.changes(options.sessionId);
    const head = changes.head;
    const command = options.supervision?.testCommand();
    const note =
      verdict.decision !== 'APPROVE' || !options.supervision
        ? undefined
        : !command
          ? 'no test command is known for the repository (set one in .agents/environment.yaml)'
          : !request.runCommand
            ? 'the sandbox confines nothing, and Agent OS runs no command without your consent: run the tests yourself before you approve'
            : undefined;
    const verdictEvent = (suiteRun?: SessionEvent): EventInput => ({
      type: 'agent_os.verdict_submitted',
      thread: request.threadId,
      verdict,
      model_request_end_id: request.modelRequestEndId,
      evidence: {
        base_commit: workspace.baseCommit,
        head_commit: head,
        diff_sha256: changes.diff.sha256,
        test_run_event_ids: testRunsSeen(request),
        ...(suiteRun?.type === 'agent_os.validation_run'
          ? { suite_run: suiteSummary(suiteRun) }
          : note
            ? { suite_run_note: note }
            : {}),
      },
    });
    // The verdict gate: an APPROVE counts only over the runtime's own passing run of the full test suite,
    // at the head commit, in the Reviewer's clean room. A REJECT needs no run.
    if (verdict.decision === 'APPROVE' && command && request.runCommand) {
      const earlier = suiteRunOf(recorded(request), request.modelRequestEndId);
      const fresh = earlier
        ? undefined
        : suiteRunEvent(request.threadId, request.modelRequestEndId, head, await request.runCommand(command));
      const runEvents: EventInput[] = fresh ? [fresh] : [];
      const run = earlier ?? fresh;
      if (run && run.exit_code !== 0) return { kind: 'correct', message: suiteRefusal(run), events: runEvents };
      return {
        kind: 'hold',
        events: runEvents,
        followUp: (appended) => [verdictEvent(earlier ?? appended.find((e) => e.type === 'agent_os.validation_run'))],
      };
    }
    events.push(verdictEvent());
  }

  if (verdict.decision === 'REJECT') {
    const rounds = rejectRounds(recorded(request)) + (existing ? 0 : 1);
    const fixes = formatFixes(verdict);
    if (rounds > options.maxReviewRounds) {
      return {
        kind: 'fail',
        result: `The Reviewer rejected the change ${rounds} times; the limit is ${options.maxReviewRounds} rounds. Stop and report what is left:\n${fixes}`,
        events,
      };
    }
    return {
      kind: 'accept',
      result: `REJECT (review round ${rounds} of ${options.maxReviewRounds}): ${verdict.summary}\nFixes to send to the Coder:\n${fixes}`,
      events,
    };
  }

  // APPROVE: a person decides. Until then the Coordinator's call stays open.
  if (!verdictEventId) return { kind: 'hold', events };
  const approval = latestApprovalOf(recorded(request), verdictEventId);
  if (!approval) return { kind: 'hold', waitingOnEventId: verdictEventId, events };
  return { kind: 'accept', result: approvalOutcomeText(recorded(request), approval), events };
}

/** The bash calls the Reviewer made for this review: the test runs its verdict rests on. */
function testRunsSeen(request: ThreadResultRequest): string[] {
  const delivered = recorded(request).find(
    (e) =>
      e.type === 'agent.thread_message_sent' &&
      e.delegation_tool_use_id === request.delegationToolUseId &&
      e.to_session_thread_id === request.threadId,
  );
  const since = delivered?.seq ?? 0;
  return request
    .threadEvents(request.threadId)
    .filter((e) => e.seq > since && e.type === 'agent.tool_use' && e.name === 'bash')
    .map((e) => e.id);
}

export function rejectRounds(events: readonly SessionEvent[]): number {
  return events.filter((e) => e.type === 'agent_os.verdict_submitted' && e.verdict.decision === 'REJECT').length;
}

export function formatFixes(verdict: Extract<Verdict, { decision: 'REJECT' }>): string {
  return verdict.fixes.map((f, i) => `${i + 1}. ${f.file ? `${f.file}: ` : ''}${f.problem} — fix: ${f.fix}`).join('\n');
}
