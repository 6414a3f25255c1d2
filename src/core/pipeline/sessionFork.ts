// Forking a session from one of its events: the fork's log is the source's up to that event, and its files
// start at the latest commit Agent OS recorded at or before it — a Coder's checkpoint (or a merge), a
// verdict's head, else the session's base. A fork is then woken like a session after a crash at that event:
// calls without a result are answered as interrupted, requests without an end are sent again. Calls between
// that commit and the fork point that may have changed files are named, in the fork's first event and to its
// agents, because their effects are not in the fork's files. Pure: decisions from the log (forkNoteInLog reads it
// from the store a page at a time).
import { InvalidArgumentError, StateCorruptError } from '../errors.ts';
import type { EventInput, EventOfType, SessionEvent } from '../events/sessionEvent.ts';
import { logPages } from '../session/logPages.ts';
import type { SessionStore } from '../session/sessionStore.ts';
import { roleRules } from './roles.ts';

/** Tools whose calls can change a writer's files. */
const FILE_CHANGING_TOOLS = new Set(['write', 'edit', 'bash']);

export interface ForkPoint {
  /** The fork point's event. */
  event: SessionEvent;
  /** The commit the fork's files start at, or undefined for the session's base commit. */
  filesCommit: string | undefined;
  filesEventId: string | undefined;
  unrecordedToolUseIds: string[];
}

/** The fork point named by an event id or a seq (a number, as the CLI takes it). */
export function findForkPoint(events: Iterable<SessionEvent>, sessionId: string, at: string): ForkPoint {
  const finder = new ForkPointFinder(sessionId, at);
  for (const event of events) finder.add(event);
  return finder.point();
}

/**
 * The fork point, found in one pass over the source's log that keeps none of its events, only what the
 * point needs (the writers' calls, the threads, the latest files record): a fork of a session of a million
 * events reads it page by page. `done` once the point and the session's start are behind it.
 */
export class ForkPointFinder {
  private seen = 0;
  private event: SessionEvent | undefined;
  private firstTask: SessionEvent | undefined;
  /** The session's primary thread and configuration, as sessionFork.ts needs them. */
  created: EventOfType<'session.thread_created'> | undefined;
  configured: EventOfType<'agent_os.session_configured'> | undefined;
  private files: { commit: string; id: string; seq: number } | undefined;
  private readonly threads = new Map<string, { agent: string; key?: string }>();
  private readonly mergedAt = new Map<string, number>();
  private readonly writes: { id: string; seq: number; thread: string }[] = [];
  private readonly atSeq: number | undefined;

  constructor(
    private readonly sessionId: string,
    private readonly at: string,
  ) {
    this.atSeq = /^\d+$/.test(at) ? Number(at) : undefined;
  }

  get done(): boolean {
    return (
      this.event !== undefined &&
      this.firstTask !== undefined &&
      this.created !== undefined &&
      this.configured !== undefined
    );
  }

  add(e: SessionEvent): void {
    this.seen++;
    if (!this.firstTask && e.type === 'user.message') this.firstTask = e;
    if (!this.created && e.type === 'session.thread_created' && e.parent_thread_id === null) this.created = e;
    if (!this.configured && e.type === 'agent_os.session_configured') this.configured = e;
    if (this.event) return; // what follows the point is not in the fork
    if (e.type === 'session.thread_created')
      this.threads.set(e.session_thread_id, { agent: e.agent_name, ...(e.thread_key ? { key: e.thread_key } : {}) });
    this.files = filesRecordOf(e) ?? this.files;
    if (e.type === 'agent_os.checkpoint' && e.thread_key) this.mergedAt.set(e.thread_key, e.seq);
    if (e.type === 'agent.tool_use' && FILE_CHANGING_TOOLS.has(e.name))
      this.writes.push({ id: e.id, seq: e.seq, thread: e.thread });
    if (this.atSeq !== undefined ? this.seen === this.atSeq : e.id === this.at) this.event = e;
  }

  point(): ForkPoint {
    const { event, firstTask, sessionId } = this;
    if (!event)
      throw new InvalidArgumentError(
        `session ${sessionId} has no event ${JSON.stringify(this.at)} (give an event id, sevt_…, or a seq from 1 to ${this.seen})`,
      );
    if (!firstTask || firstTask.seq > event.seq) {
      if (!firstTask)
        throw new StateCorruptError(
          `session ${sessionId} was never started (it has no task): there is nothing to fork`,
        );
      throw new InvalidArgumentError(
        `event ${event.seq} comes before session ${sessionId} was started; fork from event ${firstTask.seq} or later`,
      );
    }
    return {
      event,
      filesCommit: this.files?.commit,
      filesEventId: this.files?.id,
      unrecordedToolUseIds: this.unrecordedCalls(this.files?.seq ?? 0),
    };
  }

