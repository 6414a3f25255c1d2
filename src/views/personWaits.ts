// What a session waits for the person to answer, read from its log: an `always_ask` tool call nobody has
// confirmed or denied yet, the Planner's questions before the Coder starts, or the Reviewer's APPROVE nobody
// has approved or sent back. The answer may come
// from anywhere (the Event Log's cards, a notification, the palette, the CLI in another terminal): it is an
// event in the log, so folding the log is how every surface learns that the question is gone.
import type { EventOfType, SessionEvent } from '../core/events/sessionEvent.ts';
import type { LogFold } from '../core/session/logFold.ts';
import { showControlCharacters } from './controlCharacters.ts';
import { toolInputSummary } from './eventRows.ts';
import { UNCONFINED_NOTICE } from '../core/tools/unconfinedTools.ts';

export type PersonWait =
  | {
      kind: 'tool';
      key: string;
      seq: number;
      toolUseEventId: string;
      agent: string;
      tool: string;
      input: string;
      /** The session's sandbox confines nothing: the call asks because every command does. */
      unconfined?: boolean;
    }
  | {
      kind: 'questions';
      key: string;
      seq: number;
      questionsEventId: string;
      questions: string[];
      lowConfidence: boolean;
    }
  | { kind: 'verdict'; key: string; seq: number; verdictEventId: string; summary: string };

export interface SessionWaits {
  sessionId: string;
  agents: Map<string, string>;
  /** Unanswered `always_ask` calls by event id, in log order. */
  asks: Map<string, EventOfType<'agent.tool_use'>>;
  verdict?: EventOfType<'agent_os.verdict_submitted'>;
  questions?: EventOfType<'agent_os.questions_asked'>;
  unconfined?: boolean;
  lastSeq: number;
}

/** What waits for the person, as a fold the store checkpoints (the Threads tree opens a session with it). */
export const PERSON_WAITS_FOLD: LogFold<SessionWaits> = {
  name: 'person-waits',
  version: 1,
  start: (sessionId) => ({ sessionId, agents: new Map(), asks: new Map(), lastSeq: 0 }),
  apply: takeWait,
  save: (s) => ({ ...s, agents: [...s.agents], asks: [...s.asks.values()] }),
  load: (saved, sessionId) => {
    const s = saved as
      | (Omit<SessionWaits, 'agents' | 'asks'> & {
          agents: Array<[string, string]>;
          asks: Array<EventOfType<'agent.tool_use'>>;
        })
      | null;
    if (
      s?.sessionId !== sessionId ||
      !Array.isArray(s.agents) ||
      !Array.isArray(s.asks) ||
      typeof s.lastSeq !== 'number'
    )
      return undefined;
    return { ...s, agents: new Map(s.agents), asks: new Map(s.asks.map((a) => [a.id, a])) };
  },
};

function takeWait(s: SessionWaits, e: SessionEvent): void {
  if (e.seq <= s.lastSeq) return;
  s.lastSeq = e.seq;
  switch (e.type) {
    case 'session.thread_created':
      s.agents.set(e.session_thread_id, e.agent_name);
      break;
    case 'agent_os.session_configured':
      s.unconfined = !e.sandbox.confined;
      break;
    case 'agent.tool_use':
      if (e.evaluated_permission === 'ask') s.asks.set(e.id, e);
      break;
    case 'user.tool_confirmation':
      s.asks.delete(e.tool_use_id);
      break;
    case 'agent.tool_result':
      s.asks.delete(e.tool_use_id);
      break;
    case 'agent_os.verdict_submitted':
      if (e.verdict.decision === 'APPROVE') s.verdict = e;
      else delete s.verdict;
      break;
    case 'agent_os.approval':
      if (s.verdict?.id === e.verdict_event_id) delete s.verdict;
      break;
    case 'agent_os.questions_asked':
      s.questions = e;
      break;
    case 'agent_os.questions_answered':
      if (s.questions?.id === e.questions_event_id) delete s.questions;
      break;
    case 'agent_os.pull_request_opened':
    case 'session.status_terminated':
      delete s.verdict;
      delete s.questions;
      s.asks.clear();
      break;
    default:
      break;
  }
}

export class PersonWaits {
  private readonly sessions = new Map<string, SessionWaits>();

  /** Folds events in log order; already-seen seqs are skipped, so applying is idempotent. */
  apply(sessionId: string, events: readonly SessionEvent[]): void {
    let s = this.sessions.get(sessionId);
    if (!s) this.sessions.set(sessionId, (s = PERSON_WAITS_FOLD.start(sessionId)));
    for (const e of events) takeWait(s, e);
  }

  /** Starts a session from its waits as the store folded them (a checkpoint plus the tail); events
   * applied later that the fold already had are skipped. */
  start(sessionId: string, waits: SessionWaits): void {
    const known = this.sessions.get(sessionId);
    if (!known || known.lastSeq < waits.lastSeq) this.sessions.set(sessionId, waits);
  }

  forget(sessionId: string): void {
    this.sessions.delete(sessionId);
  }

