// Questions before work: a plan that carries open questions, or whose confidence (the plan's or a step's)
// is below the threshold, or any plan when the person chose "ask before execution", waits for the person
// before the Coder starts (`agent_os.questions_asked`, the session idles with requires_action on it). The
// answers (`agent_os.questions_answered`) go to the Planner's thread as a message; its revised plan is then
// accepted without asking again, unless the person chose to be asked always. Pure: decisions from the log.
import type { EventInput, EventOfType, SessionEvent } from '../events/sessionEvent.ts';
import type { Plan } from '../agents/planSchema.ts';

export interface QuestionPolicy {
  /** Ask when the plan has open questions. */
  askOnQuestions: boolean;
  /** Ask when the plan's lowest confidence is below this (0–1); 0: never for confidence. */
  askBelowConfidence: number;
  /** Ask about every plan before the Coder starts. */
  askAlways: boolean;
}

export const DEFAULT_QUESTION_POLICY: QuestionPolicy = {
  askOnQuestions: true,
  askBelowConfidence: 0.5,
  askAlways: false,
};

type Asked = EventOfType<'agent_os.questions_asked'>;

export function lowestConfidence(plan: Plan): number | undefined {
  const all = [plan.confidence, ...plan.steps.map((s) => s.confidence)].filter(
    (c): c is number => typeof c === 'number',
  );
  return all.length > 0 ? Math.min(...all) : undefined;
}

/** The questions event to ask for a plan just submitted, or undefined to go on. `answeredBefore`: the person
 * already answered questions in this delegation (the plan is the revised one). */
export function questionsFor(
  plan: Plan,
  planEvent: { id: string; thread: string },
  policy: QuestionPolicy,
  answeredBefore: boolean,
): EventInput | undefined {
  const questions = policy.askOnQuestions ? (plan.questions ?? []) : [];
  const confidence = lowestConfidence(plan);
  const low = confidence !== undefined && confidence < policy.askBelowConfidence;
  const reason: Asked['reason'] | undefined = policy.askAlways
    ? 'always'
    : answeredBefore
      ? undefined
      : questions.length > 0
        ? 'questions'
        : low
          ? 'low_confidence'
          : undefined;
  if (!reason) return undefined;
  const asked = [...questions];
  if (low || reason === 'always') {
    asked.push(
      low
        ? `The Planner's confidence in this plan is ${Math.round((confidence ?? 0) * 100)}%. Is the plan right? Say what to change, or answer "go ahead".`
        : 'Is the plan right? Say what to change, or answer "go ahead".',
    );
  }
  return {
    type: 'agent_os.questions_asked',
    thread: planEvent.thread,
    plan_event_id: planEvent.id,
    reason,
    questions: asked,
    ...(confidence !== undefined ? { confidence } : {}),
  };
}

/** The questions asked about a plan, if any. */
export function questionsAskedFor(events: readonly SessionEvent[], planEventId: string): Asked | undefined {
  return events.find((e): e is Asked => e.type === 'agent_os.questions_asked' && e.plan_event_id === planEventId);
}

export function answersTo(
  events: readonly SessionEvent[],
  questionsEventId: string,
): EventOfType<'agent_os.questions_answered'> | undefined {
  return events.find(
    (e): e is EventOfType<'agent_os.questions_answered'> =>
      e.type === 'agent_os.questions_answered' && e.questions_event_id === questionsEventId,
  );
}

/** The questions a person may answer now: the latest asked, not answered yet. */
export function openQuestions(events: readonly SessionEvent[]): Asked | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i] as SessionEvent;
    if (e.type === 'agent_os.questions_answered') return undefined;
    if (e.type === 'agent_os.questions_asked') return e;
  }
  return undefined;
}

/** What the Planner is told: each question with the person's answer, and to hand in the plan again. */
export function answersText(asked: Asked, answers: readonly string[]): string {
  return [
    'The person answered your questions about the plan:',
    ...asked.questions.map((q, i) => `Q: ${q}\nA: ${answers[i]?.trim() || '(no answer)'}`),
    'Revise the plan where the answers call for it, and hand in the whole plan again in the same JSON shape.',
  ].join('\n\n');
}

/** What answering appends: the answers, and the message to the Planner's thread that carries them. */
export function answerEvents(asked: Asked, answers: readonly string[], plannerThreadParent: string): EventInput[] {
  const text = answersText(asked, answers);
  return [
    {
      type: 'agent_os.questions_answered',
      thread: asked.thread,
      questions_event_id: asked.id,
      answers: asked.questions.map((_, i) => answers[i] ?? ''),
    },
    {
      type: 'agent.thread_message_received',
      thread: asked.thread,
      from_session_thread_id: plannerThreadParent,
      content: [{ type: 'text', text }],
    },
  ];
}
