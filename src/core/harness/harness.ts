// The harness: the driver of the stepper. For each thread it asks `nextStep` (a pure function of the
// log) what comes next, performs that one step — record a call, run it, answer it, delegate, ask the
// model — and appends what happened. It keeps nothing a later run needs: killed at any moment, a new
// Harness on the same log carries on, wake recovery being steps like any other (`wakeSteps`).
import { AgentOsError, describeError, StateCorruptError } from '../errors.ts';
import type { SessionEvent, StopReason } from '../events/sessionEvent.ts';
import type { ModelClient, ModelResponse, ToolSpec } from '../model/modelClient.ts';
import { COMPLETE_STEP_TOOL_NAME, completeStepToolSpec, PlanStepsFold, stepRunEvents, stepRunningEvent, type CommandRunResult } from '../pipeline/planSteps.ts';
import type { SandboxProvider } from '../sandbox/sandbox.ts';
import { secretRedactor } from '../tools/redactSecrets.ts';
import { evaluatePermission } from '../tools/toolConfig.ts';
import { unconfinedTools } from '../tools/unconfinedTools.ts';
import { runCommandInSandbox } from './commandRun.ts';
import { compactionSummary } from './compaction.ts';
import type { BudgetLimits } from './budget.ts';
import { delegate, depthOf } from './delegation.ts';
import type { HarnessAgent } from './harnessAgent.ts';
import { ModelTurns } from './modelTurns.ts';
import { nextStep, wakeSteps, type DelegationRun, type SupervisionView } from './nextStep.ts';
import type { LoopLimits } from './runaway.ts';
import type { SessionLog } from './sessionLog.ts';
import type { Step, ThreadOutcome } from './step.ts';
import { ThreadFactsCache } from './threadFacts.ts';
import type { ThreadResultHook } from './threadResultHook.ts';
import { ThreadSandboxes, type WorkspaceChooser } from './threadSandboxes.ts';
import { toolResult } from './toolResults.ts';

export interface HarnessOptions {
  log: SessionLog;
  model: ModelClient;
  sandboxes: SandboxProvider;
  /** The agent a thread runs, at the version the session recorded. */
  agent(name: string): HarnessAgent | undefined;
  /** Specs of the built-in tools, for the model. */
  toolSpecs(names: readonly string[]): ToolSpec[];
  /** List price of one request in US dollars. */
  priceOf(model: string, usage: ModelResponse['usage']): number;
  budget?: BudgetLimits;
  /** How many levels of delegation below the primary thread are allowed (1 = platform default). */
  maxDelegationDepth?: number;
  onThreadResult?: ThreadResultHook;
  /** Live text of model turns, for displays; never needed for correctness. */
  onTextDelta?(threadId: string, text: string): void;
  /** Bound on correction rounds for a malformed structured result before it is reported. */
  maxCorrections?: number;
  /** Which files a thread's sandbox holds (default: the session's worktree): a clean room for a
   * Reviewer, a child worktree for a parallel Coder. Asked each time the thread starts running. */
  sandboxWorkspace?: WorkspaceChooser;
  /** Tests of harness mechanics on a machine where nothing confines: no consent per command (see
   * AgentOsRuntimeOptions.trustUnconfinedCommands). Never set by an entry point. */
  trustUnconfinedCommands?: boolean;
  /** Secret values the runtime holds (API key, GitHub token, configured secrets): replaced in tool
   * results before the model or the log sees them, and in live text. */
  secrets?: readonly string[];
  /** The runtime's supervision: plan steps validated by the runtime, loop limits. Absent: neither. */
  supervision?: SupervisionOptions;
  /** Context the runtime adds to an agent's system prompt, read from the session's log (so the same on
   * every request and every wake): project memory, the repository's test command. */
  systemContext?(agentName: string): string | undefined;
  /** Milliseconds, for the duration of the runtime's own runs. */
  now?(): number;
}