  /** Writers' calls after `afterSeq` that may have changed files. A parallel Coder's (a thread key) count from
   * its latest merge instead: until merged, its work is in no commit of the session branch. */
  private unrecordedCalls(afterSeq: number): string[] {
    return this.writes
      .filter((call) => {
        const thread = this.threads.get(call.thread);
        const { result } = roleRules(thread?.agent ?? '');
        if (result === 'plan' || result === 'verdict') return false;
        const from = thread?.key !== undefined ? (this.mergedAt.get(thread.key) ?? 0) : afterSeq;
        return call.seq > from;
      })
      .map((call) => call.id);
  }
}

/** The fork's first event after the copied prefix. */
export function forkedEvent(
  point: ForkPoint,
  sourceId: string,
  primaryThreadId: string,
  filesCommit: string,
): EventInput {
  return {
    type: 'agent_os.session_forked',
    thread: primaryThreadId,
    from_session_id: sourceId,
    from_event_id: point.event.id,
    from_seq: point.event.seq,
    files_commit: filesCommit,
    ...(point.filesEventId ? { files_event_id: point.filesEventId } : {}),
    unrecorded_tool_use_ids: point.unrecordedToolUseIds,
  };
}

/** What the fork's agents are told, when its files lack effects of calls in their history. */
export function forkNote(events: readonly SessionEvent[]): string | undefined {
  const forked = events.find((e): e is EventOfType<'agent_os.session_forked'> => e.type === 'agent_os.session_forked');
  return forked && forkNoteOf(forked, events);
}

/** The fork note of a session as the harness knows it: its `session_forked` (kept by the fold) and the calls it
 * names, found in the copied events before it a page at a time (only when it names any). */
export async function forkNoteInLog(
  store: Pick<SessionStore, 'readPage'>,
  sessionId: string,
  forked: EventOfType<'agent_os.session_forked'> | undefined,
): Promise<string | undefined> {
  if (!forked) return undefined;
  const ids = new Set(forked.unrecorded_tool_use_ids);
  const calls: SessionEvent[] = [];
  if (ids.size > 0)
    for await (const page of logPages(store, sessionId, forked.seq))
      for (const e of page) if (ids.has(e.id)) calls.push(e);
  return forkNoteOf(forked, calls);
}

/** What a fork's agents are told: where its files come from, and the calls whose effects they lack (`calls`
 * holds them, among other events). */
function forkNoteOf(forked: EventOfType<'agent_os.session_forked'>, calls: readonly SessionEvent[]): string {
  const head = `This session was forked from session ${forked.from_session_id} at its event ${forked.from_seq}, to try again from there. Its files are as they were at commit ${forked.files_commit.slice(0, 12)}.`;
  if (forked.unrecorded_tool_use_ids.length === 0) return head;
  const ids = new Set(forked.unrecorded_tool_use_ids);
  const named = calls.filter((c): c is EventOfType<'agent.tool_use'> => c.type === 'agent.tool_use' && ids.has(c.id));
  return (
    `${head} The effects of ${named.length} earlier call(s) in the history are NOT in the files (they came after that commit): ` +
    `${named.map((c) => `${c.name} ${describeInput(c.input)}`).join('; ')}. Read the files before relying on them, and redo what is still needed.`
  );
}

/** A record of the session branch's commit: a checkpoint, a verdict's head, a pull request's head. */
function filesRecordOf(e: SessionEvent): { commit: string; id: string; seq: number } | undefined {
  if (e.type === 'agent_os.checkpoint') return { commit: e.commit, id: e.id, seq: e.seq };
  if (e.type === 'agent_os.verdict_submitted') return { commit: e.evidence.head_commit, id: e.id, seq: e.seq };
  if (e.type === 'agent_os.pull_request_opened') return { commit: e.head_commit, id: e.id, seq: e.seq };
  return undefined;
}

function describeInput(input: unknown): string {
  const value = input as { file_path?: unknown; command?: unknown } | null;
  const what =
    typeof value?.file_path === 'string'
      ? value.file_path
      : typeof value?.command === 'string'
        ? `\`${value.command}\``
        : '';
  return what.length > 120 ? `${what.slice(0, 117)}...` : what;
}
