// The "brain" of one stand-in platform session: the agent loop the hosted platform runs. Each thread
// samples the scripted model through the real SDK (the Messages API over HTTP), and what it does is
// written as platform events (docs/reference/managedAgents.md §5): built-in tools go to the self-hosted worker as
// `agent.tool_use` and wait for its `user.tool_result`; custom tools wait for `user.custom_tool_result`;
// the coordinator's `send_to_agent` spawns or reuses a roster agent's thread (§6.3, standInDelegation.ts).
// What a client may send is checked in standInClientEvents.ts, usage and budget kept in standInUsage.ts.
import { Anthropic } from '@anthropic-ai/sdk';
import type { BetaManagedAgentsAgent } from '@anthropic-ai/sdk/resources/beta/agents/agents';
import type { BetaManagedAgentsSession } from '@anthropic-ai/sdk/resources/beta/sessions/sessions';
import type { ContentBlock, Message, ToolResultBlockParam } from '@anthropic-ai/sdk/resources/messages';
import { isBuiltinToolName } from '../../core/tools/builtinTools.ts';
import { badRequest } from './platformHttp.ts';
import { checkClientEvent } from './standInClientEvents.ts';
import { delegateToRoster } from './standInDelegation.ts';
import { permissionOf, rosterOf, STAND_IN_DELEGATION_TOOL, toolsFor } from './standInAgentTools.ts';
import {
  newThread,
  platformId,
  type PlatformEvent,
  type StoredEvent,
  type Thread,
  type Waiter,
} from './standInThread.ts';
import { addUsage, contentText, overBudget, usageOf, zeroUsage } from './standInUsage.ts';

export interface StandInSessionHost {
  modelUrl: string;
  agent(id: string, version?: number): BetaManagedAgentsAgent | undefined;
  /** Called when a sandbox tool call needs a worker. */
  needsWorker(sessionId: string): void;
  onEvent(session: StandInSession, stored: StoredEvent): void;
}

const now = (): string => new Date().toISOString();

export class StandInSession {
  readonly events: StoredEvent[] = [];
  readonly threads = new Map<string, Thread>();
  readonly primary: Thread;
  private readonly waiters = new Map<string, Waiter>();
  private readonly model: Anthropic;
  private reported: { status: string; ids: string } = { status: 'idle', ids: '' };
  private budgetReached = false;
  private readonly pendingInput: string[] = [];

  constructor(
    readonly session: BetaManagedAgentsSession,
    agent: BetaManagedAgentsAgent,
    private readonly host: StandInSessionHost,
  ) {
    this.model = new Anthropic({ apiKey: 'stand-in', baseURL: host.modelUrl, maxRetries: 2 });
    this.primary = this.newThread(agent, null);
  }

  private newThread(agent: BetaManagedAgentsAgent, parent: string | null): Thread {
    const thread = newThread(agent, parent);
    this.threads.set(thread.id, thread);
    return thread;
  }

  // ---- events ------------------------------------------------------------------------------

  private emit(thread: Thread, payload: { type: string; [key: string]: unknown }, crossPost = false): PlatformEvent {
    const event: PlatformEvent = { id: platformId('sevt'), processed_at: now(), ...payload };
    const isPrimary = thread.id === this.primary.id;
    if (crossPost && !isPrimary) event.session_thread_id = thread.id;
    const stored: StoredEvent = { event, thread: thread.id, onSession: isPrimary || crossPost };
    this.events.push(stored);
    this.host.onEvent(this, stored);
    return event;
  }

  /** Client events (`events.send`): validated, echoed with ids, then acted on. */
  receive(events: unknown[]): PlatformEvent[] {
    if (this.session.status === 'terminated') throw badRequest('the session is terminated and takes no more events');
    const checked = events.map((e) =>
      checkClientEvent(e, { primary: this.primary, waiters: this.waiters, budgetReached: this.budgetReached }),
    );
    return checked.map(({ event, thread }) => {
      const echoed = this.emit(thread, event, true);
      this.act(echoed, thread);
      return echoed;
    });
  }

  private act(event: PlatformEvent, thread: Thread): void {
    switch (event.type) {
      case 'user.message': {
        const text = (event.content as { type: string; text?: string }[]).map((b) => b.text ?? '').join('\n');
        this.pendingInput.push(text);
        if (!this.primary.inTurn) void this.startPrimaryTurn();
        break;
      }
      case 'user.interrupt':
        this.interrupt(typeof event.session_thread_id === 'string' ? event.session_thread_id : undefined);
        break;
      case 'user.tool_result':
      case 'user.custom_tool_result': {
        const id = (event.type === 'user.tool_result' ? event.tool_use_id : event.custom_tool_use_id) as string;
        const text = contentText(event.content);
        this.answer(id, { text, isError: event.is_error === true });
        break;
      }
      case 'user.tool_confirmation':
        this.answer(event.tool_use_id as string, {
          text: '',
          isError: false,
          allow: event.result === 'allow',
          ...(typeof event.deny_message === 'string' ? { denyMessage: event.deny_message } : {}),
        });
        break;
      default:
        void thread;
    }
  }

