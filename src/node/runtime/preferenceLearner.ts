// The runtime's side of preference learning: the lessons of a session not looked at yet (Request Changes,
// denials with a reason, answers, the Reviewer's REJECTs) go to one model call, and what it distils is saved
// as the repository's next preferences version and recorded in the log. Run after a Request Changes and
// whenever a run of the session stops waiting for someone, so a Reviewer's rejection is learned in the same
// session that made it.
import { DEFAULT_AGENT_MODEL } from '../../core/agents/agentModels.ts';
import type { SessionEvent } from '../../core/events/sessionEvent.ts';
import { inLogOrder, type SessionLog } from '../../core/harness/sessionLog.ts';
import { assistantText } from '../../core/harness/threadContext.ts';
import {
  learningRequest,
  LESSON_EVENT_TYPES,
  lessonsToLearn,
  PREFERENCES_AGENT,
  readLearned,
} from '../../core/pipeline/preferenceLearning.ts';
import type { SessionMeta } from '../../core/session/sessionStore.ts';
import type { AgentOsRuntimeOptions } from './runtimeOptions.ts';

/** Whether a session teaches preferences at all: learning is on, and the person did not mark it. */
export function learnsFrom(options: AgentOsRuntimeOptions, meta: SessionMeta): boolean {
  return (
    options.preferences !== undefined &&
    options.settings.learnPreferences &&
    meta.metadata['learn'] !== 'no' &&
    meta.repository !== undefined
  );
}

/** A failed model call loses nothing but the lesson, for now: the lessons are looked at again next time. */
export async function learnPreferences(
  options: AgentOsRuntimeOptions,
  meta: SessionMeta,
  log: SessionLog,
): Promise<void> {
  const store = options.preferences;
  // The mark may have been set since the run began (VS Code's Don't Learn from Session): read it now.
  const current = await options.store.get(meta.id).catch(() => meta);
  if (!store || !learnsFrom(options, current) || !meta.repository) return;
  const lessons = lessonsToLearn(lessonRecords(log));
  if (lessons.length === 0) return;
  let answer: string;
  try {
    const response = await options.model.createMessage(learningRequest(lessons, DEFAULT_AGENT_MODEL), {
      agentName: PREFERENCES_AGENT,
    });
    answer = assistantText(response.content);
  } catch {
    return;
  }
  const lines = readLearned(answer, lessons);
  const saved = await store.learn(
    meta.repository,
    lines.map((l) => ({ text: l.text, sessionId: meta.id, eventId: l.eventId })),
  );
  await log.append({
    type: 'agent_os.preferences_learned',
    thread: log.state.primaryThreadId as string,
    ...(saved ? { version: saved.version } : {}),
    lines: saved ? lines.map((l) => ({ text: l.text, source_event_id: l.eventId })) : [],
    considered_event_ids: lessons.map((l) => l.eventId),
  });
}

/** The records lessons are read from, and the calls the person denied (a denial is shown with its call). */
function lessonRecords(log: SessionLog): SessionEvent[] {
  const records = log.eventsOfTypes(LESSON_EVENT_TYPES);
  const deniedIn = new Set(
    records.flatMap((e) => (e.type === 'user.tool_confirmation' && e.result === 'deny' ? [e.thread] : [])),
  );
  const calls = [...deniedIn].map((thread) => log.threadEvents(thread).filter((e) => e.type === 'agent.tool_use'));
  return inLogOrder(records, ...calls);
}
