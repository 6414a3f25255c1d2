// Plan steps as runtime objects. The accepted plan's steps start pending; the Coder reports one done with
// `complete_step`, and the runtime — not the Coder — runs that step's validation command in the Coder's
// sandbox, records the run, and decides: passed, another attempt (the output goes back to the Coder), or,
// after the last attempt, failed (the Coder stops and the Coordinator gets a report). Everything here is a
// pure function of the log; the harness performs the runs.
import { z } from 'zod';
import type { EventInput, EventOfType, SessionEvent, StepState } from '../events/sessionEvent.ts';
import type { ToolSpec } from '../model/modelClient.ts';

export const COMPLETE_STEP_TOOL_NAME = 'complete_step';

/** Attempts of a step's validation before the step fails (a setting; this is its default). */
export const DEFAULT_STEP_ATTEMPTS = 3;

/** How much of a run's output the agent and the log get. */
const TAIL_LINES = 40;
const TAIL_CHARS = 4_000;

export const CompleteStepInput = z.strictObject({
  step_id: z.union([z.string().min(1), z.number().int()]).transform(String),
  summary: z.string().optional(),
});

export function completeStepToolSpec(): ToolSpec {
  return {
    name: COMPLETE_STEP_TOOL_NAME,
    description:
      "Report a plan step done. The runtime then runs that step's validation command itself, from the repository " +
      'root in a fresh shell of your sandbox, and answers with the result: passed, or the failing output for your ' +
      'next attempt. Steps go in plan order; each has a limited number of attempts.',
    input_schema: {
      type: 'object',
      properties: {
        step_id: { type: 'string', description: 'The id of the plan step you finished.' },
        summary: { type: 'string', description: 'Optional: one line on what you changed.' },
      },
      required: ['step_id'],
      additionalProperties: false,
    },
  };
}

type ValidationRun = EventOfType<'agent_os.validation_run'>;

export interface StepProgress {
  id: string;
  title: string;
  validation: string;
  state: StepState;
  attempts: number;
  /** The latest run of its validation. */
  lastRun?: ValidationRun;
}

export interface PlanProgress {
  planEventId: string;
  steps: StepProgress[];
}

/** The only events PlanStepsFold reads: a reader of a long log folds these, not the log. */
export const PLAN_STEP_EVENT_TYPES = [
  'agent_os.plan_submitted',
  'agent_os.step_updated',
  'agent_os.validation_run',
] as const;

/** The steps of the latest plan and their runs, kept current event by event (session-wide). */
export class PlanStepsFold {
  private current: PlanProgress | undefined;
  private readonly runs = new Map<string, ValidationRun>();
  /** Runs whose step state is recorded (a `step_updated` that names the run). */
  private readonly statedRuns = new Set<string>();

  apply(event: SessionEvent): void {
    switch (event.type) {
      case 'agent_os.plan_submitted':
        this.current = { planEventId: event.id, steps: stepsOf(event.plan) };
        break;
      case 'agent_os.step_updated': {
        if (event.validation_run_id) this.statedRuns.add(event.validation_run_id);
        const step = this.stepOf(event.plan_event_id, event.step_id);
        if (step) {
          step.state = event.state;
          step.attempts = event.attempts;
        }
        break;
      }
      case 'agent_os.validation_run':
        if (event.purpose === 'step') {
          if (event.tool_use_id) this.runs.set(event.tool_use_id, event);
          const step =
            event.plan_event_id && event.step_id ? this.stepOf(event.plan_event_id, event.step_id) : undefined;
          if (step) step.lastRun = event;
        }
        break;
      default:
        break;
    }
  }

  get progress(): PlanProgress | undefined {
    return this.current;
  }

  /** The run that answers a `complete_step` call, once recorded. */
  runFor(toolUseId: string): ValidationRun | undefined {
    return this.runs.get(toolUseId);
  }

  /** Whether the step's state after `run` is recorded: the run is written ahead of it, so a crash between the
   * two leaves a run whose step still reads "running". */
  stateRecordedFor(runId: string): boolean {
    return this.statedRuns.has(runId);
  }

