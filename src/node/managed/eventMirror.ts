// Mirrors a platform session's events into the local session log, so the Threads tree, the Event Log,
// the overview and the CLI read a hosted session exactly as a local one. The platform's streams do not
// replay, so every (re)attach opens the stream first, then lists the history, and drops what the log
// already holds. The session stream gives the primary thread; each child thread is followed on its own
// stream, which keeps every thread's events in their order.
//
// Each mirrored event carries its platform id, written in the same record, and the session's fold keeps
// each thread's latest one: a re-attach reads the thread's history past that event, and only what follows
// is new. So a cut stream, a reload or a crash never yields a duplicate, and the mirror holds nothing that
// grows with the log: the events later ones name (a tool use its answer, a request start its end) are
// found in the fold (waiting calls, the request in flight), the rest in the records it decides from
// (managedRecords.ts). A history that no longer holds that event is checked against the thread's records.
import type { Anthropic } from '@anthropic-ai/sdk';
import { APIError } from '@anthropic-ai/sdk';
import type { EventOfType, SessionEvent, StopReason } from '../../core/events/sessionEvent.ts';
import type { SessionLog } from '../../core/harness/sessionLog.ts';
import { answersTo, questionsAskedFor } from '../../core/pipeline/planQuestions.ts';
import type { SessionState } from '../../core/session/sessionState.ts';
import { PLATFORM_DELEGATION_TOOL } from './agentParams.ts';
import { translateEvent, type PlatformEvent, type TranslationContext } from './eventTranslation.ts';
import { managedRecords } from './managedRecords.ts';

export interface EventMirrorOptions {
  client: Anthropic;
  sessionId: string;
  log: SessionLog;
  primaryThread: string;
  agentVersion(agentName: string): number | undefined;
  modelOf(agentName: string): string;
  priceOf: TranslationContext['priceOf'];
  /** Called for each mirrored event, in order, before the next is mirrored (the pipeline's checks). */
  onMirrored?(local: SessionEvent, platform: PlatformEvent): Promise<void>;
  /** The session stopped: idle (for the person, or done) or terminated. */
  onStop?(stop: StopReason): void;
  /** A stream could not be followed for good (refused key, unknown session). */
  onFailure?(error: unknown): void;
  onNote?(line: string): void;
}

const BACKOFF_START_MS = 100;
const BACKOFF_CAP_MS = 5_000;
/** Live previews: never in a history listing, so never a place to read one past. */
const STREAM_ONLY = new Set(['event_start', 'event_delta']);

export class EventMirror {
  /** Per followed stream ('' for the session's): the platform id of the last event it delivered, where its
   * next history listing is read past (before this process delivered any: the fold's `lastPlatformEventId`). */
  private readonly lastDelivered = new Map<string, string>();
  /** A session idle that waits on calls but names none the person waits on yet. It came ahead of the calls
   * (each thread streams on its own connection), or ahead of the check of a hand-in it names, whose outcome
   * decides whether the person waits on it (after a crash, the check runs once the mirror has caught up). It
   * is judged again as events come in and as each check ends; a later session status makes it past. */
  private heldIdle: { event: PlatformEvent; streamThread: string } | undefined;
  private readonly followed = new Set<string>();
  private readonly controller = new AbortController();
  private readonly followers: Promise<void>[] = [];
  /** Per followed thread: resolves once its first history listing is queued. */
  private readonly firstHistory: Promise<void>[] = [];
  private queue: Promise<void> = Promise.resolve();
  /** Calls the person is confirming through this runtime, by local id, until the echo is in the log: the echo
   * comes on the calling thread's stream, and nothing orders that against the session's, whose next idle may
   * still name the call (the session then waits on the worker, not on the person). */
  private readonly confirming = new Set<string>();
  /** Mirrored events, for tests and benches. */
  mirrored = 0;
  reattached = 0;

  constructor(private readonly options: EventMirrorOptions) {}

  /** The person answered the call `localToolUseId` (being sent now); returns the undo for a send that failed. */
  confirmingTool(localToolUseId: string): () => void {
    this.confirming.add(localToolUseId);
    return () => this.confirming.delete(localToolUseId);
  }

  /** A hand-in's check ended: an idle held for it is judged again, in order with the events mirrored. */
  judgeHeldIdleAgain(): void {
    this.queue = this.queue.then(() => this.retryHeldIdle()).catch((error: unknown) => this.options.onFailure?.(error));
  }

  start(): void {
    this.follow(undefined);
    for (const thread of Object.values(this.options.log.state.threads))
      if (thread.parentThreadId !== null && thread.id !== this.options.primaryThread) this.follow(thread.id);
  }

