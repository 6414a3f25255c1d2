// The runtime's supervision as the harness performs it: the plan's steps folded from the log for the
// stepper's view, a `validate_step` run in the thread's own sandbox and recorded, a `compact_thread` record
// (its summary names the plan's progress), and the runtime's own commands with secrets redacted.
import type { SessionEvent } from '../events/sessionEvent.ts';
import { StateCorruptError } from '../errors.ts';
import {
  PLAN_STEP_EVENT_TYPES,
  PlanStepsFold,
  stepRunEvents,
  stepRunningEvent,
  stepStateOfRun,
  type CommandRunResult,
} from '../pipeline/planSteps.ts';
import type { Sandbox } from '../sandbox/sandbox.ts';
import { runCommandInSandbox } from './commandRun.ts';
import { compactionSummary } from './compaction.ts';
import type { SupervisionOptions } from './harnessOptions.ts';
import type { SupervisionView } from './nextStep.ts';
import type { SessionLog } from './sessionLog.ts';
import type { Step } from './step.ts';

export class SupervisionSteps {
  private readonly planSteps = new PlanStepsFold();
  private folded = 0;

  constructor(
    private readonly log: SessionLog,
    private readonly options: SupervisionOptions | undefined,
    private readonly redact: (text: string) => string,
    private readonly now?: () => number,
  ) {}

  /** The plan's steps as the log has them now (folded once per event, from the plan's events only); absent
   * without supervision. */
  view(agentName: string): SupervisionView | undefined {
    const options = this.options;
    if (!options) return undefined;
    const events = this.log.eventsOfTypes(PLAN_STEP_EVENT_TYPES);
    for (; this.folded < events.length; this.folded++) this.planSteps.apply(events[this.folded] as SessionEvent);
    return {
      steps: this.planSteps,
      completesSteps: options.completesSteps(agentName),
      maxStepAttempts: options.maxStepAttempts,
      loopLimits: options.loopLimits,
      ...(options.compactAboveTokens !== undefined ? { compactAboveTokens: options.compactAboveTokens } : {}),
    };
  }

  /** The runtime runs a step's validation in the thread's own sandbox and records the run; the stepper
   * then answers the `complete_step` call from that record. */
  async validate(
    step: Extract<Step, { kind: 'validate_step' }>,
    sandboxOf: () => Promise<Sandbox>,
    signal: AbortSignal,
  ): Promise<void> {
    const max = this.options?.maxStepAttempts ?? 1;
    await this.log.append(stepRunningEvent(step.threadId, step.validation, max));
    const result = await this.runCommand(await sandboxOf(), step.validation.command, signal);
    // Not an attempt: stopped by the person or a shutdown. The call stays open; the runtime runs the
    // validation again when the thread goes on (its stepper sees a `complete_step` without a run).
    if (signal.aborted) return;
    const events = stepRunEvents(step.threadId, step.use.id, step.validation, result, max);
    // The run is written ahead: the step's state, appended next and durable before anything acts on it, covers
    // it (one file, in order); lost with it in a crash, the wake sees the step running without a run and
    // runs the validation again, as after an interrupt.
    const recorded = await this.log.append(events.run, 'ahead');
    await this.log.append(events.state(recorded.id));
  }

  /** The records supervision adds between a thread's turns: a step's lost state, a compaction. */
  record(step: Extract<Step, { kind: 'record_step_state' | 'compact_thread' }>): Promise<void> {
    return step.kind === 'record_step_state' ? this.recordStepState(step) : this.compact(step);
  }

  /** After a crash between a step's run and its state: the state the run gives (the call is answered next). */
  private async recordStepState(step: Extract<Step, { kind: 'record_step_state' }>): Promise<void> {
    const state = stepStateOfRun(step.run, this.options?.maxStepAttempts ?? 1);
    if (!state) throw new StateCorruptError(`validation run ${step.run.id} names no plan step`);
    await this.log.append(state);
  }

  private async compact(step: Extract<Step, { kind: 'compact_thread' }>): Promise<void> {
    const events = this.log.threadEvents(step.threadId);
    await this.log.append({
      type: 'agent.thread_context_compacted',
      thread: step.threadId,
      pre_compaction_tokens: step.tokens,
      summary: compactionSummary(events, this.planSteps.progress),
      through_seq: events.at(-1)?.seq ?? 0,
    });
  }

  /** A command the runtime runs itself (a validation, the verdict's test suite), its output redacted. */
  async runCommand(sandbox: Sandbox, command: string, signal: AbortSignal): Promise<CommandRunResult> {
    const run = await runCommandInSandbox(sandbox, command, signal, this.now);
    return { ...run, output: this.redact(run.output) };
  }
}
