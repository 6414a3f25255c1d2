// The runtime's supervision where the platform runs the agent loop: what Agent OS can enforce because the
// platform waits on a custom tool only Agent OS answers. A plan's questions (or low confidence) hold
// `submit_plan` until the person answers; a Coder's `complete_step` is answered by Agent OS's own run of the
// step's validation on the session's files, attempts counted; an APPROVE handed in with `submit_verdict` is
// held only over Agent OS's own passing run of the test suite in a fresh read-only, offline clean room at the
// head commit. Same core decisions and events as the local pipeline; each is keyed by the call's event id, so
// a re-attach that meets the call again answers from the log instead of running twice.
import type { EventInput, EventOfType, SessionEvent } from '../../core/events/sessionEvent.ts';
import type { SessionLog } from '../../core/harness/sessionLog.ts';
import type { Plan } from '../../core/agents/planSchema.ts';
import {
  answersTo,
  answersText,
  openQuestions,
  questionsAskedFor,
  questionsFor,
  type QuestionPolicy,
} from '../../core/pipeline/planQuestions.ts';
import { StateConflictError } from '../../core/errors.ts';
import {
  decideCompleteStep,
  foldPlanSteps,
  pendingStepEvents,
  stepRunAnswer,
  stepRunEvents,
  stepStateOfRun,
  stepRunningEvent,
  type CommandRunResult,
} from '../../core/pipeline/planSteps.ts';
import { suiteRefusal, suiteRunEvent, suiteRunOf, suiteSummary } from '../../core/pipeline/verdictGate.ts';
import { runCommandInSandbox } from '../../core/harness/commandRun.ts';
import type { SandboxRequest } from '../../core/sandbox/sandbox.ts';
import type { SessionMeta } from '../../core/session/sessionStore.ts';
import { secretRedactor } from '../../core/tools/redactSecrets.ts';
import { resolveEnvironmentPlan } from '../environment/environmentPlan.ts';
import { sessionTestCommand } from '../environment/sessionEnvironment.ts';
import type { AgentOsRuntimeOptions } from '../runtime/runtimeOptions.ts';
import { managedRecords } from './managedRecords.ts';

export interface ManagedSupervision {
  questions: QuestionPolicy;
  maxStepAttempts: number;
  /** The repository's test command, or why Agent OS cannot run one here. */
  testCommand(): Promise<{ command: string } | { note: string }>;
  /** Runs a command over a clean room at `commit` in a fresh read-only, offline sandbox; absent where nothing confines. */
  runInCleanRoom?(commit: string, command: string): Promise<CommandRunResult>;
  /** Runs a step's validation in a fresh shell over the session's files; absent where nothing confines. */
  runOnSessionFiles?(command: string): Promise<CommandRunResult>;
}

export interface Answer {
  text: string;
  isError: boolean;
}

/** After a plan is recorded: its steps start pending, and its questions hold the call for the person. */
export async function planFollowUp(
  log: SessionLog,
  plan: EventOfType<'agent_os.plan_submitted'>,
  supervision: ManagedSupervision,
  maxStepAttempts: number,
): Promise<void> {
  if (!managedRecords(log).some((e) => e.type === 'agent_os.step_updated' && e.plan_event_id === plan.id))
    await log.appendMany(pendingStepEvents(plan, maxStepAttempts));
  if (questionsAskedFor(managedRecords(log), plan.id)) return;
  const asked = questionsFor(plan.plan as Plan, plan, supervision.questions, answeredInTask(log, plan.thread));
  if (asked) await log.append(asked);
}

/** What `submit_plan` is answered for a recorded plan: undefined while its questions wait for the person. */
export function planAnswer(
  events: readonly SessionEvent[],
  plan: EventOfType<'agent_os.plan_submitted'>,
): Answer | undefined {
  const asked = questionsAskedFor(events, plan.id);
  if (!asked) return { text: `Plan accepted:\n${JSON.stringify(plan.plan, null, 2)}`, isError: false };
  const answered = answersTo(events, asked.id);
  if (!answered) return undefined;
  return { text: `${answersText(asked, answered.answers)}\n\nHand it in with submit_plan.`, isError: false };
}

/** A Coder's `complete_step`: the runtime's own run of the step's validation decides it. */
export async function completeStepAnswer(
  log: SessionLog,
  call: EventOfType<'agent.tool_use'>,
  supervision: ManagedSupervision,
): Promise<Answer> {
  const max = supervision.maxStepAttempts;
  const steps = () => foldPlanSteps(managedRecords(log));
  const recorded = steps().runFor(call.id);
  if (recorded) {
    // A crash between the run and its step's state: record the state first, or the step reads "running".
    const state = steps().stateRecordedFor(recorded.id) ? undefined : stepStateOfRun(recorded, max);
    if (state) await log.append(state);
    return stepRunAnswer(steps().progress, recorded, max);
  }
  const decision = decideCompleteStep(steps().progress, call.input);
  if (decision.kind === 'answer') return { text: decision.text, isError: decision.isError };
  if (!supervision.runOnSessionFiles) {
    return {
      text: 'the sandbox confines nothing, and Agent OS runs no command without the person: the step is not validated here',
      isError: true,
    };
  }
  await log.append(stepRunningEvent(call.thread, decision, max));
  const run = await supervision.runOnSessionFiles(decision.command);
  const events = stepRunEvents(call.thread, call.id, decision, run, max);
  const runEvent = await log.append(events.run);
  await log.append(events.state(runEvent.id));
  const answer = stepRunAnswer(steps().progress, runEvent as EventOfType<'agent_os.validation_run'>, max);
  // The platform runs the Coder's loop: after its last failed attempt it is told to stop and hand back the report.
  return decision.attempt >= max && run.exitCode !== 0
    ? { ...answer, text: `${answer.text}\nHand back now, with this report as your whole answer.` }
    : answer;
}

