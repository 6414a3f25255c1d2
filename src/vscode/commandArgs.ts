// What a command was invoked on: a tree node, a card or notification ({ sessionId, … }), or nothing
// (the palette). Read leniently: `executeCommand` arguments are untyped.

export interface SessionArgs {
  sessionId: string;
  threadId?: string;
  verdictEventId?: string;
  toolUseEventId?: string;
  questionsEventId?: string;
  /** The event a fork starts from. */
  eventId?: string;
  /** Answers typed in the Event Log's question card, one per question. */
  answers?: string[];
}

export function readSessionArgs(arg: unknown): SessionArgs | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  const a = arg as Record<string, unknown>;
  if (typeof a['sessionId'] !== 'string' || !a['sessionId']) return undefined;
  const out: SessionArgs = { sessionId: a['sessionId'] };
  for (const key of ['threadId', 'verdictEventId', 'toolUseEventId', 'questionsEventId', 'eventId'] as const) {
    const v = a[key];
    if (typeof v === 'string' && v) out[key] = v;
  }
  const answers = a['answers'];
  if (Array.isArray(answers) && answers.every((x) => typeof x === 'string')) out.answers = answers as string[];
  return out;
}
