// Preference learning: the person's corrections in a session (Request Changes texts, denied tool calls with a
// reason, answers to the Planner's questions) are distilled by a model call into lasting preferences for the
// repository, each tied to the event that taught it. Pure parts: what counts as a lesson, the request, and
// reading the model's answer.
import type { SessionEvent } from '../events/sessionEvent.ts';
import type { ModelRequest } from '../model/modelClient.ts';

export interface Lesson {
  eventId: string;
  kind: 'request_changes' | 'tool_denial' | 'answer';
  text: string;
}

export const PREFERENCES_AGENT = 'Preferences';

export function lessonsOf(events: readonly SessionEvent[]): Lesson[] {
  const out: Lesson[] = [];
  for (const e of events) {
    if (e.type === 'agent_os.approval' && e.decision === 'reject' && e.feedback) out.push({ eventId: e.id, kind: 'request_changes', text: e.feedback });
    if (e.type === 'user.tool_confirmation' && e.result === 'deny' && e.deny_message) out.push({ eventId: e.id, kind: 'tool_denial', text: e.deny_message });
    if (e.type === 'agent_os.questions_answered') out.push({ eventId: e.id, kind: 'answer', text: e.answers.join(' / ') });
  }
  return out;
}

const SYSTEM = `You distill a person's corrections to coding agents into lasting preferences for the repository they work on.
Answer with one preference per line, each as "- <preference> (from <n>)", where n is the number of the correction it comes from.
Keep only what should guide later work (style, process, what to avoid, what to always do); leave out what only concerns this one change.
If nothing is lasting, answer NONE.`;

export function learningRequest(lessons: readonly Lesson[], model: string): ModelRequest {
  const list = lessons.map((l, i) => `${i + 1}. (${l.kind.replace('_', ' ')}) ${l.text}`).join('\n');
  return { model, max_tokens: 1024, system: SYSTEM, tools: [], messages: [{ role: 'user', content: [{ type: 'text', text: `The person's corrections:\n${list}` }] }] };
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