  /** Resolves once the history of every followed thread, as the platform had it on attach, is in the log. */
  async caughtUp(): Promise<void> {
    let seen = -1;
    while (seen !== this.firstHistory.length) {
      seen = this.firstHistory.length;
      await Promise.all(this.firstHistory);
      await this.queue;
    }
  }

  /** Resolves when everything received so far is in the log. */
  drained(): Promise<void> {
    return this.queue;
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await Promise.all(this.followers);
    await this.queue;
  }

  private follow(childThread: string | undefined): void {
    const key = childThread ?? '';
    if (this.followed.has(key)) return;
    this.followed.add(key);
    let listed!: () => void;
    this.firstHistory.push(new Promise<void>((resolve) => (listed = resolve)));
    this.followers.push(this.followLoop(childThread, listed).finally(listed));
  }

  private async followLoop(childThread: string | undefined, listed: () => void): Promise<void> {
    const { client, sessionId } = this.options;
    const signal = this.controller.signal;
    const streamThread = childThread ?? this.options.primaryThread;
    const key = childThread ?? '';
    let backoff = BACKOFF_START_MS;
    let attempt = 0;
    while (!signal.aborted) {
      try {
        // Stream first, then history: nothing can fall between the two.
        const stream = childThread
          ? await client.beta.sessions.threads.events.stream(childThread, { session_id: sessionId }, { signal })
          : await client.beta.sessions.events.stream(sessionId, {}, { signal });
        if (attempt > 0) this.reattached++;
        const history = () =>
          childThread
            ? client.beta.sessions.threads.events.list(childThread, { session_id: sessionId, limit: 1000 }, { signal })
            : client.beta.sessions.events.list(sessionId, { limit: 1000 }, { signal });
        const deliver = (event: PlatformEvent): void => {
          if (!STREAM_ONLY.has(event.type)) this.lastDelivered.set(key, event.id);
          this.enqueue(event, streamThread, childThread === undefined);
        };
        // The stream's first events may be the history's last ones: each is delivered once.
        const listedNow = new Set<string>();
        const resumeAfter =
          this.lastDelivered.get(key) ?? this.options.log.state.threads[streamThread]?.lastPlatformEventId;
        let past = resumeAfter === undefined;
        for await (const listedEvent of history()) {
          const event = listedEvent as unknown as PlatformEvent;
          if (!past) {
            past = event.id === resumeAfter;
            continue;
          }
          listedNow.add(event.id);
          deliver(event);
        }
        if (!past) {
          this.options.onNote?.(
            `the platform's history of thread ${streamThread} no longer holds its last event mirrored (${resumeAfter}); checking it against the thread's records instead`,
          );
          await this.queue; // what was delivered before is in the log
          const inLog = platformIdsOf(this.options.log.threadEvents(streamThread));
          for await (const listedEvent of history()) {
            const event = listedEvent as unknown as PlatformEvent;
            if (inLog.has(event.id)) continue;
            listedNow.add(event.id);
            deliver(event);
          }
        }
        listed();
        backoff = BACKOFF_START_MS;
        for await (const streamed of stream) {
          const event = streamed as unknown as PlatformEvent;
          if (!listedNow.has(event.id)) deliver(event);
        }
      } catch (error) {
        if (signal.aborted) return;
        if (
          error instanceof APIError &&
          error.status !== undefined &&
          error.status >= 400 &&
          error.status < 500 &&
          error.status !== 408 &&
          error.status !== 429
        ) {
          this.options.onFailure?.(error);
          return;
        }
        this.options.onNote?.(
          `the platform's event stream was cut (${(error as Error).message}); re-attaching from the last event mirrored`,
        );
      }
      if (signal.aborted) return;
      attempt++;
      await sleep(backoff, signal);
      backoff = Math.min(backoff * 2, BACKOFF_CAP_MS);
    }
  }

  private enqueue(event: PlatformEvent, streamThread: string, sessionStream: boolean): void {
    // On the session stream a child's events are cross-posted copies; they are taken from the child's
    // own stream, in that thread's order.
    const own = typeof event.session_thread_id === 'string' ? event.session_thread_id : undefined;
    if (sessionStream && own && own !== this.options.primaryThread && event.type !== 'session.thread_created') return;
    this.queue = this.queue
      .then(() => this.mirror(event, streamThread))
      .catch((error: unknown) => this.options.onFailure?.(error));
  }