  /** The oldest question of the session still open, if any: one at a time, so one notification. */
  current(sessionId: string, relative: (text: string) => string = (t) => t): PersonWait | undefined {
    const s = this.sessions.get(sessionId);
    if (!s) return undefined;
    const ask = s.asks.values().next().value;
    if (ask) {
      return {
        kind: 'tool',
        key: `tool:${ask.id}`,
        seq: ask.seq,
        toolUseEventId: ask.id,
        agent: s.agents.get(ask.thread) ?? 'An agent',
        tool: ask.name,
        input: relative(toolInputSummary(ask.name, ask.input)),
        ...(s.unconfined ? { unconfined: true } : {}),
      };
    }
    if (s.questions) {
      const q = s.questions;
      return {
        kind: 'questions',
        key: `questions:${q.id}`,
        seq: q.seq,
        questionsEventId: q.id,
        questions: q.questions,
        lowConfidence: q.reason === 'low_confidence',
      };
    }
    if (s.verdict) {
      return {
        kind: 'verdict',
        key: `verdict:${s.verdict.id}`,
        seq: s.verdict.seq,
        verdictEventId: s.verdict.id,
        summary: s.verdict.verdict.summary,
      };
    }
    return undefined;
  }

  /** How many questions the session has open (tool calls and the verdict). */
  openCount(sessionId: string): number {
    const s = this.sessions.get(sessionId);
    return s ? s.asks.size + (s.verdict ? 1 : 0) + (s.questions ? 1 : 0) : 0;
  }
}

/** A notification's action: a button label and the command it runs with the session's arguments. */
export interface NoticeAction {
  label: string;
  command: string;
  args: Record<string, string>;
}

export interface Notice {
  message: string;
  actions: NoticeAction[];
}

const NOTICE_TEXT_MAX = 180;

/** What the notification says and offers for a wait. `title` is the session's title. */
export function noticeFor(sessionId: string, title: string, wait: PersonWait): Notice {
  if (wait.kind === 'tool') {
    const args = { sessionId, toolUseEventId: wait.toolUseEventId };
    return {
      message:
        `${noticeText(wait.agent)} asks to run ${noticeText(wait.tool)}: ${noticeText(wait.input)} ("${noticeText(title)}")` +
        (wait.unconfined ? ` — ${UNCONFINED_NOTICE}` : ''),
      actions: [
        { label: 'Allow', command: 'agentOs.allowTool', args },
        { label: 'Deny…', command: 'agentOs.denyTool', args },
        { label: 'Open Event Log', command: 'agentOs.openEventLog', args: { sessionId } },
      ],
    };
  }
  if (wait.kind === 'questions') {
    const first = wait.questions[0] ?? '';
    const more = wait.questions.length > 1 ? ` (+${wait.questions.length - 1} more)` : '';
    return {
      message: `The Planner asks before the Coder starts on "${noticeText(title)}"${wait.lowConfidence ? ' (low confidence)' : ''}: ${noticeText(first)}${more}`,
      actions: [
        {
          label: 'Answer…',
          command: 'agentOs.answerQuestions',
          args: { sessionId, questionsEventId: wait.questionsEventId },
        },
        { label: 'Open Event Log', command: 'agentOs.openEventLog', args: { sessionId } },
      ],
    };
  }
  const args = { sessionId, verdictEventId: wait.verdictEventId };
  return {
    message: `Reviewer approves "${noticeText(title)}": ${noticeText(wait.summary)}`,
    actions: [
      { label: 'Approve and Create PR', command: 'agentOs.approveAndCreatePr', args },
      { label: 'Show Changes', command: 'agentOs.showChanges', args: { sessionId } },
      { label: 'Request Changes…', command: 'agentOs.requestChanges', args },
      { label: 'Open Event Log', command: 'agentOs.openEventLog', args: { sessionId } },
    ],
  };
}

/** The message with its actions as command links (`[Allow](command:agentOs.allowTool?…)`), which a
 * notification shows as links that wrap (buttons are cut: "Approve and C…"). */
export function noticeWithLinks(notice: Notice): string {
  const links = notice.actions.map(
    (a) => `[${a.label}](command:${a.command}?${encodeURIComponent(JSON.stringify([a.args]))})`,
  );
  return `${notice.message} — ${links.join(' · ')}`;
}

/**
 * Model or tool text as a notification shows it: one line, clipped, control characters visible, and no
 * square brackets (as fullwidth ［ ］) — a notification turns `[text](command:…)` into a link that runs a
 * command, so text from a model could otherwise offer a "Deny" that allows, a command of its own choosing,
 * or an open `[` that swallows the label of the notification's own link.
 */
export function noticeText(text: string): string {
  const line = withoutLinks(text).replace(/\s+/g, ' ').trim();
  return line.length > NOTICE_TEXT_MAX ? `${line.slice(0, NOTICE_TEXT_MAX - 1)}…` : line;
}

/** Text for any notification (an error's message too): control characters visible, brackets fullwidth. */
export function withoutLinks(text: string): string {
  return showControlCharacters(text).replace(/\[/g, '［').replace(/\]/g, '］');
}
