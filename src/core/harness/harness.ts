// The harness: a stateless loop over a session's log. It reads what the log says, decides the next
// step of each thread, performs it (a model request, a tool call, a delegation) and appends what
// happened. Killed at any moment, a new Harness on the same log carries on: tool uses without a
// result are resolved explicitly on wake, never silently run twice.
import { AgentOsError, describeError } from '../errors.ts';
import type { AssistantBlock, EventInput, EventOfType, SessionEvent, StopReason } from '../events/sessionEvent.ts';
import { newId } from '../events/ids.ts';
import type { ModelClient, ModelRequest, ModelResponse, ToolSpec } from '../model/modelClient.ts';
import type { Sandbox, SandboxProvider, SandboxWorkspace } from '../sandbox/sandbox.ts';
import type { ThreadState } from '../session/sessionState.ts';
import { SAFE_TO_RERUN, enabledToolNames, evaluatePermission } from '../tools/toolConfig.ts';
import { estimateRequestCost, type BudgetLimits, type CostEstimate, wouldExceedBudget } from './budget.ts';
import { DELEGATION_TOOL_NAME, DelegationInput, delegationToolSpec } from './delegationTool.ts';
import type { HarnessAgent } from './harnessAgent.ts';
import type { SessionLog } from './sessionLog.ts';
import { assistantText, buildTranscript } from './threadContext.ts';
import type { ThreadResultDecision, ThreadResultHook } from './threadResultHook.ts';

export const INTERRUPTED_OUTCOME_UNKNOWN =
  'interrupted: the process running this tool stopped before it finished; its outcome is unknown. ' +
  'Check the state before retrying.';

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
  sandboxWorkspace?(thread: ThreadState, agent: HarnessAgent): Promise<SandboxWorkspace | undefined>;
}

type ThreadOutcome =
  | { kind: 'done'; text: string; endEventId: string }
  | { kind: 'waiting'; eventIds: string[] }
  | { kind: 'stopped'; reason: StopReason }
  | { kind: 'interrupted' };

/** Raised inside a thread's loop to stop it with a stop reason (budget, exhausted retries). */
class ThreadStop extends Error {
  constructor(readonly reason: StopReason) {
    super(reason.type);
  }
}

export class Harness {
  private readonly log: SessionLog;
  private readonly interrupts = new Map<string, AbortController>();
  private readonly sandboxes = new Map<string, Promise<Sandbox>>();
  /** The workspace each thread's sandbox was opened on (absent: the session's worktree). */
  private readonly workspaces = new Map<string, SandboxWorkspace>();
  private sessionInterrupt = new AbortController();
  private shuttingDown = false;

