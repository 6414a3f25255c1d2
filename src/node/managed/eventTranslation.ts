// One platform event → the local log's event (docs/reference/managedAgents.md §5 → src/core/events/sessionEvent.ts).
// The vocabularies share names, so this is mostly a copy; what differs: ids that point at other events
// are mapped to the local ids, a self-hosted tool's `user.tool_result` is the local `agent.tool_result`,
// costs come from our price table, and idles that wait only on the worker or on Agent OS itself (not
// on the person) are not the person's business and are left out.
import type { EventInput, SessionEvent, TextBlock } from '../../core/events/sessionEvent.ts';

export type PlatformEvent = { id: string; type: string; [key: string]: unknown };

export interface TranslationContext {
  primaryThread: string;
  /** Whether the local log already says the session runs (the platform repeats it after each worker answer). */
  running(): boolean;
  /** Platform event id → local event, for what later events name: a tool use still waiting for its answer. */
  local(platformId: string): SessionEvent | undefined;
  /** The local id of the thread's model request in flight: what a request's end closes. */
  openModelRequestOf(thread: string): string | undefined;
  /** The local event a hand-in call is held on for the person (local tool_use id): the APPROVE verdict of a
   * `submit_verdict`, the open questions of a `submit_plan`. */
  heldForPerson(localToolUseId: string): string | undefined;
  /** Whether the person already answered this `ask` call (it then waits on the worker only). */
  confirmed(localToolUseId: string): boolean;
  /** The parent's delegation call a thread message carries out or answers. */
  delegationFor(thread: string, event: PlatformEvent): string | undefined;
  agentVersion(agentName: string): number | undefined;
  modelOf(thread: string): string;
  priceOf(model: string, usage: ModelUsageIn): number;
}

type ModelUsageIn = {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
};