  private answer(id: string, answer: Parameters<Waiter['resolve']>[0]): void {
    const waiter = this.waiters.get(id);
    if (!waiter) return;
    this.waiters.delete(id);
    waiter.thread.blockedOn.delete(id);
    if (waiter.kind !== 'tool_result') this.reportThreadWaits(waiter.thread);
    waiter.resolve(answer);
    this.updateStatus();
  }

  private interrupt(threadId?: string): void {
    for (const thread of this.threads.values()) {
      if (threadId && thread.id !== threadId) continue;
      if (!thread.inTurn) continue;
      thread.interrupted = true;
      for (const [id, waiter] of this.waiters) {
        if (waiter.thread !== thread) continue;
        this.answer(id, { text: 'interrupted before completion; retry if still needed', isError: true, allow: false });
      }
    }
  }

  /** Pending sandbox calls (for the worker's reconcile) come from the log; this is what is still open. */
  waitingIds(): string[] {
    return [...this.waiters.keys()];
  }

  // ---- status ------------------------------------------------------------------------------

  private updateStatus(): void {
    const threads = [...this.threads.values()];
    const working = threads.some((t) => t.inTurn && t.blockedOn.size === 0 && t.waitingOnChildren === 0);
    const ids = this.waitingIds();
    const status = working ? 'running' : 'idle';
    const idsKey = ids.join(',');
    if (status === this.reported.status && (status === 'running' || idsKey === this.reported.ids)) return;
    if (status === 'idle' && !working && threads.some((t) => t.inTurn) && ids.length === 0) return; // between steps
    this.reported = { status, ids: idsKey };
    this.session.status = status;
    this.session.updated_at = now();
    if (status === 'running') {
      this.emit(this.primary, { type: 'session.status_running' });
      return;
    }
    const stopReason =
      ids.length > 0
        ? { type: 'requires_action', event_ids: ids }
        : this.budgetReached
          ? { type: 'budget_reached' }
          : { type: 'end_turn' };
    this.emit(this.primary, { type: 'session.status_idle', stop_reason: stopReason, stop_details: null });
  }

  // ---- turns -------------------------------------------------------------------------------

  private async startPrimaryTurn(): Promise<void> {
    const thread = this.primary;
    thread.chain = thread.chain.then(async () => {
      while (this.pendingInput.length > 0) {
        const text = this.pendingInput.splice(0).join('\n\n');
        thread.messages.push({ role: 'user', content: [{ type: 'text', text }] });
        await this.runTurn(thread);
      }
    });
    await thread.chain.catch(() => undefined);
  }

  /** Samples until the model stops calling tools; returns the final text. */
  private async runTurn(thread: Thread): Promise<{ text: string; isError: boolean }> {
    thread.inTurn = true;
    thread.interrupted = false;
    thread.status = 'running';
    if (thread.parent)
      this.emit(
        thread,
        { type: 'session.thread_status_running', session_thread_id: thread.id, agent_name: thread.agent.name },
        true,
      );
    this.updateStatus();
    let finalText = '';
    let failed = false;
    let stopReason: { type: string } = { type: 'end_turn' };
    try {
      for (;;) {
        if (thread.interrupted) break;
        if (overBudget(this.session)) {
          this.budgetReached = true;
          stopReason = { type: 'budget_reached' };
          this.emit(this.primary, { type: 'session.usage', usage: this.session.usage, budget: this.session.budget });
          break;
        }
        const start = this.emit(thread, { type: 'span.model_request_start' });
        let message: Message;
        try {
          message = await this.model.messages.create(
            {
              model: thread.agent.model.id,
              max_tokens: 8192,
              system: thread.agent.system ?? '',
              tools: toolsFor(thread.agent),
              messages: thread.messages,
            },
            { headers: { 'x-agent-os-agent': thread.agent.name } },
          );
        } catch (error) {
          this.emit(thread, {
            type: 'span.model_request_end',
            model_request_start_id: start.id,
            is_error: true,
            model_usage: zeroUsage(),
          });
          this.emit(this.primary, {
            type: 'session.error',
            error: {
              type: 'model_request_failed_error',
              message: (error as Error).message,
              retry_status: { type: 'exhausted' },
            },
          });
          stopReason = { type: 'retries_exhausted' };
          failed = true;
          break;
        }
        const usage = usageOf(message);
        addUsage(this.session, thread.agent.model.id, usage);
        const texts = message.content.flatMap((b) => (b.type === 'text' ? [{ type: 'text', text: b.text }] : []));
        if (texts.length > 0) this.emit(thread, { type: 'agent.message', content: texts });
        this.emit(thread, {
          type: 'span.model_request_end',
          model_request_start_id: start.id,
          is_error: false,
          model_usage: usage,
        });
        thread.messages.push({ role: 'assistant', content: message.content });
        const uses = message.content.filter(
          (b): b is Extract<ContentBlock, { type: 'tool_use' }> => b.type === 'tool_use',
        );
        if (uses.length === 0) {
          finalText = texts.map((t) => t.text).join('\n');
          break;
        }
        const results = await Promise.all(uses.map((use) => this.runToolUse(thread, use)));
        const blocks: ToolResultBlockParam[] = uses.map((use, i) => ({
          type: 'tool_result',
          tool_use_id: use.id,
          content: results[i]?.text || '(no output)',
          ...(results[i]?.isError ? { is_error: true } : {}),
        }));
        thread.messages.push({ role: 'user', content: blocks });
      }
    } finally {
      thread.inTurn = false;
      thread.status = 'idle';
      if (thread.parent) {
        this.emit(
          thread,
          {
            type: 'session.thread_status_idle',
            session_thread_id: thread.id,
            agent_name: thread.agent.name,
            stop_reason: stopReason,
            stop_details: null,
          },
          true,
        );
      }
      this.updateStatus();
    }
    return { text: finalText || (thread.interrupted ? '(interrupted)' : '(no message)'), isError: failed };
  }

