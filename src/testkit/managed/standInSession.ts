// The "brain" of one stand-in platform session: the agent loop the hosted platform runs. Each thread
// samples the scripted model through the real SDK (the Messages API over HTTP), and what it does is
// written as platform events (docs/reference/managedAgents.md §5): built-in tools go to the self-hosted worker as
// `agent.tool_use` and wait for its `user.tool_result`; custom tools wait for `user.custom_tool_result`;
// the coordinator's `send_to_agent` spawns or reuses a roster agent's thread (§6.3).
import { Anthropic } from '@anthropic-ai/sdk';
import type { BetaManagedAgentsAgent } from '@anthropic-ai/sdk/resources/beta/agents/agents';
import type { BetaManagedAgentsSession } from '@anthropic-ai/sdk/resources/beta/sessions/sessions';
import type { ContentBlock, Message, MessageParam, ToolResultBlockParam } from '@anthropic-ai/sdk/resources/messages';
import { randomBytes } from 'node:crypto';
import { isBuiltinToolName } from '../../core/tools/builtinTools.ts';
import { costOf } from '../../node/model/priceTable.ts';
import { badRequest } from './platformHttp.ts';
import { permissionOf, rosterOf, STAND_IN_DELEGATION_TOOL, toolsFor } from './standInAgentTools.ts';

export type PlatformEvent = { id: string; type: string; processed_at: string | null; [key: string]: unknown };

export interface StoredEvent {
  event: PlatformEvent;
  /** The thread whose stream the event belongs to. */
  thread: string;
  /** On the session-level stream: the primary thread's events and what children cross-post. */
  onSession: boolean;
}

interface Thread {
  id: string;
  agent: BetaManagedAgentsAgent;
  parent: string | null;
  status: 'idle' | 'running' | 'terminated';
  messages: MessageParam[];
  /** Client answers this thread waits for (tool results, confirmations), by event id. */
  blockedOn: Set<string>;
  /** Delegations to children still running. */
  waitingOnChildren: number;
  inTurn: boolean;
  interrupted: boolean;
  children: Map<string, Thread>;
  /** Turns of one thread run one after another. */
  chain: Promise<unknown>;
}

interface Waiter {
  kind: 'tool_result' | 'custom_tool_result' | 'confirmation';
  thread: Thread;
  resolve(answer: { text: string; isError: boolean; allow?: boolean; denyMessage?: string }): void;
}

export interface StandInSessionHost {
  modelUrl: string;
  agent(id: string, version?: number): BetaManagedAgentsAgent | undefined;
  /** Called when a sandbox tool call needs a worker. */
  needsWorker(sessionId: string): void;
  onEvent(session: StandInSession, stored: StoredEvent): void;
}