/** `streamThread`: the thread whose stream carried the event (the primary for the session stream). */
export function translateEvent(
  event: PlatformEvent,
  streamThread: string,
  ctx: TranslationContext,
): EventInput | undefined {
  const thread =
    typeof event.session_thread_id === 'string' && !event.type.startsWith('session.thread_')
      ? event.session_thread_id
      : streamThread;
  const base = { thread, platform_event_id: event.id };
  switch (event.type) {
    case 'user.message':
      return { ...base, type: 'user.message', content: texts(event.content) };
    case 'user.interrupt':
      return {
        ...base,
        type: 'user.interrupt',
        ...(typeof event.session_thread_id === 'string' ? { session_thread_id: event.session_thread_id } : {}),
      };
    case 'user.tool_confirmation': {
      const use = ctx.local(String(event.tool_use_id));
      if (!use) return undefined;
      return {
        ...base,
        thread: use.thread,
        type: 'user.tool_confirmation',
        tool_use_id: use.id,
        result: event.result === 'allow' ? 'allow' : 'deny',
        ...(typeof event.deny_message === 'string' ? { deny_message: event.deny_message } : {}),
      };
    }
    case 'user.tool_result':
    case 'user.custom_tool_result':
    case 'agent.tool_result': {
      const useId = String(event.type === 'user.custom_tool_result' ? event.custom_tool_use_id : event.tool_use_id);
      const use = ctx.local(useId);
      if (!use) return undefined;
      return {
        ...base,
        thread: use.thread,
        type: 'agent.tool_result',
        tool_use_id: use.id,
        content: texts(event.content, '(no output)'),
        is_error: event.is_error === true,
      };
    }
    case 'agent.message':
      return { ...base, type: 'agent.message', content: texts(event.content) };
    case 'agent.thinking':
      return { ...base, type: 'agent.thinking' };
    case 'agent.tool_use':
    case 'agent.custom_tool_use': {
      const permission = event.evaluated_permission;
      return {
        ...base,
        type: 'agent.tool_use',
        name: String(event.name),
        input: event.input ?? {},
        // The model's own id stays on the platform; the platform's event id is what answers it.
        model_tool_use_id: event.id,
        evaluated_permission: permission === 'ask' || permission === 'deny' ? permission : 'allow',
      };
    }
    case 'agent.thread_message_sent': {
      const delegation = ctx.delegationFor(thread, event);
      return {
        ...base,
        type: 'agent.thread_message_sent',
        to_session_thread_id: String(event.to_session_thread_id),
        ...(typeof event.to_agent_name === 'string' ? { to_agent_name: event.to_agent_name } : {}),
        content: texts(event.content),
        ...(delegation ? { delegation_tool_use_id: delegation } : {}),
      };
    }
    case 'agent.thread_message_received':
      return {
        ...base,
        type: 'agent.thread_message_received',
        from_session_thread_id: String(event.from_session_thread_id),
        ...(typeof event.from_agent_name === 'string' ? { from_agent_name: event.from_agent_name } : {}),
        content: texts(event.content),
      };
    case 'session.status_running':
      return ctx.running() ? undefined : { ...base, thread: ctx.primaryThread, type: 'session.status_running' };
    case 'session.status_rescheduled':
      return { ...base, thread: ctx.primaryThread, type: 'session.status_rescheduled' };
    case 'session.status_terminated':
      return { ...base, thread: ctx.primaryThread, type: 'session.status_terminated' };
    case 'session.status_idle': {
      const stop = event.stop_reason as { type?: string; event_ids?: unknown } | undefined;
      if (stop?.type === 'requires_action') {
        const ids = (Array.isArray(stop.event_ids) ? stop.event_ids : []).flatMap((id) =>
          personWaitsOn(String(id), ctx),
        );
        if (ids.length === 0) return undefined;
        return {
          ...base,
          thread: ctx.primaryThread,
          type: 'session.status_idle',
          stop_reason: { type: 'requires_action', event_ids: ids },
        };
      }
      const type =
        stop?.type === 'retries_exhausted' || stop?.type === 'budget_reached' || stop?.type === 'refusal'
          ? stop.type
          : 'end_turn';
      return { ...base, thread: ctx.primaryThread, type: 'session.status_idle', stop_reason: { type } };
    }
    case 'session.error': {
      const error = (event.error ?? {}) as { type?: unknown; message?: unknown; retry_status?: { type?: unknown } };
      const retry = error.retry_status?.type;
      return {
        ...base,
        thread: ctx.primaryThread,
        type: 'session.error',
        error: {
          type: typeof error.type === 'string' ? error.type : 'unknown_error',
          message: typeof error.message === 'string' ? error.message : 'the platform reported an error',
          retry_status: { type: retry === 'retrying' || retry === 'terminal' ? retry : 'exhausted' },
        },
      };
    }
    case 'session.thread_created': {
      const version = ctx.agentVersion(String(event.agent_name));
      return {
        ...base,
        type: 'session.thread_created',
        session_thread_id: String(event.session_thread_id),
        agent_name: String(event.agent_name),
        ...(version !== undefined ? { agent_version: version } : {}),
        parent_thread_id: streamThread,
      };
    }
    case 'session.thread_status_running':
    case 'session.thread_status_rescheduled':
    case 'session.thread_status_terminated':
      return {
        ...base,
        thread: String(event.session_thread_id),
        type: event.type,
        session_thread_id: String(event.session_thread_id),
        agent_name: String(event.agent_name),
      };
    case 'session.thread_status_idle': {
      const stop = (event.stop_reason as { type?: string } | undefined)?.type;
      const type = stop === 'retries_exhausted' || stop === 'budget_reached' || stop === 'refusal' ? stop : 'end_turn';
      return {
        ...base,
        thread: String(event.session_thread_id),
        type: 'session.thread_status_idle',
        session_thread_id: String(event.session_thread_id),
        agent_name: String(event.agent_name),
        stop_reason: { type },
      };
    }
    case 'span.model_request_start':
      return { ...base, type: 'span.model_request_start', model: ctx.modelOf(thread) };
    case 'span.model_request_end': {
      const raw = (event.model_usage ?? {}) as Partial<ModelUsageIn>;
      const usage = {
        input_tokens: raw.input_tokens ?? 0,
        output_tokens: raw.output_tokens ?? 0,
        cache_creation_input_tokens: raw.cache_creation_input_tokens ?? 0,
        cache_read_input_tokens: raw.cache_read_input_tokens ?? 0,
      };
      return {
        ...base,
        type: 'span.model_request_end',
        model_request_start_id: ctx.openModelRequestOf(thread) ?? String(event.model_request_start_id),
        is_error: event.is_error === true,
        model_usage: usage,
        cost_usd: ctx.priceOf(ctx.modelOf(thread), usage),
      };
    }
    default:
      // session.usage, session.updated, spans of outcomes, workflow runs, previews: nothing local shows them.
      return undefined;
  }
}

/** What a `requires_action` idle waits on that is the person's to answer, as local ids. */
function personWaitsOn(platformId: string, ctx: TranslationContext): string[] {
  const use = ctx.local(platformId);
  if (!use || use.type !== 'agent.tool_use') return [];
  const held = ctx.heldForPerson(use.id);
  if (held) return [held];
  return use.evaluated_permission === 'ask' && !ctx.confirmed(use.id) ? [use.id] : [];
}

function texts(content: unknown, empty?: string): TextBlock[] {
  const blocks = Array.isArray(content)
    ? content.map((b: { type?: string; text?: unknown }) => ({
        type: 'text' as const,
        text: b.type === 'text' && typeof b.text === 'string' ? b.text : JSON.stringify(b),
      }))
    : [];
  return blocks.length === 0 && empty ? [{ type: 'text', text: empty }] : blocks;
}
