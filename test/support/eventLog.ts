// A log built row by row for the pure tables: each input gets the envelope the store would give it.
import {
  EVENT_SCHEMA_VERSION,
  type AssistantBlock,
  type EventInput,
  type SessionEvent,
} from '../../src/core/events/sessionEvent.ts';

export function logOf(...inputs: EventInput[]): SessionEvent[] {
  return inputs.map(
    (e, i) =>
      ({
        ...e,
        id: `sevt_${i + 1}`,
        seq: i + 1,
        processed_at: '2026-01-01T00:00:00Z',
        schema_version: EVENT_SCHEMA_VERSION,
      }) as SessionEvent,
  );
}

/** A model turn of `thread` that ended with `content` (one token each way, no cost). */
export function modelTurn(thread: string, ...content: AssistantBlock[]): EventInput {
  return {
    type: 'span.model_request_end',
    thread,
    model_request_start_id: 'sevt_x',
    is_error: false,
    cost_usd: 0,
    model_usage: { input_tokens: 1, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    content,
  };
}

/** A Planner's plan of two steps (code, then tests), each with its validation: the supervision tables' plan. */
export const TWO_STEP_PLAN: EventInput = {
  type: 'agent_os.plan_submitted',
  thread: 'sthr_planner',
  model_request_end_id: 'sevt_p',
  plan: {
    summary: 's',
    steps: [
      { id: '1', title: 'Code', description: 'd', files: [], validation: 'node check.js' },
      { id: '2', title: 'Tests', description: 'd', files: [], validation: 'node --test' },
    ],
  },
};
