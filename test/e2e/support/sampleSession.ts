// A realistic session log for tests and benches: a Coordinator delegating to Planner, Coder and
// Reviewer, tool calls with results, model requests with usage, and the Reviewer's APPROVE verdict.
// `rounds` repeats the Coder's tool-call round to make logs of any length (100,000 events for the
// Event Log bench). Written through the real SessionStore port, so the store assigns ids and seqs.
import type { EventInput } from '../../../src/core/events/sessionEvent.ts';
import type { SessionMeta, SessionStore } from '../../../src/core/session/sessionStore.ts';

export const THREADS = {
  coordinator: 'sthr_coordinator0000000001',
  planner: 'sthr_planner00000000000001',
  coder: 'sthr_coder0000000000000001',
  reviewer: 'sthr_reviewer000000000001',
} as const;

const usage = (input: number, output: number) => ({
  input_tokens: input,
  output_tokens: output,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: Math.floor(input / 2),
});

export interface SampleOptions {
  /** Coder rounds of (model request, tool use, tool result); each is 5 events. */
  rounds?: number;
  /** Stop before the Reviewer's verdict, with the session still running (as a crash leaves it). */
  stopRunning?: boolean;
  /** Add an `always_ask` tool call waiting for the person. */
  withToolAsk?: boolean;
}

/** The events, in order. Tool results refer to their tool uses by event id, which the store assigns:
 * use `writeSampleSession`, which fills those in as it goes. */