export function platformId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
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
    const thread: Thread = {
      id: platformId('sthr'),
      agent,
      parent,
      status: 'idle',
      messages: [],
      blockedOn: new Set(),
      waitingOnChildren: 0,
      inTurn: false,
      interrupted: false,
      children: new Map(),
      chain: Promise.resolve(),
    };
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
    const checked = events.map((e) => this.checkClientEvent(e));
    return checked.map(({ event, thread }) => {
      const echoed = this.emit(thread, event, true);
      this.act(echoed, thread);
      return echoed;
    });
  }

  private checkClientEvent(raw: unknown): { event: { type: string; [key: string]: unknown }; thread: Thread } {
    if (typeof raw !== 'object' || raw === null) throw badRequest('events[]: each event must be an object');
    const event = raw as { type?: unknown; [key: string]: unknown };
    switch (event.type) {
      case 'user.message': {
        if (!Array.isArray(event.content) || event.content.length === 0) throw badRequest('user.message: content must be a non-empty array');
        if (this.budgetReached) throw badRequest('user.message: the session is paused at its budget (budget_reached)');
        return { event: event as { type: string }, thread: this.primary };
      }
      case 'user.interrupt':
        return { event: event as { type: string }, thread: this.primary };
      case 'user.tool_result':
      case 'user.custom_tool_result':
      case 'user.tool_confirmation': {
        const idField = event.type === 'user.custom_tool_result' ? 'custom_tool_use_id' : 'tool_use_id';
        const id = event[idField];
        if (typeof id !== 'string') throw badRequest(`${event.type}: ${idField} is required`);
        const waiter = this.waiters.get(id);
        const expected = event.type === 'user.tool_confirmation' ? 'confirmation' : event.type === 'user.tool_result' ? 'tool_result' : 'custom_tool_result';
        if (!waiter || waiter.kind !== expected) throw badRequest(`${event.type}: ${idField} ${id} is not waiting for this answer (answered already, or unknown)`);
        if (event.type === 'user.tool_confirmation' && event.result !== 'allow' && event.result !== 'deny') {
          throw badRequest('user.tool_confirmation: result must be "allow" or "deny"');
        }
        return { event: event as { type: string }, thread: waiter.thread };
      }
      default:
        throw badRequest(`events[]: event type ${JSON.stringify(event.type)} cannot be sent by a client`);
    }
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
    const stopReason = ids.length > 0 ? { type: 'requires_action', event_ids: ids } : this.budgetReached ? { type: 'budget_reached' } : { type: 'end_turn' };
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
    if (thread.parent) this.emit(thread, { type: 'session.thread_status_running', session_thread_id: thread.id, agent_name: thread.agent.name }, true);
    this.updateStatus();
    let finalText = '';
    let failed = false;
    let stopReason: { type: string } = { type: 'end_turn' };
    try {
      for (;;) {
        if (thread.interrupted) break;
        if (this.overBudget()) {
          this.budgetReached = true;
          stopReason = { type: 'budget_reached' };
          this.emit(this.primary, { type: 'session.usage', usage: this.session.usage, budget: this.session.budget });
          break;
        }
        const start = this.emit(thread, { type: 'span.model_request_start' });
        let message: Message;
        try {
          message = await this.model.messages.create(
            { model: thread.agent.model.id, max_tokens: 8192, system: thread.agent.system ?? '', tools: toolsFor(thread.agent), messages: thread.messages },
            { headers: { 'x-agent-os-agent': thread.agent.name } },
          );
        } catch (error) {
          this.emit(thread, { type: 'span.model_request_end', model_request_start_id: start.id, is_error: true, model_usage: zeroUsage() });
          this.emit(this.primary, {
            type: 'session.error',
            error: { type: 'model_request_failed_error', message: (error as Error).message, retry_status: { type: 'exhausted' } },
          });
          stopReason = { type: 'retries_exhausted' };
          failed = true;
          break;
        }
        const usage = {
          input_tokens: message.usage.input_tokens,
          output_tokens: message.usage.output_tokens,
          cache_creation_input_tokens: message.usage.cache_creation_input_tokens ?? 0,
          cache_read_input_tokens: message.usage.cache_read_input_tokens ?? 0,
        };
        this.addUsage(thread.agent.model.id, usage);
        const texts = message.content.flatMap((b) => (b.type === 'text' ? [{ type: 'text', text: b.text }] : []));
        if (texts.length > 0) this.emit(thread, { type: 'agent.message', content: texts });
        this.emit(thread, { type: 'span.model_request_end', model_request_start_id: start.id, is_error: false, model_usage: usage });
        thread.messages.push({ role: 'assistant', content: message.content });
        const uses = message.content.filter((b): b is Extract<ContentBlock, { type: 'tool_use' }> => b.type === 'tool_use');
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
        this.emit(thread, { type: 'session.thread_status_idle', session_thread_id: thread.id, agent_name: thread.agent.name, stop_reason: stopReason, stop_details: null }, true);
      }
      this.updateStatus();
    }
    return { text: finalText || (thread.interrupted ? '(interrupted)' : '(no message)'), isError: failed };
  }

  private async runToolUse(thread: Thread, use: { id: string; name: string; input: unknown }): Promise<{ text: string; isError: boolean }> {
    const input = (use.input ?? {}) as Record<string, unknown>;
    const roster = rosterOf(thread.agent);
    if (use.name === STAND_IN_DELEGATION_TOOL && roster.length > 0) {
      const call = this.emit(thread, { type: 'agent.tool_use', name: use.name, input, evaluated_permission: 'allow' });
      const result = await this.delegate(thread, input, roster);
      this.emit(thread, { type: 'agent.tool_result', tool_use_id: call.id, content: [{ type: 'text', text: result.text }], is_error: result.isError });
      return result;
    }
    const custom = thread.agent.tools.find((t) => t.type === 'custom' && t.name === use.name);
    if (custom) {
      const call = this.emit(thread, { type: 'agent.custom_tool_use', name: use.name, input }, true);
      return this.wait(call.id, 'custom_tool_result', thread);
    }
    const permission = isBuiltinToolName(use.name) ? permissionOf(thread.agent, use.name) : 'deny';
    const call = this.emit(thread, { type: 'agent.tool_use', name: use.name, input, evaluated_permission: permission }, permission !== 'deny');
    if (permission === 'deny') {
      const text = `tool ${use.name} is not enabled for agent ${thread.agent.name}`;
      this.emit(thread, { type: 'agent.tool_result', tool_use_id: call.id, content: [{ type: 'text', text }], is_error: true });
      return { text, isError: true };
    }
    if (permission === 'ask') {
      const verdict = await this.wait(call.id, 'confirmation', thread);
      if (!verdict.allow) {
        const text = verdict.isError ? verdict.text : `the person denied this call${verdict.denyMessage ? `: ${verdict.denyMessage}` : ''}`;
        this.emit(thread, { type: 'agent.tool_result', tool_use_id: call.id, content: [{ type: 'text', text }], is_error: true });
        return { text, isError: true };
      }
    }
    // Self-hosted: the worker runs it and answers with user.tool_result.
    const waiting = this.wait(call.id, 'tool_result', thread);
    this.host.needsWorker(this.session.id);
    return waiting;
  }

  private wait(id: string, kind: Waiter['kind'], thread: Thread): Promise<{ text: string; isError: boolean; allow?: boolean; denyMessage?: string }> {
    return new Promise((resolve) => {
      this.waiters.set(id, { kind, thread, resolve });
      thread.blockedOn.add(id);
      this.updateStatus();
    });
  }

  private async delegate(parent: Thread, input: Record<string, unknown>, roster: BetaManagedAgentsAgent[]): Promise<{ text: string; isError: boolean }> {
    const name = input.agent_name;
    const message = input.message;
    const target = roster.find((a) => a.name === name);
    if (!target || typeof message !== 'string' || !message) {
      return { text: `send_to_agent: agent_name must be one of ${roster.map((a) => a.name).join(', ')} and message a non-empty string`, isError: true };
    }
    const key = `${target.name}\0${typeof input.thread_key === 'string' ? input.thread_key : ''}`;
    let child = parent.children.get(key);
    if (!child) {
      child = this.newThread(target, parent.id);
      parent.children.set(key, child);
      this.emit(parent, { type: 'session.thread_created', session_thread_id: child.id, agent_name: target.name, workflow_run_id: null });
    }
    const fromPrimary = parent.id === this.primary.id;
    this.emit(parent, { type: 'agent.thread_message_sent', to_session_thread_id: child.id, to_agent_name: target.name, content: [{ type: 'text', text: message }] });
    this.emit(child, { type: 'agent.thread_message_received', from_session_thread_id: parent.id, ...(fromPrimary ? {} : { from_agent_name: parent.agent.name }), content: [{ type: 'text', text: message }] });
    parent.waitingOnChildren++;
    const worker = child;
    const run = worker.chain.then(() => {
      worker.messages.push({ role: 'user', content: [{ type: 'text', text: message }] });
      return this.runTurn(worker);
    });
    worker.chain = run.catch(() => undefined);
    let reply: { text: string; isError: boolean };
    try {
      reply = await run;
    } finally {
      parent.waitingOnChildren--;
    }
    this.emit(worker, { type: 'agent.thread_message_sent', to_session_thread_id: parent.id, ...(fromPrimary ? {} : { to_agent_name: parent.agent.name }), content: [{ type: 'text', text: reply.text }] });
    this.emit(parent, { type: 'agent.thread_message_received', from_session_thread_id: worker.id, from_agent_name: worker.agent.name, content: [{ type: 'text', text: reply.text }] });
    this.updateStatus();
    return reply;
  }

  // ---- tools and usage ---------------------------------------------------------------------

  private addUsage(model: string, usage: ReturnType<typeof zeroUsage>): void {
    const u = this.session.usage;
    u.input_tokens = (u.input_tokens ?? 0) + usage.input_tokens;
    u.output_tokens = (u.output_tokens ?? 0) + usage.output_tokens;
    u.cache_read_input_tokens = (u.cache_read_input_tokens ?? 0) + usage.cache_read_input_tokens;
    const usd = costOf(model, usage).usd;
    const cents = Math.round((Number(u.list_cost?.amount ?? '0') || 0) + usd * 100);
    u.list_cost = { amount: String(cents), currency: 'USD' };
  }

  private overBudget(): boolean {
    const cap = this.session.budget?.max_list_cost.amount;
    if (cap === undefined) return false;
    return Number(this.session.usage.list_cost?.amount ?? '0') >= Number(cap);
  }
}

function zeroUsage(): { input_tokens: number; output_tokens: number; cache_creation_input_tokens: number; cache_read_input_tokens: number } {
  return { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
}

function contentText(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content.map((b: { type?: string; text?: string }) => (b.type === 'text' ? (b.text ?? '') : JSON.stringify(b))).join('\n');
}