  private stepOf(planEventId: string, stepId: string): StepProgress | undefined {
    if (this.current?.planEventId !== planEventId) return undefined;
    return this.current.steps.find((s) => s.id === stepId);
  }
}

export function foldPlanSteps(events: Iterable<SessionEvent>): PlanStepsFold {
  const fold = new PlanStepsFold();
  for (const e of events) fold.apply(e);
  return fold;
}

/** Steps read from a recorded plan (validated when it was submitted; read leniently all the same). */
function stepsOf(plan: unknown): StepProgress[] {
  const raw = (plan as { steps?: unknown } | null)?.steps;
  if (!Array.isArray(raw)) return [];
  return raw.map((s: { id?: unknown; title?: unknown; validation?: unknown } | null, i) => ({
    id: s?.id === undefined ? String(i + 1) : String(s.id),
    title: typeof s?.title === 'string' ? s.title : `Step ${i + 1}`,
    validation: typeof s?.validation === 'string' ? s.validation.trim() : '',
    state: 'pending',
    attempts: 0,
  }));
}

/** The pending states of an accepted plan's steps, as events. */
export function pendingStepEvents(plan: EventOfType<'agent_os.plan_submitted'>, maxAttempts: number): EventInput[] {
  return stepsOf(plan.plan).map((s) => ({
    type: 'agent_os.step_updated',
    thread: plan.thread,
    plan_event_id: plan.id,
    step_id: s.id,
    state: 'pending',
    attempts: 0,
    max_attempts: maxAttempts,
  }));
}

/** The pending-step records of `plan` the log lacks: a crash right after the plan was appended cut them off. */
export function stepsNotRecorded(
  events: readonly SessionEvent[],
  plan: EventOfType<'agent_os.plan_submitted'>,
  maxAttempts: number,
): EventInput[] {
  const recorded = new Set<string>();
  for (const e of events)
    if (e.type === 'agent_os.step_updated' && e.plan_event_id === plan.id) recorded.add(e.step_id);
  return pendingStepEvents(plan, maxAttempts).filter(
    (e) => e.type === 'agent_os.step_updated' && !recorded.has(e.step_id),
  );
}

export type CompleteStepDecision =
  | { kind: 'answer'; text: string; isError: boolean }
  | { kind: 'validate'; planEventId: string; stepId: string; command: string; attempt: number };

/** What a `complete_step` call gets: a refusal, or the validation run the runtime makes now. */
export function decideCompleteStep(progress: PlanProgress | undefined, input: unknown): CompleteStepDecision {
  const refuse = (text: string): CompleteStepDecision => ({ kind: 'answer', text, isError: true });
  if (!progress || progress.steps.length === 0)
    return refuse('there is no accepted plan in this session: complete_step reports the steps of one');
  const parsed = CompleteStepInput.safeParse(input);
  if (!parsed.success)
    return refuse(
      `invalid complete_step input: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}`,
    );
  const index = progress.steps.findIndex((s) => s.id === parsed.data.step_id);
  const step = progress.steps[index];
  if (!step)
    return refuse(
      `the plan has no step '${parsed.data.step_id}' (its steps: ${progress.steps.map((s) => s.id).join(', ')})`,
    );
  const earlier = progress.steps.slice(0, index).find((s) => s.state !== 'passed');
  if (earlier)
    return refuse(`step ${earlier.id} ("${earlier.title}") has not passed yet: steps are completed in plan order`);
  if (step.state === 'passed')
    return {
      kind: 'answer',
      text: `step ${step.id} already passed its validation (${step.lastRun ? runWords(step.lastRun) : 'recorded'}).`,
      isError: false,
    };
  if (step.state === 'failed')
    return refuse(
      `step ${step.id} failed its validation ${step.attempts} times and has no attempts left: stop and report`,
    );
  if (!step.validation) return refuse(`step ${step.id} has no validation command`);
  return {
    kind: 'validate',
    planEventId: progress.planEventId,
    stepId: step.id,
    command: step.validation,
    attempt: step.attempts + 1,
  };
}