export async function writeSampleSession(
  store: SessionStore,
  title: string,
  options: SampleOptions = {},
): Promise<SessionMeta> {
  const meta = await store.create({ title, source: 'acme/widgets#7', repository: '/tmp/widgets' });
  const writer = await store.openWriter(meta.id);
  const { coordinator, planner, coder, reviewer } = THREADS;
  let batch: EventInput[] = [];
  const flush = async () => {
    if (batch.length) await writer.appendMany(batch, 'batch');
    batch = [];
  };
  const add = (e: EventInput) => {
    batch.push(e);
  };
  /** Appends a tool use now (its id is needed by the result), returns its event id. */
  const toolUse = async (thread: string, name: string, input: unknown, permission: 'allow' | 'ask' = 'allow') => {
    await flush();
    const [use] = await writer.appendMany(
      [
        {
          type: 'agent.tool_use',
          thread,
          name,
          input,
          model_tool_use_id: `toolu_${Math.random().toString(36).slice(2)}`,
          evaluated_permission: permission,
        },
      ],
      'batch',
    );
    return use!.id;
  };
  const lastStart = new Map<string, string>();
  const lastEnd = new Map<string, string>();
  const startRequest = async (thread: string) => {
    await flush();
    const [s] = await writer.appendMany(
      [{ type: 'span.model_request_start', thread, model: 'claude-sonnet-4-6' }],
      'batch',
    );
    lastStart.set(thread, s!.id);
  };
  const endRequest = async (thread: string, input: number, output: number, stop = 'tool_use') => {
    await flush();
    const [end] = await writer.appendMany(
      [
        {
          type: 'span.model_request_end',
          thread,
          model_request_start_id: lastStart.get(thread) ?? 'sevt_unknown',
          is_error: false,
          model_usage: usage(input, output),
          cost_usd: (input * 3 + output * 15) / 1_000_000,
          stop_reason: stop,
        },
      ],
      'batch',
    );
    lastEnd.set(thread, end!.id);
  };

  add({
    type: 'session.thread_created',
    thread: coordinator,
    session_thread_id: coordinator,
    agent_name: 'Coordinator',
    agent_version: 1,
    parent_thread_id: null,
  });
  add({
    type: 'agent_os.session_configured',
    thread: coordinator,
    agent_versions: { Coordinator: 1, Planner: 1, Coder: 1, Reviewer: 1 },
    sandbox: { kind: 'worktree', confined: false },
  });
  add({ type: 'session.status_running', thread: coordinator });
  add({
    type: 'session.thread_status_running',
    thread: coordinator,
    session_thread_id: coordinator,
    agent_name: 'Coordinator',
  });
  add({
    type: 'user.message',
    thread: coordinator,
    content: [
      {
        type: 'text',
        text: 'Resolve acme/widgets#7: the widget count is off by one.\n\nSteps to reproduce: run `npm test`.',
      },
    ],
  });
  await startRequest(coordinator);
  await endRequest(coordinator, 1200, 180);
  for (const [name, thread] of [
    ['Planner', planner],
    ['Coder', coder],
    ['Reviewer', reviewer],
  ] as const) {
    // The parent records the child's creation on its own thread.
    add({
      type: 'session.thread_created',
      thread: coordinator,
      session_thread_id: thread,
      agent_name: name,
      agent_version: 1,
      parent_thread_id: coordinator,
    });
  }
  add({
    type: 'agent.thread_message_sent',
    thread: coordinator,
    to_session_thread_id: planner,
    to_agent_name: 'Planner',
    content: [{ type: 'text', text: 'Plan the fix for the off-by-one in countWidgets.' }],
  });
  add({ type: 'session.thread_status_running', thread: planner, session_thread_id: planner, agent_name: 'Planner' });
  add({
    type: 'agent.thread_message_received',
    thread: planner,
    from_session_thread_id: coordinator,
    from_agent_name: 'Coordinator',
    content: [{ type: 'text', text: 'Plan the fix for the off-by-one in countWidgets.' }],
  });
  await startRequest(planner);
  await endRequest(planner, 2400, 90);
  const grep = await toolUse(planner, 'grep', { pattern: 'countWidgets', path: 'src' });
  add({
    type: 'agent.tool_result',
    thread: planner,
    tool_use_id: grep,
    content: [
      {
        type: 'text',
        text: 'src/widgets.ts:12: export function countWidgets(list) {\nsrc/widgets.test.ts:3: countWidgets([1, 2, 3])',
      },
    ],
    is_error: false,
  });
  const plan = {
    summary: 'Fix the off-by-one in countWidgets and cover the empty list.',
    steps: [
      {
        id: '1',
        title: 'Fix the loop bound',
        description: 'Fix the loop bound in countWidgets',
        files: ['src/widgets.ts'],
        validation: 'npm test -- widgets',
      },
      {
        id: '2',
        title: 'Test the empty list',
        description: 'Add a test for an empty list',
        files: ['src/widgets.test.ts'],
        validation: 'npm test',
      },
    ],
  };
  add({ type: 'agent_os.plan_submitted', thread: planner, plan, model_request_end_id: lastEnd.get(planner)! });
  add({
    type: 'session.thread_status_idle',
    thread: planner,
    session_thread_id: planner,
    agent_name: 'Planner',
    stop_reason: { type: 'end_turn' },
  });
  add({
    type: 'agent.thread_message_sent',
    thread: coordinator,
    to_session_thread_id: coder,
    to_agent_name: 'Coder',
    content: [{ type: 'text', text: JSON.stringify(plan) }],
  });
  add({ type: 'session.thread_status_running', thread: coder, session_thread_id: coder, agent_name: 'Coder' });
  const rounds = options.rounds ?? 3;
  for (let i = 0; i < rounds; i++) {
    await startRequest(coder);
    await endRequest(coder, 3000 + i, 120);
    const long = i % 10 === 0;
    const use = await toolUse(
      coder,
      i % 3 === 0 ? 'bash' : 'edit',
      i % 3 === 0
        ? { command: `npm test -- widgets # round ${i}` }
        : { path: 'src/widgets.ts', old_str: 'i <= list.length', new_str: 'i < list.length' },
    );
    const output = long
      ? Array.from({ length: 60 }, (_, k) => `  ✓ widgets case ${k} (${k % 7} ms)`).join('\n')
      : i % 3 === 0
        ? 'tests 12 passed'
        : 'edited src/widgets.ts';
    add({
      type: 'agent.tool_result',
      thread: coder,
      tool_use_id: use,
      content: [{ type: 'text', text: output }],
      is_error: i % 17 === 5,
    });
    if (batch.length > 500) await flush();
  }
  if (options.withToolAsk) {
    await toolUse(coder, 'bash', { command: 'curl -fsS http://127.0.0.1:9/health' }, 'ask');
  }
  if (options.stopRunning) {
    await flush();
    await writer.close();
    return meta;
  }
  add({
    type: 'agent.message',
    thread: coder,
    content: [{ type: 'text', text: 'Both steps pass: the loop bound is fixed and an empty-list test added.' }],
  });
  add({
    type: 'session.thread_status_idle',
    thread: coder,
    session_thread_id: coder,
    agent_name: 'Coder',
    stop_reason: { type: 'end_turn' },
  });
  add({ type: 'session.thread_status_running', thread: reviewer, session_thread_id: reviewer, agent_name: 'Reviewer' });
  await startRequest(reviewer);
  await endRequest(reviewer, 5200, 300);
  const testRun = await toolUse(reviewer, 'bash', { command: 'npm test' });
  add({
    type: 'agent.tool_result',
    thread: reviewer,
    tool_use_id: testRun,
    content: [{ type: 'text', text: 'tests 13 passed, 0 failed' }],
    is_error: false,
  });
  add({
    type: 'agent_os.verdict_submitted',
    thread: reviewer,
    model_request_end_id: lastEnd.get(reviewer)!,
    verdict: {
      decision: 'APPROVE',
      summary: 'npm test passes (13 tests); the loop bound is fixed and covered by a new test.',
    },
    evidence: {
      base_commit: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
      head_commit: 'f0e1d2c3b4a5968778695a4b3c2d1e0f98765432',
      diff_sha256: '0'.repeat(64),
      test_run_event_ids: [testRun],
    },
  });
  add({
    type: 'session.thread_status_idle',
    thread: reviewer,
    session_thread_id: reviewer,
    agent_name: 'Reviewer',
    stop_reason: { type: 'end_turn' },
  });
  add({
    type: 'session.thread_status_idle',
    thread: coordinator,
    session_thread_id: coordinator,
    agent_name: 'Coordinator',
    stop_reason: { type: 'requires_action', event_ids: [] },
  });
  add({ type: 'session.status_idle', thread: coordinator, stop_reason: { type: 'requires_action', event_ids: [] } });
  await flush();
  await writer.flush();
  await writer.close();
  return meta;
}
