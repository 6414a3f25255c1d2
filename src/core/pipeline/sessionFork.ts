// Forking a session from one of its events: the fork's log is the source's up to that event, and its files
// start at the latest commit Agent OS recorded at or before it — a Coder's checkpoint (or a merge), a
// verdict's head, else the session's base. A fork is then woken like a session after a crash at that event:
// calls without a result are answered as interrupted, requests without an end are sent again. Calls between
// that commit and the fork point that may have changed files are named, in the fork's first event and to its
// agents, because their effects are not in the fork's files. Pure: decisions from the log.
import { InvalidArgumentError, StateCorruptError } from '../errors.ts';
import type { EventInput, EventOfType, SessionEvent } from '../events/sessionEvent.ts';
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
export function findForkPoint(events: readonly SessionEvent[], sessionId: string, at: string): ForkPoint {
  const event = /^\d+$/.test(at) ? events[Number(at) - 1] : events.find((e) => e.id === at);
  if (!event)
    throw new InvalidArgumentError(
      `session ${sessionId} has no event ${JSON.stringify(at)} (give an event id, sevt_…, or a seq from 1 to ${events.length})`,
    );
  const firstTask = events.find((e) => e.type === 'user.message');
  if (!firstTask)
    throw new StateCorruptError(`session ${sessionId} was never started (it has no task): there is nothing to fork`);
  if (event.seq < firstTask.seq) {
    throw new InvalidArgumentError(
      `event ${event.seq} comes before session ${sessionId} was started; fork from event ${firstTask.seq} or later`,
    );
  }
  const prefix = events.slice(0, event.seq);
  const files = latestFilesRecord(prefix);
  return {
    event,
    filesCommit: files?.commit,
    filesEventId: files?.id,
    unrecordedToolUseIds: unrecordedCalls(prefix, files?.seq ?? 0),
  };
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
  if (!forked) return undefined;
  const head = `This session was forked from session ${forked.from_session_id} at its event ${forked.from_seq}, to try again from there. Its files are as they were at commit ${forked.files_commit.slice(0, 12)}.`;
  if (forked.unrecorded_tool_use_ids.length === 0) return head;
  const ids = new Set(forked.unrecorded_tool_use_ids);
  const calls = events.filter((e): e is EventOfType<'agent.tool_use'> => e.type === 'agent.tool_use' && ids.has(e.id));
  return (
    `${head} The effects of ${calls.length} earlier call(s) in the history are NOT in the files (they came after that commit): ` +
    `${calls.map((c) => `${c.name} ${describeInput(c.input)}`).join('; ')}. Read the files before relying on them, and redo what is still needed.`
  );
}

/** The latest record of the session branch's commit: a checkpoint, a verdict's head, a pull request's head. */
function latestFilesRecord(prefix: readonly SessionEvent[]): { commit: string; id: string; seq: number } | undefined {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const e = prefix[i] as SessionEvent;
    if (e.type === 'agent_os.checkpoint') return { commit: e.commit, id: e.id, seq: e.seq };
    if (e.type === 'agent_os.verdict_submitted') return { commit: e.evidence.head_commit, id: e.id, seq: e.seq };
    if (e.type === 'agent_os.pull_request_opened') return { commit: e.head_commit, id: e.id, seq: e.seq };
  }
  return undefined;
}

/** Writers' calls after `afterSeq` that may have changed files. A parallel Coder's (a thread key) count from
 * its latest merge instead: until merged, its work is in no commit of the session branch. */
function unrecordedCalls(prefix: readonly SessionEvent[], afterSeq: number): string[] {
  const threads = new Map<string, { agent: string; key?: string }>();
  const mergedAt = new Map<string, number>();
  for (const e of prefix) {
    if (e.type === 'session.thread_created')
      threads.set(e.session_thread_id, { agent: e.agent_name, ...(e.thread_key ? { key: e.thread_key } : {}) });
    if (e.type === 'agent_os.checkpoint' && e.thread_key) mergedAt.set(e.thread_key, e.seq);
  }
  return prefix
    .filter((e): e is EventOfType<'agent.tool_use'> => {
      if (e.type !== 'agent.tool_use' || !FILE_CHANGING_TOOLS.has(e.name)) return false;
      const thread = threads.get(e.thread);
      const { result } = roleRules(thread?.agent ?? '');
      if (result === 'plan' || result === 'verdict') return false;
      const from = thread?.key !== undefined ? (mergedAt.get(thread.key) ?? 0) : afterSeq;
      return e.seq > from;
    })
    .map((e) => e.id);
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
