// Session state as a pure fold over the log: `reduce(state, event)`. Everything the UI shows and the
// harness decides from (threads, statuses, usage, pending tool uses) is derived here, never kept aside.
import type { EventOfType, ModelUsage, SessionEvent, StopReason } from '../events/sessionEvent.ts';

export type RunStatus = 'idle' | 'running' | 'rescheduling' | 'terminated';

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
  cost_usd: number;
  model_requests: number;
}

export const ZERO_USAGE: Usage = Object.freeze({
  input_tokens: 0,
  output_tokens: 0,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
  cost_usd: 0,
  model_requests: 0,
});

export interface ThreadState {
  id: string;
  agentName: string;
  agentVersion?: number;
  parentThreadId: string | null;
  /** Set for a second (parallel) thread of the same agent under one parent. */
  threadKey?: string;
  status: RunStatus;
  stopReason?: StopReason;
  usage: Usage;
  /** `agent.tool_use` events without an `agent.tool_result`, by event id. A Map, not an object: event
   * ids are unique keys, and objects keyed by ever-new names make V8 slow to a crawl (measured: a
   * 100,000-event fold took 30 s instead of 70 ms). */
  pendingToolUses: ReadonlyMap<string, EventOfType<'agent.tool_use'>>;
  /** Id of a `span.model_request_start` without its end: a request in flight (or lost in a crash). */
  openModelRequestId?: string;
  eventCount: number;
  lastSeq: number;
}

export interface SessionState {
  id: string;
  status: RunStatus;
  stopReason?: StopReason;
  /** The thread that has no parent (the Coordinator, or the one agent of a single-agent session). */
  primaryThreadId?: string;
  threads: Readonly<Record<string, ThreadState>>;
  /** Sum over every thread: sub-agent spending is never hidden from the session total. */
  usage: Usage;
  lastSeq: number;
  eventCount: number;
  errors: number;
  configured?: EventOfType<'agent_os.session_configured'>;
  latestPlan?: EventOfType<'agent_os.plan_submitted'>;
  latestVerdict?: EventOfType<'agent_os.verdict_submitted'>;
  latestApproval?: EventOfType<'agent_os.approval'>;
  pullRequest?: EventOfType<'agent_os.pull_request_opened'>;
}

export function initialSessionState(sessionId: string): SessionState {
  return { id: sessionId, status: 'idle', threads: {}, usage: ZERO_USAGE, lastSeq: 0, eventCount: 0, errors: 0 };
}

export function addUsage(usage: Usage, model: ModelUsage, costUsd: number): Usage {
  return {
    input_tokens: usage.input_tokens + model.input_tokens,
    output_tokens: usage.output_tokens + model.output_tokens,
    cache_read_input_tokens: usage.cache_read_input_tokens + model.cache_read_input_tokens,
    cache_creation_input_tokens: usage.cache_creation_input_tokens + model.cache_creation_input_tokens,
    cost_usd: usage.cost_usd + costUsd,
    model_requests: usage.model_requests + 1,
  };
}

export function totalTokens(usage: Usage): number {
  return usage.input_tokens + usage.output_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens;
}

const NO_PENDING: ReadonlyMap<string, EventOfType<'agent.tool_use'>> = new Map();

function newThread(id: string, agentName: string, parentThreadId: string | null, agentVersion?: number): ThreadState {
  return {
    id,
    agentName,
    ...(agentVersion === undefined ? {} : { agentVersion }),
    parentThreadId,
    status: 'idle',
    usage: ZERO_USAGE,
    pendingToolUses: NO_PENDING,
    eventCount: 0,
    lastSeq: 0,
  };
}

