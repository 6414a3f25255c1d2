// The harness: the driver of the stepper. For each thread it asks `nextStep` (a pure function of the
// log) what comes next, performs that one step — record a call, run it, answer it, delegate, ask the
// model — and appends what happened. It keeps nothing a later run needs: killed at any moment, a new
// Harness on the same log carries on, wake recovery being steps like any other (`wakeSteps`).
import { AgentOsError, describeError, StateCorruptError } from '../errors.ts';
import type { StopReason } from '../events/sessionEvent.ts';
import { COMPLETE_STEP_TOOL_NAME, completeStepToolSpec } from '../pipeline/planSteps.ts';
import { secretRedactor } from '../tools/redactSecrets.ts';
import { evaluatePermission, READ_ONLY_TOOLS } from '../tools/toolConfig.ts';
import { delegate, depthOf, joinDelegations } from './delegation.ts';
import type { HarnessAgent } from './harnessAgent.ts';
import type { HarnessOptions } from './harnessOptions.ts';
import { ModelTurns } from './modelTurns.ts';
import { nextStep, wakeSteps, type DelegationRun } from './nextStep.ts';
import { inSandbox, stricter, unconfinedNotice } from './sandboxedAgent.ts';
import type { SessionLog } from './sessionLog.ts';
import { stopReasonOf, type Step, type ThreadOutcome } from './step.ts';
import { SupervisionSteps } from './supervisionSteps.ts';
import { ThreadFactsCache } from './threadFacts.ts';
import { ThreadInterrupts } from './threadInterrupts.ts';
import { ThreadSandboxes } from './threadSandboxes.ts';
import { toolResult } from './toolResults.ts';

/** What one run of a thread has under way beside the log: its delegations and their promises. */
interface ThreadRun {
  threadId: string;
  agent: HarnessAgent;
  signal: AbortSignal;
  delegations: Map<string, DelegationRun>;
  running: Map<string, Promise<ThreadOutcome | undefined>>;
}

export class Harness {
  private readonly log: SessionLog;
  private readonly interrupts = new ThreadInterrupts();
  private readonly sandboxes: ThreadSandboxes;
  private readonly facts: ThreadFactsCache;
  private readonly modelTurns: ModelTurns;
  private readonly redact: (text: string) => string;
  private readonly supervision: SupervisionSteps;
  private shuttingDown = false;

  constructor(private readonly options: HarnessOptions) {
    this.log = options.log;
    this.sandboxes = new ThreadSandboxes(options.sandboxes, options.log, options.cleanRoomReview === true);
    this.facts = new ThreadFactsCache((threadId) => this.log.threadEvents(threadId));
    this.redact = secretRedactor(options.secrets ?? []);
    this.supervision = new SupervisionSteps(options.log, options.supervision, this.redact, options.now);
    const onTextDelta = options.onTextDelta;
    this.modelTurns = new ModelTurns({
      ...options,
      ...(onTextDelta ? { onTextDelta: (id: string, text: string) => onTextDelta(id, this.redact(text)) } : {}),
    });
  }

  /** Stops the running turns of one thread (and its children), or of all threads. */
  interrupt(threadId?: string): void {
    this.interrupts.interrupt(threadId);
  }

  /** Runs the session until every thread is idle: from a fresh start, after new input, or on wake
   * after a crash. Resolves with why it stopped. */
  async run(): Promise<StopReason> {
    const primary = this.log.state.primaryThreadId;
    if (!primary) throw new StateCorruptError(`session ${this.log.sessionId} has no primary thread`);
    this.interrupts.reset();
    for (const step of wakeSteps(this.log.state, (id) => this.facts.of(id))) await this.performRecord(step);
    await this.warnIfUnconfined(primary);
    await this.log.append({ type: 'session.status_running', thread: primary });
    let reason: StopReason;
    try {
      reason = stopReasonOf(await this.runThread(primary));
    } catch (error) {
      // An expected fault (sandbox missing, agent file broken) becomes an event and leaves the session
      // resumable; anything else is a bug and still surfaces after being recorded.
      await this.log.append({
        type: 'session.error',
        thread: primary,
        error: { type: 'unknown_error', message: describeError(error), retry_status: { type: 'exhausted' } },
      });
      await this.log.append({
        type: 'session.status_idle',
        thread: primary,
        stop_reason: { type: 'retries_exhausted' },
      });
      if (error instanceof AgentOsError) return { type: 'retries_exhausted' };
      throw error;
    } finally {
      await this.sandboxes.disposeAll();
    }
    if (this.shuttingDown) await this.log.append({ type: 'session.status_rescheduled', thread: primary });
    else await this.log.append({ type: 'session.status_idle', thread: primary, stop_reason: reason });
    return reason;
  }