/** What the runtime saw when it ran a command. */
export interface CommandRunResult {
  command: string;
  exitCode: number | null;
  output: string;
  durationMs: number;
  sandboxId?: string;
  passed?: number;
  failed?: number;
}

/** The run and the step's new state, to append after a step's validation ran. */
export function stepRunEvents(
  threadId: string,
  toolUseId: string,
  decision: Extract<CompleteStepDecision, { kind: 'validate' }>,
  run: CommandRunResult,
  maxAttempts: number,
): { run: EventInput; state: (runId: string) => EventInput } {
  const passed = run.exitCode === 0;
  return {
    run: {
      type: 'agent_os.validation_run',
      thread: threadId,
      purpose: 'step',
      ...runFields(run),
      plan_event_id: decision.planEventId,
      step_id: decision.stepId,
      attempt: decision.attempt,
      tool_use_id: toolUseId,
    },
    state: (runId) => stepStateEvent(threadId, { ...decision, passed }, maxAttempts, runId),
  };
}

/** The step's state after a validation run (`runId`): passed, failed on its last attempt, or running. */
export function stepStateEvent(
  threadId: string,
  ran: { planEventId: string; stepId: string; attempt: number; passed: boolean },
  maxAttempts: number,
  runId: string,
): EventInput {
  const state: StepState = ran.passed ? 'passed' : ran.attempt >= maxAttempts ? 'failed' : 'running';
  return {
    type: 'agent_os.step_updated',
    thread: threadId,
    plan_event_id: ran.planEventId,
    step_id: ran.stepId,
    state,
    attempts: ran.attempt,
    max_attempts: maxAttempts,
    validation_run_id: runId,
  };
}

/** The state of a recorded run's step, for a run whose state a crash lost (see `stateRecordedFor`). */
export function stepStateOfRun(run: ValidationRun, maxAttempts: number): EventInput | undefined {
  if (!run.plan_event_id || !run.step_id) return undefined;
  const ran = {
    planEventId: run.plan_event_id,
    stepId: run.step_id,
    attempt: run.attempt ?? 1,
    passed: run.exit_code === 0,
  };
  return stepStateEvent(run.thread, ran, maxAttempts, run.id);
}

/** The step's state as the runtime starts its validation run. */
export function stepRunningEvent(
  threadId: string,
  decision: Extract<CompleteStepDecision, { kind: 'validate' }>,
  maxAttempts: number,
): EventInput {
  return {
    type: 'agent_os.step_updated',
    thread: threadId,
    plan_event_id: decision.planEventId,
    step_id: decision.stepId,
    state: 'running',
    attempts: decision.attempt - 1,
    max_attempts: maxAttempts,
  };
}

/** The fields of a run event that any purpose shares. */
export function runFields(
  run: CommandRunResult,
): Pick<ValidationRun, 'command' | 'exit_code' | 'duration_ms' | 'output_tail' | 'passed' | 'failed' | 'sandbox_id'> {
  return {
    command: run.command,
    exit_code: run.exitCode,
    duration_ms: Math.max(0, Math.round(run.durationMs)),
    output_tail: validationTail(run.output),
    ...(run.passed !== undefined ? { passed: run.passed } : {}),
    ...(run.failed !== undefined ? { failed: run.failed } : {}),
    ...(run.sandboxId ? { sandbox_id: run.sandboxId } : {}),
  };
}