export function reduce(state: SessionState, event: SessionEvent): SessionState {
  const next: SessionState = { ...state, lastSeq: event.seq, eventCount: state.eventCount + 1 };
  let threads = state.threads;
  const touch = (threadId: string, change: (t: ThreadState) => ThreadState): void => {
    const existing = threads[threadId] ?? newThread(threadId, 'unknown', null);
    threads = { ...threads, [threadId]: change(existing) };
  };

  // Every event counts toward its own thread (a thread seen before its `thread_created`, as in a
  // single-agent session's primary thread, is created on first sight).
  if (event.type !== 'session.thread_created') {
    touch(event.thread, (t) => ({ ...t, eventCount: t.eventCount + 1, lastSeq: event.seq }));
  }

  switch (event.type) {
    case 'session.thread_created': {
      const existing = threads[event.session_thread_id];
      threads = {
        ...threads,
        [event.session_thread_id]: {
          ...(existing ?? newThread(event.session_thread_id, event.agent_name, event.parent_thread_id)),
          agentName: event.agent_name,
          parentThreadId: event.parent_thread_id,
          ...(event.agent_version === undefined ? {} : { agentVersion: event.agent_version }),
          ...(event.thread_key === undefined ? {} : { threadKey: event.thread_key }),
        },
      };
      if (event.parent_thread_id === null && next.primaryThreadId === undefined) next.primaryThreadId = event.session_thread_id;
      break;
    }
    case 'session.thread_status_running':
      touch(event.session_thread_id, (t) => withoutStopReason({ ...t, status: 'running' }));
      break;
    case 'session.thread_status_idle':
      touch(event.session_thread_id, (t) => ({ ...t, status: 'idle', stopReason: event.stop_reason }));
      break;
    case 'session.thread_status_rescheduled':
      touch(event.session_thread_id, (t) => ({ ...t, status: 'rescheduling' }));
      break;
    case 'session.thread_status_terminated':
      touch(event.session_thread_id, (t) => ({ ...t, status: 'terminated' }));
      break;
    case 'session.status_running':
      next.status = 'running';
      delete next.stopReason;
      break;
    case 'session.status_idle':
      next.status = 'idle';
      next.stopReason = event.stop_reason;
      break;
    case 'session.status_rescheduled':
      next.status = 'rescheduling';
      break;
    case 'session.status_terminated':
      next.status = 'terminated';
      break;
    case 'session.error':
      next.errors = state.errors + 1;
      break;
    case 'span.model_request_start':
      touch(event.thread, (t) => ({ ...t, openModelRequestId: event.id }));
      break;
    case 'span.model_request_end':
      touch(event.thread, (t) => {
        const { openModelRequestId: _closed, ...rest } = t;
        return { ...rest, usage: addUsage(t.usage, event.model_usage, event.cost_usd) };
      });
      next.usage = addUsage(state.usage, event.model_usage, event.cost_usd);
      break;
    case 'agent.tool_use':
      touch(event.thread, (t) => ({ ...t, pendingToolUses: new Map(t.pendingToolUses).set(event.id, event) }));
      break;
    case 'agent.tool_result':
      touch(event.thread, (t) => {
        if (!t.pendingToolUses.has(event.tool_use_id)) return t;
        const rest = new Map(t.pendingToolUses);
        rest.delete(event.tool_use_id);
        return { ...t, pendingToolUses: rest };
      });
      break;
    case 'agent_os.session_configured':
      next.configured = event;
      break;
    case 'agent_os.plan_submitted':
      next.latestPlan = event;
      break;
    case 'agent_os.verdict_submitted':
      next.latestVerdict = event;
      delete next.latestApproval;
      break;
    case 'agent_os.approval':
      next.latestApproval = event;
      break;
    case 'agent_os.pull_request_opened':
      next.pullRequest = event;
      break;
    default:
      break;
  }
  next.threads = threads;
  return next;
}

function withoutStopReason(t: ThreadState): ThreadState {
  const { stopReason: _dropped, ...rest } = t;
  return rest;
}

export function foldSession(sessionId: string, events: Iterable<SessionEvent>): SessionState {
  let state = initialSessionState(sessionId);
  for (const e of events) state = reduce(state, e);
  return state;
}