export interface SupervisionOptions {
  /** Whether an agent reports plan steps with `complete_step` (the pipeline's Coder). */
  completesSteps(agentName: string): boolean;
  maxStepAttempts: number;
  loopLimits: LoopLimits;
  /** Compact a thread whose context (estimated) passes this many tokens. */
  compactAboveTokens?: number;
}

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
  private readonly interrupts = new Map<string, AbortController>();
  private readonly sandboxes: ThreadSandboxes;
  private readonly facts: ThreadFactsCache;
  private readonly modelTurns: ModelTurns;
  private readonly redact: (text: string) => string;
  private readonly planSteps = new PlanStepsFold();
  private planStepsFolded = 0;
  private sessionInterrupt = new AbortController();
  private shuttingDown = false;

  constructor(private readonly options: HarnessOptions) {
    this.log = options.log;
    this.sandboxes = new ThreadSandboxes(options.sandboxes, options.log.sessionId, options.sandboxWorkspace);
    this.facts = new ThreadFactsCache((threadId) => this.log.threadEvents(threadId));
    this.redact = secretRedactor(options.secrets ?? []);
    const onTextDelta = options.onTextDelta;
    this.modelTurns = new ModelTurns({ ...options, ...(onTextDelta ? { onTextDelta: (id: string, text: string) => onTextDelta(id, this.redact(text)) } : {}) });
  }

  /** Stops the running turns of one thread (and its children), or of all threads. */
  interrupt(threadId?: string): void {
    if (threadId === undefined) {
      this.sessionInterrupt.abort();
      for (const c of this.interrupts.values()) c.abort();
      return;
    }
    this.interrupts.get(threadId)?.abort();
  }

  /** Runs the session until every thread is idle: from a fresh start, after new input, or on wake
   * after a crash. Resolves with why it stopped. */
  async run(): Promise<StopReason> {
    const primary = this.log.state.primaryThreadId;
    if (!primary) throw new StateCorruptError(`session ${this.log.sessionId} has no primary thread`);
    this.sessionInterrupt = new AbortController();
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
      await this.log.append({ type: 'session.status_idle', thread: primary, stop_reason: { type: 'retries_exhausted' } });
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
    const sandbox = this.log.state.configured?.sandbox;
    if (!sandbox || this.confined(sandbox.confined) || this.log.events.some((e) => e.type === 'agent_os.sandbox_unconfined')) return;
    await this.log.append({ type: 'agent_os.sandbox_unconfined', thread: threadId, kind: sandbox.kind, ...(sandbox.detail ? { detail: sandbox.detail } : {}) });
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
    const controller = this.interruptSignal(threadId, parentSignal);
    await this.sandboxes.choose(thread, agent);
    const status = { thread: threadId, session_thread_id: threadId, agent_name: agent.name } as const;
    await this.log.append({ type: 'session.thread_status_running', ...status });
    let outcome: ThreadOutcome;
    try {
      outcome = await this.threadLoop({ threadId, agent, signal: controller.signal, delegations: new Map(), running: new Map() });
    } finally {
      this.interrupts.delete(threadId);
    }
    if (this.shuttingDown) await this.log.append({ type: 'session.thread_status_rescheduled', ...status });
    else await this.log.append({ type: 'session.thread_status_idle', ...status, stop_reason: stopReasonOf(outcome) });
    return outcome;
  }

  private interruptSignal(threadId: string, parent?: AbortSignal): AbortController {
    const controller = new AbortController();
    const forward = (): void => controller.abort();
    if (this.sessionInterrupt.signal.aborted || parent?.aborted) controller.abort();
    this.sessionInterrupt.signal.addEventListener('abort', forward, { once: true });
    parent?.addEventListener('abort', forward, { once: true });
    this.interrupts.set(threadId, controller);
    return controller;
  }

  /** Asks the stepper for the thread's next step and performs it, until the thread stops. */
  private async threadLoop(run: ThreadRun): Promise<ThreadOutcome> {
    for (;;) {
      const supervision = this.supervisionView(run.agent);
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
          permission = stricter(permission, block.name === COMPLETE_STEP_TOOL_NAME ? 'ask' : evaluatePermission(run.agent.tools, block.name));
        }
        await this.log.append({
          type: 'agent.tool_use',
          thread: step.threadId,
          name: block.name,
          input: block.input,
          model_tool_use_id: block.id,
          evaluated_permission: permission,
          ...(sandbox ? { sandbox_id: sandbox.id } : {}),
        });
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
        // A call that finished keeps its result even when the thread is interrupted right after.
        await this.log.append(toolResult(step.threadId, step.use.id, this.redact(outcome.content), outcome.is_error));
        return undefined;
      }
      case 'validate_step':
        await this.validateStep(step, run);
        return undefined;
      case 'compact_thread': {
        const events = this.log.threadEvents(step.threadId);
        await this.log.append({
          type: 'agent.thread_context_compacted',
          thread: step.threadId,
          pre_compaction_tokens: step.tokens,
          summary: compactionSummary(events, this.planSteps.progress),
          through_seq: events.at(-1)?.seq ?? 0,
        });
        return undefined;
      }
      case 'record_loop':
        await this.log.append({ type: 'agent_os.loop_detected', thread: step.threadId, ...step.finding });
        return undefined;
      case 'delegate':
        run.delegations.set(step.use.id, { state: 'running' });
        run.running.set(step.use.id, delegate(this.delegationContext(), step.threadId, run.agent, step.use, run.signal));
        return undefined;
      case 'join_delegations':
        return this.joinDelegations(run);
      case 'request_model': {
        const context = this.options.systemContext?.(run.agent.name);
        const extras = {
          ...(this.options.supervision?.completesSteps(run.agent.name) ? { tools: [completeStepToolSpec()] } : {}),
          ...(context ? { systemContext: context } : {}),
        };
        const reason = await this.modelTurns.request(step.threadId, run.agent, this.mayDelegate(step.threadId, run.agent), run.signal, extras);
        return reason ? { kind: 'stopped', reason } : undefined;
      }
      case 'wait':
        return { kind: 'waiting', eventIds: step.eventIds };
      case 'done':
        return { kind: 'done', text: step.text, endEventId: step.endEventId, ...(step.halt ? { halt: step.halt } : {}) };
      case 'stop':
        return step.reason === 'interrupted' ? { kind: 'interrupted' } : { kind: 'stopped', reason: step.reason };
      case 'answer_tool':
      case 'record_wake':
        await this.performRecord(step);
        return undefined;
    }
  }

  /** The runtime runs a step's validation in the thread's own sandbox and records the run; the stepper
   * then answers the `complete_step` call from that record. */
  private async validateStep(step: Extract<Step, { kind: 'validate_step' }>, run: ThreadRun): Promise<void> {
    const max = this.options.supervision?.maxStepAttempts ?? 1;
    await this.log.append(stepRunningEvent(step.threadId, step.validation, max));
    const sandbox = await this.sandboxes.of(step.threadId, run.agent);
    const result = this.redacted(await runCommandInSandbox(sandbox, step.validation.command, run.signal, this.options.now));
    // Not an attempt: stopped by the person or a shutdown. The call stays open; the runtime runs the
    // validation again when the thread goes on (its stepper sees a `complete_step` without a run).
    if (run.signal.aborted) return;
    const events = stepRunEvents(step.threadId, step.use.id, step.validation, result, max);
    const recorded = await this.log.append(events.run);
    await this.log.append(events.state(recorded.id));
  }

  private redacted(run: CommandRunResult): CommandRunResult {
    return { ...run, output: this.redact(run.output) };
  }

  /** The plan's steps as the log has them now (folded once per event). */
  private supervisionView(agent: HarnessAgent): SupervisionView | undefined {
    const options = this.options.supervision;
    if (!options) return undefined;
    const events = this.log.events;
    for (; this.planStepsFolded < events.length; this.planStepsFolded++) this.planSteps.apply(events[this.planStepsFolded] as SessionEvent);
    return {
      steps: this.planSteps,
      completesSteps: options.completesSteps(agent.name),
      maxStepAttempts: options.maxStepAttempts,
      loopLimits: options.loopLimits,
      ...(options.compactAboveTokens !== undefined ? { compactAboveTokens: options.compactAboveTokens } : {}),
    };
  }

  /** Steps that only append to the log (answers the harness writes itself, the wake record). */
  private async performRecord(step: Step): Promise<void> {
    if (step.kind === 'answer_tool') await this.log.append(toolResult(step.threadId, step.toolUseId, step.text, step.isError));
    else if (step.kind === 'record_wake') await this.log.append({ type: 'agent_os.wake', thread: step.threadId, recovered: step.recovered });
  }

  private async joinDelegations(run: ThreadRun): Promise<ThreadOutcome | undefined> {
    const ids = [...run.running.keys()];
    const outcomes = await Promise.all(run.running.values());
    run.running.clear();
    let stopped: StopReason | undefined;
    ids.forEach((id, i) => {
      const outcome = outcomes[i];
      if (outcome?.kind === 'waiting') run.delegations.set(id, { state: 'held', eventIds: outcome.eventIds });
      else run.delegations.set(id, { state: 'settled' });
      if (outcome?.kind === 'stopped') stopped ??= outcome.reason;
    });
    return stopped ? { kind: 'stopped', reason: stopped } : undefined;
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
              this.sandboxes.withRuntimeSandbox(threadId, async (sandbox) => this.redacted(await runCommandInSandbox(sandbox, command, signal, this.options.now))),
          }
        : {}),
      ...(this.options.onThreadResult ? { onThreadResult: this.options.onThreadResult } : {}),
      ...(this.options.maxCorrections === undefined ? {} : { maxCorrections: this.options.maxCorrections }),
    };
  }

  private mayDelegate(threadId: string, agent: HarnessAgent): boolean {
    return agent.callableAgents.length > 0 && depthOf(this.log.state.threads, threadId) < (this.options.maxDelegationDepth ?? 1);
  }
}

/** The agent as it runs in a sandbox that is (or is not) confined: unconfined, its commands need consent. */
function inSandbox(agent: HarnessAgent, confined: boolean): HarnessAgent {
  return confined ? agent : { ...agent, tools: unconfinedTools(agent.tools, agent.access, false), unconfined: true };
}

const STRICTNESS = { allow: 0, ask: 1, deny: 2 } as const;

function stricter(a: keyof typeof STRICTNESS, b: keyof typeof STRICTNESS): keyof typeof STRICTNESS {
  return STRICTNESS[a] >= STRICTNESS[b] ? a : b;
}

function stopReasonOf(outcome: ThreadOutcome): StopReason {
  switch (outcome.kind) {
    case 'done':
    case 'interrupted':
      return { type: 'end_turn' };
    case 'waiting':
      return { type: 'requires_action', event_ids: outcome.eventIds };
    case 'stopped':
      return outcome.reason;
  }
}