  private async mirror(event: PlatformEvent, streamThread: string): Promise<void> {
    if (this.controller.signal.aborted) return;
    if (event.type === 'session.thread_created' && typeof event.session_thread_id === 'string')
      this.follow(event.session_thread_id);
    // A later session status says where the session is now: an idle put aside before it is past.
    if (event.type.startsWith('session.status_')) this.heldIdle = undefined;
    const input = translateEvent(event, streamThread, this.context());
    if (!input) {
      if (waitsOnCalls(event)) this.heldIdle = { event, streamThread };
      return;
    }
    const stored = await this.options.log.append(input);
    this.mirrored++;
    await this.options.onMirrored?.(stored, event);
    if (stored.type === 'session.status_idle') this.options.onStop?.(stored.stop_reason);
    else if (stored.type === 'session.status_terminated') this.options.onStop?.({ type: 'end_turn' });
    await this.retryHeldIdle();
  }

  /** A held idle naming calls this mirror has not seen yet is not judged again until they are in. */
  private waitsOnUnmirrored(event: PlatformEvent): boolean {
    const { state } = this.options.log;
    return waitedOn(event).some((id) => !waitingUse(state, id));
  }

  private async retryHeldIdle(): Promise<void> {
    const held = this.heldIdle;
    if (!held || this.waitsOnUnmirrored(held.event)) return;
    this.heldIdle = undefined;
    await this.mirror(held.event, held.streamThread); // held again if the person still waits on none of them
  }

  private context(): TranslationContext {
    const log = this.options.log;
    return {
      primaryThread: this.options.primaryThread,
      running: () => log.state.status === 'running',
      local: (id) => waitingUse(log.state, id),
      openModelRequestOf: (thread) => log.state.threads[thread]?.openModelRequestId,
      heldForPerson: (useId) => {
        const records = managedRecords(log);
        const verdict = records.findLast(
          (e): e is EventOfType<'agent_os.verdict_submitted'> =>
            e.type === 'agent_os.verdict_submitted' && e.model_request_end_id === useId,
        );
        if (verdict) return (verdict.verdict as { decision?: string }).decision === 'APPROVE' ? verdict.id : undefined;
        const plan = records.find((e) => e.type === 'agent_os.plan_submitted' && e.model_request_end_id === useId);
        const asked = plan ? questionsAskedFor(records, plan.id) : undefined;
        return asked && !answersTo(records, asked.id) ? asked.id : undefined;
      },
      confirmed: (useId) =>
        this.confirming.has(useId) ||
        managedRecords(log).some((e) => e.type === 'user.tool_confirmation' && e.tool_use_id === useId),
      delegationFor: (thread, event) => delegationOf(log, thread, event),
      agentVersion: this.options.agentVersion,
      modelOf: (thread) => this.options.modelOf(log.state.threads[thread]?.agentName ?? ''),
      priceOf: this.options.priceOf,
    };
  }
}

/** Links a thread message to the delegation call it carries out (caller → callee) or answers (back). */
function delegationOf(log: SessionLog, thread: string, event: PlatformEvent): string | undefined {
  const to = String(event.to_session_thread_id);
  const threads = log.state.threads;
  const sent = managedRecords(log).filter(
    (e): e is EventOfType<'agent.thread_message_sent'> => e.type === 'agent.thread_message_sent',
  );
  if (threads[to]?.parentThreadId === thread) {
    const linked = new Set(sent.map((e) => e.delegation_tool_use_id));
    const calls = [...(threads[thread]?.pendingToolUses.values() ?? [])].filter(
      (use) =>
        use.name === PLATFORM_DELEGATION_TOOL &&
        !linked.has(use.id) &&
        (use.input as { agent_name?: unknown }).agent_name === threads[to]?.agentName,
    );
    return calls[0]?.id;
  }
  // A reply: the delegation that last reached this thread.
  return [...sent].reverse().find((e) => e.to_session_thread_id === thread && e.delegation_tool_use_id)
    ?.delegation_tool_use_id;
}

/** A tool use still waiting for its answer, by its platform id (the fold keeps each thread's waiting calls). */
function waitingUse(state: SessionState, platformId: string): SessionEvent | undefined {
  for (const thread of Object.values(state.threads))
    for (const use of thread.pendingToolUses.values()) if (use.platform_event_id === platformId) return use;
  return undefined;
}

/** The platform ids of the calls a `requires_action` session idle waits on (none for any other event). */
function waitedOn(event: PlatformEvent): string[] {
  if (event.type !== 'session.status_idle') return [];
  const stop = event.stop_reason as { type?: string; event_ids?: unknown } | undefined;
  return stop?.type === 'requires_action' && Array.isArray(stop.event_ids) ? stop.event_ids.map(String) : [];
}

function waitsOnCalls(event: PlatformEvent): boolean {
  return waitedOn(event).length > 0;
}

function platformIdsOf(events: readonly SessionEvent[]): Set<string> {
  return new Set(events.flatMap((e) => (e.platform_event_id ? [e.platform_event_id] : [])));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