  private confined(reported: boolean): boolean {
    return reported || this.options.trustUnconfinedCommands === true;
  }

  /** Once per session: its sandbox confines nothing, so its commands wait for the person. */
  private async warnIfUnconfined(threadId: string): Promise<void> {
    const notice = unconfinedNotice(this.log, threadId, (reported) => this.confined(reported));
    if (notice) await this.log.append(notice);
  }

  /** Stops every thread because the host is going away (window closed, extension reloaded), not
   * because someone asked: the session is marked `rescheduled` rather than idle, so a later harness
   * (or the person, with Resume) knows to carry it on. */
  shutdown(): void {
    this.shuttingDown = true;
    this.interrupt();
  }

  private async runThread(threadId: string, parentSignal?: AbortSignal): Promise<ThreadOutcome> {
    const thread = this.log.state.threads[threadId];
    if (!thread) throw new AgentOsError('INVALID_ARGUMENT', `unknown thread ${threadId}`);
    const declared = this.options.agent(thread.agentName);
    if (!declared) throw new AgentOsError('AGENT_NOT_FOUND', `agent '${thread.agentName}' is not defined`);
    // What the session recorded decides the tools offered from the first request on; a thread's own
    // sandbox that says it is unconfined tightens them further once it is opened (record_tool_use).
    const agent = inSandbox(declared, this.confined(this.log.state.configured?.sandbox.confined !== false));
    const signal = this.interrupts.open(threadId, parentSignal);
    await this.sandboxes.settle(thread, agent);
    const status = { thread: threadId, session_thread_id: threadId, agent_name: agent.name } as const;
    await this.log.append({ type: 'session.thread_status_running', ...status });
    let outcome: ThreadOutcome;
    try {
      outcome = await this.threadLoop({
        threadId,
        agent,
        signal,
        delegations: new Map(),
        running: new Map(),
      });
    } finally {
      this.interrupts.close(threadId);
    }
    if (this.shuttingDown) await this.log.append({ type: 'session.thread_status_rescheduled', ...status });
    else await this.log.append({ type: 'session.thread_status_idle', ...status, stop_reason: stopReasonOf(outcome) });
    return outcome;
  }

  /** Asks the stepper for the thread's next step and performs it, until the thread stops. */
  private async threadLoop(run: ThreadRun): Promise<ThreadOutcome> {
    for (;;) {
      const supervision = this.supervision.view(run.agent.name);
      const step = nextStep({
        threadId: run.threadId,
        agent: run.agent,
        mayDelegate: this.mayDelegate(run.threadId, run.agent),
        facts: this.facts.of(run.threadId),
        pending: this.log.state.threads[run.threadId]?.pendingToolUses ?? new Map(),
        interrupted: run.signal.aborted,
        delegations: run.delegations,
        ...(supervision ? { supervision } : {}),
      });
      const outcome = await this.perform(step, run);
      if (outcome) return outcome;
    }
  }

