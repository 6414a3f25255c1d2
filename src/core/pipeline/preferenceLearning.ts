// Preference learning: the corrections in a session (the person's Request Changes texts, denied tool calls
// with a reason, answers to the Planner's questions, and the Reviewer's REJECT verdicts) are distilled by a
// model call into lasting preferences for the repository, each tied to the event that taught it. Pure parts:
// what counts as a lesson, which ones are still to learn, the request, and reading the model's answer.
import type { SessionEvent } from '../events/sessionEvent.ts';
import type { Verdict } from '../agents/verdictSchema.ts';
import type { ModelRequest } from '../model/modelClient.ts';

export interface Lesson {
  eventId: string;
  kind: 'request_changes' | 'tool_denial' | 'answer' | 'review_rejection';
  text: string;
}

export const PREFERENCES_AGENT = 'Preferences';

/** The records lessons come from (and those that say which were learned): with the calls a person denied, what
 * a long log's reader hands lessonsToLearn instead of the log. */
export const LESSON_EVENT_TYPES = [
  'agent_os.approval',
  'user.tool_confirmation',
  'agent_os.questions_asked',
  'agent_os.questions_answered',
  'agent_os.verdict_submitted',
  'agent_os.preferences_learned',
] as const;

export function lessonsOf(events: readonly SessionEvent[]): Lesson[] {
  const out: Lesson[] = [];
  const byId = new Map(events.map((e) => [e.id, e]));
  for (const e of events) {
    if (e.type === 'agent_os.approval' && e.decision === 'reject' && e.feedback)
      out.push({ eventId: e.id, kind: 'request_changes', text: e.feedback });
    if (e.type === 'user.tool_confirmation' && e.result === 'deny' && e.deny_message)
      out.push({ eventId: e.id, kind: 'tool_denial', text: denialText(byId.get(e.tool_use_id), e.deny_message) });
    if (e.type === 'agent_os.questions_answered')
      out.push({ eventId: e.id, kind: 'answer', text: answerText(byId.get(e.questions_event_id), e.answers) });
    if (e.type === 'agent_os.verdict_submitted' && e.verdict.decision === 'REJECT')
      out.push({ eventId: e.id, kind: 'review_rejection', text: rejectionText(e.verdict) });
  }
  return out;
}

const CALL_CHARS = 300;

/** The reason with the call it refused: "no" to an unnamed command teaches nothing. */
function denialText(use: SessionEvent | undefined, reason: string): string {
  if (use?.type !== 'agent.tool_use') return reason;
  const input = JSON.stringify(use.input);
  return `${reason} (denied ${use.name} ${input.length > CALL_CHARS ? `${input.slice(0, CALL_CHARS)}…` : input})`;
}

/** Each answer with the question it answers ("go ahead" alone says nothing). */
function answerText(asked: SessionEvent | undefined, answers: readonly string[]): string {
  const questions = asked?.type === 'agent_os.questions_asked' ? asked.questions : [];
  return answers.map((a, i) => (questions[i] ? `Q: ${questions[i]} A: ${a}` : a)).join(' / ');
}

/** The lessons no learning has looked at yet: a lesson is given to the model once, whether or not it taught
 * anything (an answer of NONE is an answer, not a reason to ask again at every stop). */
export function lessonsToLearn(events: readonly SessionEvent[]): Lesson[] {
  const seen = new Set(
    events.flatMap((e) =>
      e.type === 'agent_os.preferences_learned'
        ? [...(e.considered_event_ids ?? []), ...e.lines.map((l) => l.source_event_id)]
        : [],
    ),
  );
  return lessonsOf(events).filter((l) => !seen.has(l.eventId));
}

function rejectionText(verdict: Extract<Verdict, { decision: 'REJECT' }>): string {
  const fixes = verdict.fixes.map((f) => `${f.file ? `${f.file}: ` : ''}${f.problem} → ${f.fix}`);
  return [verdict.summary, ...fixes].join('; ');
}

const SYSTEM = `You distill corrections to coding agents (by the person, or by the agent that reviews their work) into lasting preferences for the repository they work on.
Answer with one preference per line, each as "- <preference> (from <n>)", where n is the number of the correction it comes from.
Keep only what should guide later work (style, process, what to avoid, what to always do); leave out what only concerns this one change.
If nothing is lasting, answer NONE.`;

export function learningRequest(lessons: readonly Lesson[], model: string): ModelRequest {
  const list = lessons.map((l, i) => `${i + 1}. (${l.kind.replace('_', ' ')}) ${l.text}`).join('\n');
  return {
    model,
    max_tokens: 1024,
    system: SYSTEM,
    tools: [],
    messages: [{ role: 'user', content: [{ type: 'text', text: `The person's corrections:\n${list}` }] }],
  };
}

/** The model's lines, each with the lesson it cites (a line citing none is dropped: no provenance, no preference). */
export function readLearned(answer: string, lessons: readonly Lesson[]): { text: string; eventId: string }[] {
  const out: { text: string; eventId: string }[] = [];
  for (const line of answer.split('\n')) {
    const m = /^\s*[-*]\s+(.+?)\s*\(from\s+(\d+)\)\s*$/.exec(line);
    const lesson = m ? lessons[Number(m[2]) - 1] : undefined;
    if (m && lesson) out.push({ text: (m[1] as string).slice(0, 300), eventId: lesson.eventId });
  }
  return out;
}