/** The verdict gate on an APPROVE: the suite run to record (if it is new), and either the refusal that goes
 * back to the Reviewer or the evidence the held verdict names. */
export async function approveGate(
  events: readonly SessionEvent[],
  call: EventOfType<'agent.tool_use'>,
  head: string,
  supervision: ManagedSupervision,
): Promise<{
  run?: EventInput;
  refusal?: string;
  evidence: { suite_run?: ReturnType<typeof suiteSummary>; suite_run_note?: string };
}> {
  const known = await supervision.testCommand();
  if (!('command' in known)) return { evidence: { suite_run_note: known.note } };
  if (!supervision.runInCleanRoom) {
    return {
      evidence: {
        suite_run_note:
          'the sandbox confines nothing, and Agent OS runs no command without your consent: run the tests yourself before you approve',
      },
    };
  }
  const earlier = suiteRunOf(events, call.id);
  if (earlier)
    return earlier.exit_code === 0
      ? { evidence: { suite_run: suiteSummary(earlier) } }
      : { refusal: suiteRefusal(earlier), evidence: {} };
  const run = suiteRunEvent(call.thread, call.id, head, await supervision.runInCleanRoom(head, known.command));
  return run.exit_code === 0 ? { run, evidence: {} } : { run, refusal: suiteRefusal(run), evidence: {} };
}

/** Whether the person answered questions of this Planner thread since its latest task arrived (the plan now
 * handed in is the revised one). */
function answeredInTask(log: SessionLog, threadId: string): boolean {
  const arrived = log.threadEvents(threadId).findLast((e) => e.type === 'agent.thread_message_received')?.seq ?? 0;
  return managedRecords(log).some(
    (e) => e.type === 'agent_os.questions_answered' && e.thread === threadId && e.seq > arrived,
  );
}

/** The supervision of one managed session, built from the runtime's parts: its sandboxes (of the kind it
 * recorded), its settings, the secrets to redact from what the runs print. */
export function supervisionOf(
  options: Pick<AgentOsRuntimeOptions, 'sandboxes' | 'settings' | 'secrets'>,
  meta: SessionMeta,
  log: SessionLog,
): ManagedSupervision {
  const repository = meta.repository as string;
  const kind = log.state.configured?.sandbox.kind;
  const sandboxes = options.sandboxes(repository, kind);
  const redact = secretRedactor(options.secrets ?? []);
  const run = async (request: SandboxRequest, command: string): Promise<CommandRunResult> => {
    const sandbox = await sandboxes.open(request);
    try {
      const result = await runCommandInSandbox(sandbox, command, undefined);
      return { ...result, output: redact(result.output) };
    } finally {
      await sandbox.dispose();
    }
  };
  // Where nothing confines, Agent OS runs no command of its own without the person (as in local mode).
  const confined = log.state.configured?.sandbox.confined !== false;
  const offline = { sessionId: meta.id, network: false, enabledTools: ['bash'] };
  return {
    questions: options.settings.questions,
    maxStepAttempts: options.settings.stepAttempts,
    testCommand: () => managedTestCommand(log, repository, kind ?? 'worktree'),
    ...(confined
      ? {
          runInCleanRoom: (commit: string, command: string) =>
            run(
              {
                ...offline,
                threadId: 'agent-os-suite',
                access: 'read_only',
                workspace: { kind: 'clean_room', commit },
              },
              command,
            ),
          runOnSessionFiles: (command: string) =>
            run({ ...offline, threadId: 'agent-os-steps', access: 'read_write' }, command),
        }
      : {}),
  };
}

/** The test command: the set-up's, when the session had one; else the repository's environment (its file or
 * detection, read from the person's checkout, never the agents' files) when it needs nothing installed — a
 * suite run without its dependencies would refuse every APPROVE. */
async function managedTestCommand(
  log: SessionLog,
  repository: string,
  sandboxKind: string,
): Promise<{ command: string } | { note: string }> {
  const known = sessionTestCommand(log);
  if (known) return { command: known };
  const plan = await resolveEnvironmentPlan(repository, { sandboxKind }).catch(() => undefined);
  if (!plan?.test) return { note: 'no test command is known for the repository (set one in .agents/environment.yaml)' };
  if (plan.setup.length > 0) {
    return {
      note: `managed mode runs no environment set-up on this machine (${plan.setup.join(' && ')}), so Agent OS cannot run \`${plan.test}\` itself: run the tests before you approve`,
    };
  }
  return { command: plan.test };
}

/** The person's answers to the open questions, and the `submit_plan` call they let Agent OS answer. */
export function questionsAnswered(
  log: SessionLog,
  questionsEventId: string,
  answers: readonly string[],
): { event: EventInput; callId: string } {
  const records = managedRecords(log);
  const asked = openQuestions(records);
  const plan = asked && records.find((e) => e.id === asked.plan_event_id);
  if (!asked || asked.id !== questionsEventId || plan?.type !== 'agent_os.plan_submitted') {
    throw new StateConflictError(
      `event ${questionsEventId} is not the Planner's open questions of session ${log.sessionId}`,
    );
  }
  return {
    event: {
      type: 'agent_os.questions_answered',
      thread: asked.thread,
      questions_event_id: asked.id,
      answers: asked.questions.map((_, i) => answers[i] ?? ''),
    },
    callId: plan.model_request_end_id,
  };
}
