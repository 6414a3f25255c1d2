// Session state as a pure fold over the log: `reduce(state, event)`. Everything the UI shows and the
// harness decides from (threads, statuses, usage, pending tool uses) is derived here, never kept aside.
import type { EventOfType, ModelUsage, SessionEvent, StopReason } from '../events/sessionEvent.ts';

/** Version of what the fold derives. Bump it whenever `step` changes what a state holds or how it is
 * computed: fold checkpoints saved by another version are then ignored and rebuilt from the log. */
export const FOLD_VERSION = 5;

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
  /** Where the thread's tools work, as last recorded (absent: not chosen yet, or a log from before it was
   * recorded). A wake reads it instead of choosing again (src/core/harness/threadWorkspace.ts). */
  workspace?: EventOfType<'agent_os.thread_workspace'>;
  /** Seq of the latest message the thread was given (its task, a correction): a clean room recorded before
   * it was for an earlier task. */
  taskSeq?: number;
  eventCount: number;
  lastSeq: number;
  /** The platform id of the thread's latest event mirrored from the hosted platform (managed sessions): where
   * a re-attach reads the thread's history on from (src/node/managed/eventMirror.ts). */
  lastPlatformEventId?: string;
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
  /** The Planner's questions waiting for the person's answers before the Coder starts. */
  openQuestions?: EventOfType<'agent_os.questions_asked'>;
  /** The latest outcome of the environment set-up: ready, or a failure since the last ready. */
  environment?: EventOfType<'agent_os.environment_ready'> | EventOfType<'agent_os.environment_failed'>;
  /** What every agent's context is built from, pinned once at the session's start (the first of each). */
  projectMemory?: EventOfType<'agent_os.project_memory'>;
  preferences?: EventOfType<'agent_os.preferences_pinned'>;
  /** Set when the session began as a fork of another (its first such record). */
  forked?: EventOfType<'agent_os.session_forked'>;
  /** Seq of the session's notice that its sandbox confines nothing (said once). */
  unconfinedNoticeSeq?: number;
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

function newThread(id: string, agentName: string, parentThreadId: string | null): ThreadState {
  return {
    id,
    agentName,
    parentThreadId,
    status: 'idle',
    usage: ZERO_USAGE,
    pendingToolUses: NO_PENDING,
    eventCount: 0,
    lastSeq: 0,
  };
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };
type DraftThread = Writable<ThreadState>;
type DraftSession = Writable<Omit<SessionState, 'threads'>>;

/** Where one step of the fold writes. `reduce` copies what an event changes (callers keep every
 * state they were given); a SessionFold owns its state and changes it in place (no allocation per
 * event, which was half the cost of opening a long log). The step itself is written once. */
interface FoldTarget {
  readonly session: DraftSession;
  /** The thread, writable, made on first sight. */
  thread(threadId: string): DraftThread;
  /** The thread's pending tool uses, writable. */
  pending(thread: DraftThread): Map<string, EventOfType<'agent.tool_use'>>;
}

function step(target: FoldTarget, event: SessionEvent): void {
  const s = target.session;
  s.lastSeq = event.seq;
  s.eventCount += 1;
  if (event.platform_event_id !== undefined) target.thread(event.thread).lastPlatformEventId = event.platform_event_id;
  // Every event counts toward its own thread (a thread seen before its `thread_created`, as in a
  // single-agent session's primary thread, is created on first sight).
  if (event.type !== 'session.thread_created') {
    const t = target.thread(event.thread);
    t.eventCount += 1;
    t.lastSeq = event.seq;
  }

  switch (event.type) {
    case 'session.thread_created': {
      const t = target.thread(event.session_thread_id);
      t.agentName = event.agent_name;
      t.parentThreadId = event.parent_thread_id;
      if (event.agent_version !== undefined) t.agentVersion = event.agent_version;
      if (event.thread_key !== undefined) t.threadKey = event.thread_key;
      if (event.parent_thread_id === null && s.primaryThreadId === undefined)
        s.primaryThreadId = event.session_thread_id;
      break;
    }
    case 'session.thread_status_running': {
      const t = target.thread(event.session_thread_id);
      t.status = 'running';
      delete t.stopReason;
      break;
    }
    case 'session.thread_status_idle': {
      const t = target.thread(event.session_thread_id);
      t.status = 'idle';
      t.stopReason = event.stop_reason;
      break;
    }
    case 'session.thread_status_rescheduled':
      target.thread(event.session_thread_id).status = 'rescheduling';
      break;
    case 'session.thread_status_terminated':
      target.thread(event.session_thread_id).status = 'terminated';
      break;
    case 'session.status_running':
      s.status = 'running';
      delete s.stopReason;
      break;
    case 'session.status_idle':
      s.status = 'idle';
      s.stopReason = event.stop_reason;
      break;
    case 'session.status_rescheduled':
      s.status = 'rescheduling';
      break;
    case 'session.status_terminated':
      s.status = 'terminated';
      break;
    case 'session.error':
      s.errors += 1;
      break;
    case 'span.model_request_start':
      target.thread(event.thread).openModelRequestId = event.id;
      break;
    case 'span.model_request_end': {
      const t = target.thread(event.thread);
      delete t.openModelRequestId;
      t.usage = addUsage(t.usage, event.model_usage, event.cost_usd);
      s.usage = addUsage(s.usage, event.model_usage, event.cost_usd);
      break;
    }
    case 'agent.tool_use': {
      const t = target.thread(event.thread);
      target.pending(t).set(event.id, event);
      break;
    }
    case 'agent.tool_result': {
      const t = target.thread(event.thread);
      if (t.pendingToolUses.has(event.tool_use_id)) target.pending(t).delete(event.tool_use_id);
      break;
    }
    case 'user.message':
    case 'agent.thread_message_received':
      target.thread(event.thread).taskSeq = event.seq;
      break;
    case 'agent_os.thread_workspace':
      target.thread(event.thread).workspace = event;
      break;
    case 'agent_os.session_configured':
      s.configured = event;
      break;
    case 'agent_os.plan_submitted':
      s.latestPlan = event;
      break;
    case 'agent_os.verdict_submitted':
      s.latestVerdict = event;
      delete s.latestApproval;
      break;
    case 'agent_os.approval':
      s.latestApproval = event;
      break;
    case 'agent_os.pull_request_opened':
      s.pullRequest = event;
      break;
    case 'agent_os.questions_asked':
      s.openQuestions = event;
      break;
    case 'agent_os.questions_answered':
      if (s.openQuestions?.id === event.questions_event_id) delete s.openQuestions;
      break;
    case 'agent_os.environment_ready':
    case 'agent_os.environment_failed':
      s.environment = event;
      break;
    case 'agent_os.project_memory':
      s.projectMemory ??= event;
      break;
    case 'agent_os.preferences_pinned':
      s.preferences ??= event;
      break;
    case 'agent_os.session_forked':
      s.forked ??= event;
      break;
    case 'agent_os.sandbox_unconfined':
      s.unconfinedNoticeSeq ??= event.seq;
      break;
    default:
      break;
  }
}

