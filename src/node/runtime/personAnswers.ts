// What the person answers a session that waits for them — allow or deny a tool call, answer the Planner's
// questions — as the events that carry it. Naming an event that is not the one waiting is a conflict with
// the session's state (STATE_CONFLICT), and nothing is written.
import { StateConflictError } from '../../core/errors.ts';
import type { EventInput } from '../../core/events/sessionEvent.ts';
import type { SessionLog } from '../../core/harness/sessionLog.ts';
import { answerEvents, openQuestions } from '../../core/pipeline/planQuestions.ts';
import { pendingToolUse } from '../../core/session/sessionState.ts';

export function toolConfirmationEvent(
  log: SessionLog,
  toolUseEventId: string,
  allow: boolean,
  denyMessage?: string,
): EventInput {
  // Only a call still waiting can be confirmed: the fold keeps each thread's pending calls.
  const use = pendingToolUse(log.state, toolUseEventId);
  if (!use || use.evaluated_permission !== 'ask') {
    throw new StateConflictError(`event ${toolUseEventId} is not a tool call waiting for confirmation`);
  }
  return {
    type: 'user.tool_confirmation',
    thread: use.thread,
    tool_use_id: toolUseEventId,
    result: allow ? 'allow' : 'deny',
    ...(denyMessage ? { deny_message: denyMessage } : {}),
  };
}

/** The answers go to the Planner's caller, whose revised plan then goes on. */
export function questionAnswerEvents(
  log: SessionLog,
  questionsEventId: string,
  answers: readonly string[],
): EventInput[] {
  const asked = openQuestions(log.eventsOfTypes(['agent_os.questions_asked', 'agent_os.questions_answered']));
  if (!asked || asked.id !== questionsEventId) {
    throw new StateConflictError(
      `event ${questionsEventId} is not the Planner's open questions of session ${log.sessionId}`,
    );
  }
  const parent = log.state.threads[asked.thread]?.parentThreadId ?? (log.state.primaryThreadId as string);
  return answerEvents(asked, answers, parent);
}