/** The answer to the `complete_step` call a recorded run settles. */
export function stepRunAnswer(
  progress: PlanProgress | undefined,
  run: ValidationRun,
  maxAttempts: number,
): { text: string; isError: boolean } {
  const steps = progress?.steps ?? [];
  const index = steps.findIndex((s) => s.id === run.step_id);
  const step = steps[index];
  const name = `Step ${run.step_id}${step ? ` ("${step.title}")` : ''}`;
  const attempt = run.attempt ?? 1;
  const how = `the runtime ran \`${run.command}\` from the repository root in a fresh shell of your sandbox: ${runWords(run)}`;
  const reset = '(Your shell was restarted for it: its working directory and variables are reset.)';
  if (run.exit_code === 0) {
    const next = steps.slice(index + 1).find((s) => s.state !== 'passed');
    const then = next
      ? `Go on with step ${next.id} ("${next.title}").`
      : 'Every step of the plan has passed. Finish with your report.';
    return { text: `${name} passed: ${how}. ${then}\n${reset}`, isError: false };
  }
  const output = run.output_tail ? `\nOutput (last lines):\n${run.output_tail}` : '';
  if (attempt >= maxAttempts) {
    return {
      text: `${name} FAILED: ${how} (attempt ${attempt} of ${maxAttempts}, none left).${output}\nStop: do not start later steps. The runtime reports this step to the Coordinator.`,
      isError: true,
    };
  }
  return {
    text: `${name} did not pass: ${how} (attempt ${attempt} of ${maxAttempts}).${output}\nFind the cause, fix it, then call complete_step for this step again.\n${reset}`,
    isError: true,
  };
}

/** The Coordinator's report on a step that failed its last attempt (the Coder's thread stops with it). */
export function stepFailureReport(progress: PlanProgress | undefined, stepId: string): string {
  const steps = progress?.steps ?? [];
  const step = steps.find((s) => s.id === stepId);
  const run = step?.lastRun;
  const lines = [
    `STEP FAILED (the runtime's own validation, not the Coder's claim): step ${stepId}${step ? ` "${step.title}"` : ''} did not pass after ${step?.attempts ?? '?'} attempt(s), the most allowed.`,
    ...(run
      ? [
          `Validation: \`${run.command}\` — last run ${runWords(run)}.`,
          ...(run.output_tail ? ['Last output:', run.output_tail] : []),
        ]
      : []),
    `Steps: ${steps.map((s) => `${s.id} ${s.state}${s.state === 'pending' ? ' (not started)' : ''}`).join('; ')}.`,
    'The Coder was stopped. Decide what happens next: report this to the person, or send the Coder new instructions (its thread keeps its history).',
  ];
  return lines.join('\n');
}

/** Steps of the plan the runtime has not seen pass, for a Coder that hands back without them. */
export function unvalidatedSteps(progress: PlanProgress | undefined): StepProgress[] {
  return (progress?.steps ?? []).filter((s) => s.state !== 'passed');
}

export function runWords(run: Pick<ValidationRun, 'exit_code' | 'duration_ms' | 'passed' | 'failed'>): string {
  const exit = run.exit_code === null ? 'did not finish' : `exit ${run.exit_code}`;
  const counts =
    run.passed !== undefined || run.failed !== undefined
      ? `, ${run.passed ?? 0} passed, ${run.failed ?? 0} failed`
      : '';
  return `${exit}${counts}, ${run.duration_ms} ms`;
}

/** The end of a run's output, and before it, when the output is long, the lines that say what failed
 * (a test runner prints its failures long before its summary). */
export function validationTail(output: string): string {
  const all = output.trimEnd().split('\n');
  let lines = all;
  if (all.length > TAIL_LINES) {
    const end = all.slice(-TAIL_END_LINES);
    const failures = all
      .slice(0, -TAIL_END_LINES)
      .filter((l) => FAILURE_LINE.test(l))
      .slice(0, TAIL_LINES - TAIL_END_LINES);
    lines = failures.length > 0 ? [...failures, '…', ...end] : all.slice(-TAIL_LINES);
  }
  const text = lines.map((l) => (l.length > 300 ? `${l.slice(0, 299)}…` : l)).join('\n');
  return text.length > TAIL_CHARS ? `…${text.slice(-(TAIL_CHARS - 1))}` : text;
}

const TAIL_END_LINES = 25;
const FAILURE_LINE = /\bnot ok\b|\b(?:error|fail(?:ed|ing|ure)?|assert\w*)\b|✖|✗/i;