/** The state after `event`, as a new value: `state` and everything in it are left as they were. */
export function reduce(state: SessionState, event: SessionEvent): SessionState {
  const { threads: before, ...rest } = state;
  const session: DraftSession = rest;
  let threads: Record<string, ThreadState> | undefined;
  // At most two threads change per event (its own and the one a status event names).
  const copied: DraftThread[] = [];
  step(
    {
      session,
      thread(threadId) {
        const done = copied.find((t) => t.id === threadId);
        if (done) return done;
        threads ??= { ...before };
        const t: DraftThread = { ...(threads[threadId] ?? newThread(threadId, 'unknown', null)) };
        threads[threadId] = t;
        copied.push(t);
        return t;
      },
      pending(t) {
        const copy = new Map(t.pendingToolUses);
        t.pendingToolUses = copy;
        return copy;
      },
    },
    event,
  );
  return { ...session, threads: threads ?? before };
}

/**
 * A fold that owns its accumulator: events are applied in place, so a long log folds without a new
 * state, thread map and thread per event. `state` hands out a copy, never the accumulator.
 */
export class SessionFold {
  private readonly session: DraftSession;
  private readonly threads: Record<string, DraftThread> = {};
  /** Pending maps this fold made itself (the others are shared with the state it started from). */
  private readonly ownMaps = new WeakSet<ReadonlyMap<string, unknown>>();
  private readonly target: FoldTarget;

  constructor(start: SessionState) {
    const { threads, ...rest } = start;
    this.session = { ...rest };
    for (const [id, t] of Object.entries(threads)) this.threads[id] = { ...t };
    this.target = {
      session: this.session,
      thread: (threadId) => (this.threads[threadId] ??= newThread(threadId, 'unknown', null)),
      pending: (t) => {
        if (!this.ownMaps.has(t.pendingToolUses)) {
          t.pendingToolUses = new Map(t.pendingToolUses);
          this.ownMaps.add(t.pendingToolUses);
        }
        return t.pendingToolUses as Map<string, EventOfType<'agent.tool_use'>>;
      },
    };
  }

  apply(event: SessionEvent): void {
    step(this.target, event);
  }

  get lastSeq(): number {
    return this.session.lastSeq;
  }

  /** A thread's agent as folded so far, without copying the state (a view labels every event with it). */
  agentName(threadId: string): string | undefined {
    return this.threads[threadId]?.agentName;
  }

  /** A copy of the state so far; later events do not change it. */
  get state(): SessionState {
    const threads: Record<string, ThreadState> = {};
    for (const [id, t] of Object.entries(this.threads))
      threads[id] = { ...t, pendingToolUses: new Map(t.pendingToolUses) };
    return { ...this.session, threads };
  }
}

export function foldSession(sessionId: string, events: Iterable<SessionEvent>): SessionState {
  const fold = new SessionFold(initialSessionState(sessionId));
  for (const e of events) fold.apply(e);
  return fold.state;
}

/** A tool call still waiting for its answer, by its local id: the fold keeps each thread's pending calls, so
 * finding one never reads the log. */
export function pendingToolUse(state: SessionState, toolUseEventId: string): EventOfType<'agent.tool_use'> | undefined {
  for (const thread of Object.values(state.threads)) {
    const use = thread.pendingToolUses.get(toolUseEventId);
    if (use) return use;
  }
  return undefined;
}