  constructor(private readonly options: HarnessOptions) {
    this.log = options.log;
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

  /**
   * Runs the session until every thread is idle: from a fresh start, after new input, or on wake
   * after a crash. Resolves with why it stopped.
   */
  async run(): Promise<StopReason> {
    const primary = this.log.state.primaryThreadId;
    if (!primary) throw new AgentOsError('INVALID_ARGUMENT', `session ${this.log.sessionId} has no primary thread`);
    this.sessionInterrupt = new AbortController();
    await this.recoverAfterCrash();
    await this.log.append({ type: 'session.status_running', thread: primary });
    let reason: StopReason;
    try {
      const outcome = await this.runThread(primary);
      reason = this.stopReasonOf(outcome);
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
      await Promise.all([...this.sandboxes.values()].map(async (s) => (await s.catch(() => undefined))?.dispose()));
      this.sandboxes.clear();
    }
    if (this.shuttingDown) await this.log.append({ type: 'session.status_rescheduled', thread: primary });
    else await this.log.append({ type: 'session.status_idle', thread: primary, stop_reason: reason });
    return reason;
  }

  /**
   * Stops every thread because the host is going away (window closed, extension reloaded), not
   * because someone asked: the session is marked `rescheduled` rather than idle, so a later harness
   * (or the person, with Resume) knows to carry it on.
   */
  shutdown(): void {
    this.shuttingDown = true;
    this.interrupt();
  }

  private stopReasonOf(outcome: ThreadOutcome): StopReason {
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

  // ---- wake --------------------------------------------------------------------------------

  /**
   * A tool use without a result at the start of a run was cut off by a crash (a run in this process
   * always answers its calls). Safe tools run again; others get an explicit "outcome unknown" result.
   * A call still waiting for a person's confirmation stays waiting.
   */
  private async recoverAfterCrash(): Promise<void> {
    const recovered: string[] = [];
    for (const thread of Object.values(this.log.state.threads)) {
      for (const use of thread.pendingToolUses.values()) {
        if (use.name === DELEGATION_TOOL_NAME) continue; // the child thread's own log says where it was
        if (!this.mayHaveStarted(use)) continue;
        recovered.push(use.id);
        if (SAFE_TO_RERUN.has(use.name)) continue; // the loop runs it again
        await this.log.append({
          type: 'agent.tool_result',
          thread: use.thread,
          tool_use_id: use.id,
          content: [{ type: 'text', text: INTERRUPTED_OUTCOME_UNKNOWN }],
          is_error: true,
        });
      }
      if (thread.openModelRequestId) recovered.push(thread.openModelRequestId);
    }
    if (recovered.length > 0) {
      const primary = this.log.state.primaryThreadId as string;
      await this.log.append({ type: 'agent_os.wake', thread: primary, recovered });
    }
  }

  /** Whether a pending call may have begun running before the process stopped. */
  private mayHaveStarted(use: EventOfType<'agent.tool_use'>): boolean {
    if (use.evaluated_permission === 'allow') return true;
    if (use.evaluated_permission !== 'ask') return false;
    const confirmation = this.confirmationOf(use.id);
    if (!confirmation || confirmation.result !== 'allow') return false;
    // The thread is marked running before a confirmed call runs; a running mark after the
    // confirmation means the call may have started.
    return this.log
      .threadEvents(use.thread)
      .some((e) => e.seq > confirmation.seq && e.type === 'session.thread_status_running');
  }

  private confirmationOf(toolUseEventId: string): EventOfType<'user.tool_confirmation'> | undefined {
    let found: EventOfType<'user.tool_confirmation'> | undefined;
    for (const e of this.log.events) {
      if (e.type === 'user.tool_confirmation' && e.tool_use_id === toolUseEventId) found = e;
    }
    return found;
  }

  // ---- one thread --------------------------------------------------------------------------

  private thread(threadId: string): ThreadState {
    const t = this.log.state.threads[threadId];
    if (!t) throw new AgentOsError('INVALID_ARGUMENT', `unknown thread ${threadId}`);
    return t;
  }

  private agentOf(thread: ThreadState): HarnessAgent {
    const agent = this.options.agent(thread.agentName);
    if (!agent) throw new AgentOsError('AGENT_NOT_FOUND', `agent '${thread.agentName}' is not defined`);
    return agent;
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

  private async runThread(threadId: string, parentSignal?: AbortSignal): Promise<ThreadOutcome> {
    const thread = this.thread(threadId);
    const agent = this.agentOf(thread);
    const controller = this.interruptSignal(threadId, parentSignal);
    await this.chooseWorkspace(threadId, agent);
    await this.log.append({
      type: 'session.thread_status_running',
      thread: threadId,
      session_thread_id: threadId,
      agent_name: agent.name,
    });
    let outcome: ThreadOutcome;
    try {
      outcome = await this.threadLoop(threadId, agent, controller.signal);
    } catch (error) {
      if (!(error instanceof ThreadStop)) throw error;
      outcome = { kind: 'stopped', reason: error.reason };
    } finally {
      this.interrupts.delete(threadId);
    }
    if (this.shuttingDown) {
      await this.log.append({ type: 'session.thread_status_rescheduled', thread: threadId, session_thread_id: threadId, agent_name: agent.name });
      return outcome;
    }
    await this.log.append({
      type: 'session.thread_status_idle',
      thread: threadId,
      session_thread_id: threadId,
      agent_name: agent.name,
      stop_reason: this.stopReasonOf(outcome),
    });
    return outcome;
  }

  private async threadLoop(threadId: string, agent: HarnessAgent, signal: AbortSignal): Promise<ThreadOutcome> {
    for (;;) {
      if (signal.aborted) return { kind: 'interrupted' };
      const transcript = buildTranscript(this.log.threadEvents(threadId));
      const last = transcript.lastAssistant;
      if (last) {
        const toolStep = await this.answerToolUses(threadId, agent, last.content, last.endEventId, signal);
        if (toolStep) return toolStep;
        if (signal.aborted) return { kind: 'interrupted' };
      }
      const after = last ? buildTranscript(this.log.threadEvents(threadId)) : transcript;
      if (!after.awaitingModel) {
        const final = after.lastAssistant;
        return final
          ? { kind: 'done', text: assistantText(final.content), endEventId: final.endEventId }
          : { kind: 'done', text: '', endEventId: '' };
      }
      await this.modelTurn(threadId, agent, after.messages, signal);
    }
  }

  // ---- model turns -------------------------------------------------------------------------

  private toolSpecsFor(agent: HarnessAgent, depth: number): ToolSpec[] {
    const specs = this.options.toolSpecs(enabledToolNames(agent.tools));
    if (agent.callableAgents.length > 0 && depth < (this.options.maxDelegationDepth ?? 1)) {
      specs.push(delegationToolSpec(agent.callableAgents));
    }
    return specs;
  }

  private depthOf(threadId: string): number {
    let depth = 0;
    let t = this.log.state.threads[threadId];
    while (t?.parentThreadId) {
      depth++;
      t = this.log.state.threads[t.parentThreadId];
    }
    return depth;
  }

  /** Estimates of the model requests in flight: until their cost is in the log, they count as spent, so
   * threads running in parallel cannot pass the budget together. */
  private readonly inFlight = { usd: 0, tokens: 0 };

  private async modelTurn(
    threadId: string,
    agent: HarnessAgent,
    messages: ModelRequest['messages'],
    signal: AbortSignal,
  ): Promise<void> {
    const request: ModelRequest = {
      model: agent.model,
      max_tokens: agent.maxTokens,
      system: agent.system,
      tools: this.toolSpecsFor(agent, this.depthOf(threadId)),
      messages,
    };
    let reserved: CostEstimate | undefined;
    if (this.options.budget) {
      const estimate = estimateRequestCost(request, this.log.state.threads[threadId], (u) => this.options.priceOf(agent.model, u));
      const usage = this.log.state.usage;
      const spent = { ...usage, cost_usd: usage.cost_usd + this.inFlight.usd, input_tokens: usage.input_tokens + this.inFlight.tokens };
      if (wouldExceedBudget(this.options.budget, spent, estimate)) {
        throw new ThreadStop({ type: 'budget_reached' });
      }
      reserved = estimate;
      this.inFlight.usd += estimate.usd;
      this.inFlight.tokens += estimate.tokens;
    }
    try {
      await this.requestAndRecord(threadId, agent, request, signal);
    } finally {
      if (reserved) {
        this.inFlight.usd -= reserved.usd;
        this.inFlight.tokens -= reserved.tokens;
      }
    }
  }

  /** Sends one model request and records it: the span, then the turn (or the error). */
  private async requestAndRecord(threadId: string, agent: HarnessAgent, request: ModelRequest, signal: AbortSignal): Promise<void> {
    const start = await this.log.append({ type: 'span.model_request_start', thread: threadId, model: agent.model }, 'batch');
    let response: ModelResponse;
    try {
      response = await this.options.model.createMessage(request, {
        signal,
        agentName: agent.name,
        onTextDelta: (text) => this.options.onTextDelta?.(threadId, text),
      });
    } catch (error) {
      await this.log.appendMany([
        {
          type: 'span.model_request_end',
          thread: threadId,
          model_request_start_id: start.id,
          is_error: true,
          model_usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
          cost_usd: 0,
        },
      ]);
      if (signal.aborted) return;
      await this.log.append({
        type: 'session.error',
        thread: threadId,
        error: { type: modelErrorType(error), message: describeError(error), retry_status: { type: 'exhausted' } },
      });
      throw new ThreadStop({ type: 'retries_exhausted' });
    }
    const text = assistantText(response.content);
    const events: EventInput[] = [
      {
        type: 'span.model_request_end',
        thread: threadId,
        model_request_start_id: start.id,
        is_error: false,
        model_usage: response.usage,
        cost_usd: this.options.priceOf(response.model || agent.model, response.usage),
        content: response.content,
        stop_reason: response.stop_reason,
      },
    ];
    if (text) events.push({ type: 'agent.message', thread: threadId, content: [{ type: 'text', text }] });
    await this.log.appendMany(events, 'sync');
  }

  // ---- tool uses ---------------------------------------------------------------------------

  /**
   * Answers every tool use of the latest assistant turn that has no result yet, recording each
   * (`agent.tool_use`, durably) right before it runs. Returns an outcome when the thread must stop
   * (waiting for a person, interrupted), or undefined when every call is answered.
   */
  private async answerToolUses(
    threadId: string,
    agent: HarnessAgent,
    content: readonly AssistantBlock[],
    endEventId: string,
    signal: AbortSignal,
  ): Promise<ThreadOutcome | undefined> {
    const blocks = content.filter((b): b is Extract<AssistantBlock, { type: 'tool_use' }> => b.type === 'tool_use');
    if (blocks.length === 0) return undefined;
    const recorded = this.toolUsesOfTurn(threadId, endEventId);
    const delegations: Promise<ThreadOutcome | undefined>[] = [];
    const waitingOn: string[] = [];

    for (const block of blocks) {
      // After an interrupt the turn's remaining calls are still recorded, so that they are answered
      // "interrupted" below; left unrecorded, a later resume would run them as if nothing happened.
      let use = recorded.get(block.id);
      if (!use) {
        const permission =
          block.name === DELEGATION_TOOL_NAME
            ? agent.callableAgents.length > 0 && this.depthOf(threadId) < (this.options.maxDelegationDepth ?? 1)
              ? 'allow'
              : 'deny'
            : evaluatePermission(agent.tools, block.name);
        // The sandbox is opened first so the record says which one runs the call.
        const sandbox =
          permission !== 'deny' && block.name !== DELEGATION_TOOL_NAME && !signal.aborted ? await this.sandboxFor(threadId, agent) : undefined;
        use = (await this.log.append({
          type: 'agent.tool_use',
          thread: threadId,
          name: block.name,
          input: block.input,
          model_tool_use_id: block.id,
          evaluated_permission: permission,
          ...(sandbox ? { sandbox_id: sandbox.id } : {}),
        })) as EventOfType<'agent.tool_use'>;
      }
      if (signal.aborted) continue;
      if (this.hasResult(threadId, use.id)) continue;

      if (use.name === DELEGATION_TOOL_NAME && use.evaluated_permission === 'allow') {
        delegations.push(this.delegate(threadId, agent, use, signal));
        continue;
      }
      const step = await this.answerOne(threadId, agent, use, signal);
      if (step) {
        // Later calls of the turn wait too: they may depend on the one the person is asked about.
        waitingOn.push(...step);
        break;
      }
    }

    const delegated = await Promise.all(delegations);
    for (const outcome of delegated) {
      if (outcome?.kind === 'waiting') waitingOn.push(...outcome.eventIds);
      if (outcome?.kind === 'stopped') throw new ThreadStop(outcome.reason);
    }
    if (signal.aborted) {
      await this.closeUnanswered(threadId, 'interrupted by the user before it ran');
      return { kind: 'interrupted' };
    }
    if (waitingOn.length > 0) return { kind: 'waiting', eventIds: waitingOn };
    return undefined;
  }

  /** Runs or refuses one recorded call. Returns event ids to wait on when a person must decide. */
  private async answerOne(
    threadId: string,
    agent: HarnessAgent,
    use: EventOfType<'agent.tool_use'>,
    signal: AbortSignal,
  ): Promise<string[] | undefined> {
    const result = (text: string, isError: boolean): Promise<SessionEvent> =>
      this.log.append({
        type: 'agent.tool_result',
        thread: threadId,
        tool_use_id: use.id,
        content: [{ type: 'text', text }],
        is_error: isError,
      });

    if (use.evaluated_permission === 'deny') {
      await result(`tool '${use.name}' is not enabled for agent '${agent.name}'; the call was refused`, true);
      return undefined;
    }
    if (use.evaluated_permission === 'ask') {
      const confirmation = this.confirmationOf(use.id);
      if (!confirmation) return [use.id];
      if (confirmation.result === 'deny') {
        await result(
          `the person denied this call${confirmation.deny_message ? `: ${confirmation.deny_message}` : ''}`,
          true,
        );
        return undefined;
      }
    }
    const sandbox = await this.sandboxFor(threadId, agent);
    let outcome;
    try {
      outcome = await sandbox.runTool({ name: use.name, input: use.input }, { signal });
    } catch (error) {
      outcome = { content: `tool failed: ${describeError(error)}`, is_error: true };
    }
    // A call that finished keeps its result even when the thread is interrupted right after.
    await result(outcome.content, outcome.is_error);
    return undefined;
  }

  private async closeUnanswered(threadId: string, why: string): Promise<void> {
    const pending = this.log.state.threads[threadId]?.pendingToolUses;
    for (const use of [...(pending?.values() ?? [])]) {
      if (use.evaluated_permission === 'ask' && !this.confirmationOf(use.id)) continue;
      if (use.name === DELEGATION_TOOL_NAME) continue;
      await this.log.append({
        type: 'agent.tool_result',
        thread: threadId,
        tool_use_id: use.id,
        content: [{ type: 'text', text: why }],
        is_error: true,
      });
    }
  }

  private toolUsesOfTurn(threadId: string, endEventId: string): Map<string, EventOfType<'agent.tool_use'>> {
    const out = new Map<string, EventOfType<'agent.tool_use'>>();
    const events = this.log.threadEvents(threadId);
    const end = this.log.get(endEventId);
    for (const e of events) {
      if (end && e.seq < end.seq) continue;
      if (e.type === 'agent.tool_use') out.set(e.model_tool_use_id, e);
    }
    return out;
  }

  private hasResult(threadId: string, toolUseEventId: string): boolean {
    return !this.log.state.threads[threadId]?.pendingToolUses.has(toolUseEventId);
  }

  private sandboxFor(threadId: string, agent: HarnessAgent): Promise<Sandbox> {
    let sandbox = this.sandboxes.get(threadId);
    if (!sandbox) {
      const workspace = this.workspaces.get(threadId);
      sandbox = this.options.sandboxes.open({
        sessionId: this.log.sessionId,
        threadId,
        access: agent.access,
        network: agent.network,
        enabledTools: enabledToolNames(agent.tools),
        ...(workspace ? { workspace } : {}),
      });
      this.sandboxes.set(threadId, sandbox);
      sandbox.catch(() => this.sandboxes.delete(threadId));
    }
    return sandbox;
  }

  /**
   * Decides, as a thread starts running, which files its sandbox holds. When that changed since the
   * sandbox was opened (a Reviewer's clean room at a newer commit), the old sandbox is let go.
   */
  private async chooseWorkspace(threadId: string, agent: HarnessAgent): Promise<void> {
    if (!this.options.sandboxWorkspace) return;
    const thread = this.log.state.threads[threadId];
    if (!thread) return;
    const next = await this.options.sandboxWorkspace(thread, agent);
    const current = this.workspaces.get(threadId);
    if (JSON.stringify(next) === JSON.stringify(current)) return;
    const open = this.sandboxes.get(threadId);
    this.sandboxes.delete(threadId);
    if (next) this.workspaces.set(threadId, next);
    else this.workspaces.delete(threadId);
    await (await open?.catch(() => undefined))?.dispose();
  }

  // ---- delegation --------------------------------------------------------------------------

  private async delegate(
    parentId: string,
    parentAgent: HarnessAgent,
    use: EventOfType<'agent.tool_use'>,
    signal: AbortSignal,
  ): Promise<ThreadOutcome | undefined> {
    const refuse = async (text: string): Promise<undefined> => {
      await this.log.append({
        type: 'agent.tool_result',
        thread: parentId,
        tool_use_id: use.id,
        content: [{ type: 'text', text }],
        is_error: true,
      });
      return undefined;
    };
    const parsed = DelegationInput.safeParse(use.input);
    if (!parsed.success) return refuse(`invalid send_to_agent input: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}`);
    const { agent_name: agentName, message, thread_key: key } = parsed.data;
    if (!parentAgent.callableAgents.includes(agentName)) {
      return refuse(`agent '${parentAgent.name}' may not call '${agentName}' (it may call: ${parentAgent.callableAgents.join(', ') || 'none'})`);
    }
    if (this.isAncestorAgent(parentId, agentName)) return refuse(`delegation cycle refused: '${agentName}' is already in this chain`);
    const childAgent = this.options.agent(agentName);
    if (!childAgent) return refuse(`agent '${agentName}' is not defined`);

    const childId = await this.childThread(parentId, agentName, key ?? agentName, childAgent.version);
    const delivered = this.log
      .threadEvents(parentId)
      .some((e) => e.type === 'agent.thread_message_sent' && e.delegation_tool_use_id === use.id && e.to_session_thread_id === childId);
    if (!delivered) {
      await this.log.appendMany([
        {
          type: 'agent.thread_message_sent',
          thread: parentId,
          to_session_thread_id: childId,
          to_agent_name: agentName,
          content: [{ type: 'text', text: message }],
          delegation_tool_use_id: use.id,
        },
        {
          type: 'agent.thread_message_received',
          thread: childId,
          from_session_thread_id: parentId,
          ...(this.log.state.threads[parentId]?.parentThreadId ? { from_agent_name: parentAgent.name } : {}),
          content: [{ type: 'text', text: message }],
        },
      ]);
    }

    for (let corrections = this.correctionsSince(childId, use.id); ; ) {
      const outcome = await this.runThread(childId, signal);
      if (outcome.kind !== 'done') {
        if (outcome.kind === 'stopped' && outcome.reason.type === 'retries_exhausted') {
          await refuse(`the ${agentName} thread failed: its model requests could not be completed`);
          return undefined;
        }
        return outcome;
      }
      const decision: ThreadResultDecision = this.options.onThreadResult
        ? await this.options.onThreadResult({
            sessionId: this.log.sessionId,
            threadId: childId,
            agentName,
            parentThreadId: parentId,
            delegationToolUseId: use.id,
            finalText: outcome.text,
            modelRequestEndId: outcome.endEventId,
            correctionsSent: corrections,
            events: this.log.events,
          })
        : { kind: 'accept', result: outcome.text };
      const appended = decision.events?.length ? await this.log.appendMany(decision.events) : [];
      switch (decision.kind) {
        case 'accept':
        case 'fail':
          await this.log.appendMany([
            {
              type: 'agent.thread_message_sent',
              thread: childId,
              to_session_thread_id: parentId,
              ...(this.log.state.threads[parentId]?.parentThreadId ? { to_agent_name: parentAgent.name } : {}),
              content: [{ type: 'text', text: decision.result }],
              delegation_tool_use_id: use.id,
            },
            {
              type: 'agent.tool_result',
              thread: parentId,
              tool_use_id: use.id,
              content: [{ type: 'text', text: decision.result }],
              is_error: decision.kind === 'fail',
            },
          ]);
          return undefined;
        case 'hold': {
          const waitingOn = decision.waitingOnEventId ?? appended[0]?.id;
          if (!waitingOn) throw new AgentOsError('INVALID_ARGUMENT', 'a held thread result names no event to wait on');
          return { kind: 'waiting', eventIds: [waitingOn] };
        }
        case 'correct':
          if (corrections >= (this.options.maxCorrections ?? 3)) {
            await refuse(`the ${agentName} thread did not produce a valid result after ${corrections} corrections: ${decision.message}`);
            return undefined;
          }
          corrections++;
          await this.log.append({
            type: 'agent.thread_message_received',
            thread: childId,
            from_session_thread_id: parentId,
            content: [{ type: 'text', text: decision.message }],
          });
          if (signal.aborted) return { kind: 'interrupted' };
          break;
      }
    }
  }

  /** Corrections already sent to the child for this delegation (messages after the delegation's own). */
  private correctionsSince(childId: string, delegationToolUseId: string): number {
    const events = this.log.threadEvents(childId);
    const sent = this.log.events.find(
      (e) => e.type === 'agent.thread_message_sent' && e.delegation_tool_use_id === delegationToolUseId && e.to_session_thread_id === childId,
    );
    if (!sent) return 0;
    return events.filter((e) => e.type === 'agent.thread_message_received' && e.seq > sent.seq + 1).length;
  }

  private isAncestorAgent(threadId: string, agentName: string): boolean {
    let t: ThreadState | undefined = this.log.state.threads[threadId];
    while (t) {
      if (t.agentName === agentName) return true;
      t = t.parentThreadId ? this.log.state.threads[t.parentThreadId] : undefined;
    }
    return false;
  }

  private async childThread(parentId: string, agentName: string, key: string, version: number): Promise<string> {
    for (const e of this.log.events) {
      if (e.type === 'session.thread_created' && e.parent_thread_id === parentId && e.agent_name === agentName && (e.thread_key ?? e.agent_name) === key) {
        return e.session_thread_id;
      }
    }
    const id = newId('sthr');
    await this.log.append({
      type: 'session.thread_created',
      thread: parentId,
      session_thread_id: id,
      agent_name: agentName,
      agent_version: version,
      parent_thread_id: parentId,
      ...(key !== agentName ? { thread_key: key } : {}),
    });
    return id;
  }
}

function modelErrorType(error: unknown): string {
  const status = (error as { status?: number } | undefined)?.status;
  if (status === 429) return 'model_rate_limited_error';
  if (status === 529) return 'model_overloaded_error';
  return 'model_request_failed_error';
}