  private async runToolUse(
    thread: Thread,
    use: { id: string; name: string; input: unknown },
  ): Promise<{ text: string; isError: boolean }> {
    const input = (use.input ?? {}) as Record<string, unknown>;
    const roster = rosterOf(thread.agent);
    if (use.name === STAND_IN_DELEGATION_TOOL && roster.length > 0) {
      const call = this.emit(thread, { type: 'agent.tool_use', name: use.name, input, evaluated_permission: 'allow' });
      const result = await this.delegate(thread, input, roster);
      this.emit(thread, {
        type: 'agent.tool_result',
        tool_use_id: call.id,
        content: [{ type: 'text', text: result.text }],
        is_error: result.isError,
      });
      return result;
    }
    const custom = thread.agent.tools.find((t) => t.type === 'custom' && t.name === use.name);
    if (custom) {
      const call = this.emit(thread, { type: 'agent.custom_tool_use', name: use.name, input }, true);
      return this.wait(call.id, 'custom_tool_result', thread);
    }
    const permission = isBuiltinToolName(use.name) ? permissionOf(thread.agent, use.name) : 'deny';
    const call = this.emit(
      thread,
      { type: 'agent.tool_use', name: use.name, input, evaluated_permission: permission },
      permission !== 'deny',
    );
    if (permission === 'deny') {
      const text = `tool ${use.name} is not enabled for agent ${thread.agent.name}`;
      this.emit(thread, {
        type: 'agent.tool_result',
        tool_use_id: call.id,
        content: [{ type: 'text', text }],
        is_error: true,
      });
      return { text, isError: true };
    }
    if (permission === 'ask') {
      const verdict = await this.wait(call.id, 'confirmation', thread);
      if (!verdict.allow) {
        const text = verdict.isError
          ? verdict.text
          : `the person denied this call${verdict.denyMessage ? `: ${verdict.denyMessage}` : ''}`;
        this.emit(thread, {
          type: 'agent.tool_result',
          tool_use_id: call.id,
          content: [{ type: 'text', text }],
          is_error: true,
        });
        return { text, isError: true };
      }
    }
    // Self-hosted: the worker runs it and answers with user.tool_result.
    const waiting = this.wait(call.id, 'tool_result', thread);
    this.host.needsWorker(this.session.id);
    return waiting;
  }

  private wait(
    id: string,
    kind: Waiter['kind'],
    thread: Thread,
  ): Promise<{ text: string; isError: boolean; allow?: boolean; denyMessage?: string }> {
    return new Promise((resolve) => {
      this.waiters.set(id, { kind, thread, resolve });
      thread.blockedOn.add(id);
      // As the platform: a thread that waits for the client (a confirmation, a custom tool's result) stops
      // with requires_action; one that waits for a self-hosted worker's tool result is still working.
      if (kind !== 'tool_result') this.reportThreadWaits(thread);
      this.updateStatus();
    });
  }

  /** The events a sub-thread waits on the client for; its status says so (the primary's is the session's). */
  private reportThreadWaits(thread: Thread): void {
    if (!thread.parent || !thread.inTurn) return;
    const ids = [...thread.blockedOn].filter((id) => this.waiters.get(id)?.kind !== 'tool_result');
    const base = { session_thread_id: thread.id, agent_name: thread.agent.name };
    if (ids.length > 0) {
      thread.status = 'idle';
      const stopReason = { type: 'requires_action', event_ids: ids };
      this.emit(
        thread,
        { type: 'session.thread_status_idle', ...base, stop_reason: stopReason, stop_details: null },
        true,
      );
    } else {
      thread.status = 'running';
      this.emit(thread, { type: 'session.thread_status_running', ...base }, true);
    }
  }

  private delegate(
    parent: Thread,
    input: Record<string, unknown>,
    roster: BetaManagedAgentsAgent[],
  ): Promise<{ text: string; isError: boolean }> {
    return delegateToRoster(
      {
        primaryId: this.primary.id,
        emit: (thread, payload) => this.emit(thread, payload),
        newThread: (agent, parentId) => this.newThread(agent, parentId),
        runTurn: (thread) => this.runTurn(thread),
        updateStatus: () => this.updateStatus(),
      },
      parent,
      input,
      roster,
    );
  }
}