  /** Performs one step; returns the thread's outcome when the step ends its run. */
  private async perform(step: Step, run: ThreadRun): Promise<ThreadOutcome | undefined> {
    switch (step.kind) {
      case 'record_tool_use': {
        // The sandbox is opened first so the record says which one runs the call.
        const sandbox = step.openSandbox ? await this.sandboxes.of(step.threadId, run.agent) : undefined;
        const { block } = step;
        let permission = step.permission;
        if (sandbox && !this.confined(sandbox.confined)) {
          run.agent = inSandbox(run.agent, false);
          // A step's validation is a command too: unconfined, the person consents to each run.
          permission = stricter(
            permission,
            block.name === COMPLETE_STEP_TOOL_NAME ? 'ask' : evaluatePermission(run.agent.tools, block.name),
          );
        }
        // Intent before effect: the record is durable before the call runs — unless the call has no effect
        // (read, glob, grep): lost in a crash, it is simply made again, as the wake re-runs those anyway.
        const pure = permission === 'allow' && READ_ONLY_TOOLS.has(block.name);
        await this.log.append(
          {
            type: 'agent.tool_use',
            thread: step.threadId,
            name: block.name,
            input: block.input,
            model_tool_use_id: block.id,
            evaluated_permission: permission,
            ...(sandbox ? { sandbox_id: sandbox.id } : {}),
          },
          pure ? 'ahead' : 'sync',
        );
        return undefined;
      }
      case 'run_tool': {
        const sandbox = await this.sandboxes.of(step.threadId, run.agent);
        let outcome;
        try {
          outcome = await sandbox.runTool({ name: step.use.name, input: step.use.input }, { signal: run.signal });
        } catch (error) {
          outcome = { content: `tool failed: ${describeError(error)}`, is_error: true };
        }
        // A call that finished keeps its result even when the thread is interrupted right after. Its
        // fdatasync runs while the thread goes on (the next model request has no effect outside): lost in
        // a crash, the wake answers the call "outcome unknown" (or re-runs it when harmless), and anything
        // that acts on the result is recorded by a 'sync' append first, which covers this one.
        await this.log.append(
          toolResult(step.threadId, step.use.id, this.redact(outcome.content), outcome.is_error),
          'ahead',
        );
        return undefined;
      }
      case 'validate_step':
        await this.supervision.validate(step, () => this.sandboxes.of(step.threadId, run.agent), run.signal);
        return undefined;
      case 'record_step_state':
      case 'compact_thread':
        await this.supervision.record(step);
        return undefined;
      case 'record_loop':
        await this.log.append({ type: 'agent_os.loop_detected', thread: step.threadId, ...step.finding });
        return undefined;
      case 'delegate':
        run.delegations.set(step.use.id, { state: 'running' });
        run.running.set(
          step.use.id,
          delegate(this.delegationContext(), step.threadId, run.agent, step.use, run.signal),
        );
        return undefined;
      case 'join_delegations':
        return joinDelegations(run.running, run.delegations);
      case 'request_model': {
        const context = this.options.systemContext?.(run.agent.name);
        const extras = {
          ...(this.options.supervision?.completesSteps(run.agent.name) ? { tools: [completeStepToolSpec()] } : {}),
          ...(context ? { systemContext: context } : {}),
        };
        const reason = await this.modelTurns.request(
          step.threadId,
          run.agent,
          this.mayDelegate(step.threadId, run.agent),
          run.signal,
          extras,
        );
        return reason ? { kind: 'stopped', reason } : undefined;
      }
      case 'wait':
        return { kind: 'waiting', eventIds: step.eventIds };
      case 'done':
        return {
          kind: 'done',
          text: step.text,
          endEventId: step.endEventId,
          ...(step.halt ? { halt: step.halt } : {}),
        };
      case 'stop':
        return step.reason === 'interrupted' ? { kind: 'interrupted' } : { kind: 'stopped', reason: step.reason };
      case 'answer_tool':
      case 'record_wake':
        await this.performRecord(step);
        return undefined;
    }
  }

  /** Steps that only append to the log (answers the harness writes itself, the wake record). */
  private async performRecord(step: Step): Promise<void> {
    if (step.kind === 'answer_tool')
      await this.log.append(toolResult(step.threadId, step.toolUseId, step.text, step.isError));
    else if (step.kind === 'record_wake')
      await this.log.append({ type: 'agent_os.wake', thread: step.threadId, recovered: step.recovered });
  }

  private delegationContext(): Parameters<typeof delegate>[0] {
    return {
      log: this.log,
      agent: (name) => this.options.agent(name),
      facts: (id) => this.facts.of(id),
      runThread: (id, signal) => this.runThread(id, signal),
      // Where nothing confines, the runtime runs no command of its own without the person: no suite run.
      ...(this.confined(this.log.state.configured?.sandbox.confined !== false)
        ? {
            runCommand: (threadId: string, command: string, signal: AbortSignal) =>
              this.sandboxes.withRuntimeSandbox(threadId, (sandbox) =>
                this.supervision.runCommand(sandbox, command, signal),
              ),
          }
        : {}),
      ...(this.options.onThreadResult ? { onThreadResult: this.options.onThreadResult } : {}),
      ...(this.options.maxCorrections === undefined ? {} : { maxCorrections: this.options.maxCorrections }),
    };
  }

  private mayDelegate(threadId: string, agent: HarnessAgent): boolean {
    return (
      agent.callableAgents.length > 0 &&
      depthOf(this.log.state.threads, threadId) < (this.options.maxDelegationDepth ?? 1)
    );
  }
}
