// Session logs for the overview's tests, written as a person reads them: who did what, when. Each
// event is checked against the event schema, so a test cannot feed the model what no store would hold.
import { SessionEvent, type EventPayload } from '../../src/core/events/sessionEvent.ts';

export const T = {
  coordinator: 'sthr_coord',
  planner: 'sthr_plan',
  coder: 'sthr_code',
  reviewer: 'sthr_review',
} as const;

const START = Date.parse('2026-12-01T10:00:00.000Z');

export class LogBuilder {
  readonly events: SessionEvent[] = [];
  /** Milliseconds since the session's start of the next event. */
  at = 0;

  add(thread: string, payload: EventPayload, atMs = this.at): SessionEvent {
    this.at = atMs;
    const seq = this.events.length + 1;
    const event = SessionEvent.parse({
      ...payload,
      id: `sevt_${seq}`,
      seq,
      thread,
      processed_at: new Date(START + atMs).toISOString(),
      schema_version: 1,
    }) as SessionEvent;
    this.events.push(event);
    return event;
  }

  thread(id: string, agent: string, parent: string | null, atMs = this.at): void {
    this.add(
      parent ?? id,
      {
        type: 'session.thread_created',
        session_thread_id: id,
        agent_name: agent,
        agent_version: 1,
        parent_thread_id: parent,
      },
      atMs,
    );
  }

  running(thread: string, agent: string, atMs = this.at): void {
    this.add(thread, { type: 'session.thread_status_running', session_thread_id: thread, agent_name: agent }, atMs);
  }

  idle(thread: string, agent: string, atMs = this.at): void {
    this.add(
      thread,
      {
        type: 'session.thread_status_idle',
        session_thread_id: thread,
        agent_name: agent,
        stop_reason: { type: 'end_turn' },
      },
      atMs,
    );
  }

  /** A model request from `from` to `to` ms, priced as given. */
  request(thread: string, from: number, to: number, costUsd = 0.01, tokens = 1_000): SessionEvent {
    const start = this.add(thread, { type: 'span.model_request_start', model: 'claude-sonnet-4-6' }, from);
    return this.add(
      thread,
      {
        type: 'span.model_request_end',
        model_request_start_id: start.id,
        is_error: false,
        model_usage: {
          input_tokens: tokens - 100,
          output_tokens: 100,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
        },
        cost_usd: costUsd,
        stop_reason: 'tool_use',
      },
      to,
    );
  }

  /** A tool call from `from` to `to` ms (no result when `to` is undefined). */
  tool(
    thread: string,
    name: string,
    input: unknown,
    from: number,
    to?: number,
    result = 'ok',
    isError = false,
    permission: 'allow' | 'ask' = 'allow',
  ): SessionEvent {
    const use = this.add(
      thread,
      {
        type: 'agent.tool_use',
        name,
        input,
        model_tool_use_id: `toolu_${this.events.length}`,
        evaluated_permission: permission,
      },
      from,
    );
    if (to !== undefined)
      this.add(
        thread,
        {
          type: 'agent.tool_result',
          tool_use_id: use.id,
          content: [{ type: 'text', text: result }],
          is_error: isError,
        },
        to,
      );
    return use;
  }

  message(from: string, to: string, toAgent: string, text: string, atMs = this.at): void {
    this.add(
      from,
      {
        type: 'agent.thread_message_sent',
        to_session_thread_id: to,
        to_agent_name: toAgent,
        content: [{ type: 'text', text }],
      },
      atMs,
    );
  }
}

export const PLAN = {
  summary: 'Fix the off-by-one in countWidgets and cover it.',
  steps: [
    {
      id: '1',
      title: 'Fix the loop bound',
      description: 'Use < instead of <=.',
      files: ['src/widgets.ts'],
      validation: 'npm test -- widgets',
    },
    {
      id: '2',
      title: 'Test the empty list',
      description: 'Add a test.',
      files: ['test/widgets.test.ts'],
      validation: 'npm  test',
    },
    {
      id: '3',
      title: 'Document it',
      description: 'Say so in the README.',
      files: ['README.md'],
      validation: 'grep -q countWidgets README.md',
    },
  ],
};

/** The start of a session: threads, configuration, the issue, the plan. */
export function plannedSession(): LogBuilder {
  const log = new LogBuilder();
  const { coordinator, planner, coder, reviewer } = T;
  log.thread(coordinator, 'Coordinator', null, 0);
  log.add(coordinator, {
    type: 'agent_os.session_configured',
    agent_versions: { Coordinator: 1, Planner: 1, Coder: 1, Reviewer: 1 },
    sandbox: { kind: 'bubblewrap', confined: true, detail: 'bubblewrap: the repository has no dev container' },
    budget: { max_usd: 0.5 },
  });
  log.add(coordinator, { type: 'session.status_running' });
  log.running(coordinator, 'Coordinator');
  log.add(coordinator, {
    type: 'user.message',
    content: [{ type: 'text', text: 'Resolve acme/widgets#7: the widget count is off by one.' }],
  });
  log.request(coordinator, 10, 400, 0.02, 2_000);
  const delegate = log.tool(coordinator, 'send_to_agent', { agent_name: 'Planner', message: 'Plan it.' }, 410);
  log.thread(planner, 'Planner', coordinator, 420);
  log.thread(coder, 'Coder', coordinator, 420);
  log.thread(reviewer, 'Reviewer', coordinator, 420);
  log.message(coordinator, planner, 'Planner', 'Plan it.', 430);
  log.running(planner, 'Planner', 440);
  const end = log.request(planner, 450, 900, 0.03, 3_000);
  log.tool(planner, 'grep', { pattern: 'countWidgets', path: 'src' }, 910, 950, 'src/widgets.ts:12');
  log.add(planner, { type: 'agent_os.plan_submitted', plan: PLAN, model_request_end_id: end.id }, 1_000);
  log.idle(planner, 'Planner', 1_000);
  log.message(planner, coordinator, 'Coordinator', 'Plan ready.', 1_010);
  log.add(
    coordinator,
    {
      type: 'agent.tool_result',
      tool_use_id: delegate.id,
      content: [{ type: 'text', text: 'Plan accepted' }],
      is_error: false,
    },
    1_010,
  );
  return log;
}
