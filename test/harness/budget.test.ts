// The session budget pauses a run with `budget_reached` before the request that would pass it, counting
// every thread's spending (a Coordinator delegating to a Coder here). The costs are measured on an
// identical run without a budget; the scripted server's answers and cache make them repeat exactly. The
// cap is put halfway into a request's cost: every request before it must be sent, and that one not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventOfType } from '../../src/core/events/sessionEvent.ts';
import { startScriptedRuntime } from '../support/scriptedRuntime.ts';
import { ofType, startWorld } from './harnessWorld.ts';

const BIG_OUTPUT = "head -c 8000 /dev/zero | tr '\\0' a";
const CODER_TURNS = 8;
const SCRIPT = {
  agents: {
    Coordinator: [
      {
        content: [
          { type: 'text', text: 'Sending the task to the Coder.' },
          // A long brief: the Coordinator's own request costs enough that the total, not the Coder's share, decides.
          {
            type: 'tool_use',
            name: 'send_to_agent',
            input: { agent_name: 'Coder', message: `Fill the buffer. ${'Context line for the Coder. '.repeat(200)}` },
          },
        ],
      },
      { content: [{ type: 'text', text: 'The Coder finished.' }] },
    ],
    Coder: [
      ...Array.from({ length: CODER_TURNS }, (_, i) => ({
        content: [
          { type: 'text', text: `Chunk ${i}.` },
          { type: 'tool_use', name: 'bash', input: { command: `${BIG_OUTPUT} # chunk ${i}` } },
        ],
      })),
      { content: [{ type: 'text', text: 'Buffer filled.' }] },
    ],
  },
};

const tokensOf = (e: EventOfType<'span.model_request_end'>): number =>
  e.model_usage.input_tokens +
  e.model_usage.output_tokens +
  e.model_usage.cache_read_input_tokens +
  e.model_usage.cache_creation_input_tokens;

for (const unit of ['maxUsd', 'maxTokens'] as const) {
  const amount = (e: EventOfType<'span.model_request_end'>): number => (unit === 'maxUsd' ? e.cost_usd : tokensOf(e));

  test(`${unit} pauses the session with budget_reached before the request that would pass it, across threads`, async () => {
    // 1. The same session without a budget: what each request costs.
    const free = await startWorld(SCRIPT);
    let spent: { thread: string; amount: number }[];
    let coordinatorThread: string;
    try {
      const { id, reason } = await free.run('Coordinator', 'Fill the buffer.');
      assert.deepEqual(reason, { type: 'end_turn' });
      const ends = ofType(await free.events(id), 'span.model_request_end');
      assert.equal(ends.length, 2 + CODER_TURNS + 1);
      assert.equal(free.rt.server.requests.filter((r) => r.outcome.kind === 'turn').length, ends.length);
      spent = ends.map((e) => ({ thread: e.thread, amount: amount(e) }));
      coordinatorThread = ends[0]!.thread;
      assert.ok(
        spent.every((s) => s.amount > 0),
        'every request is priced',
      );
    } finally {
      await free.close();
    }

    // 2. A cap halfway into the Coder's 5th request (the 6th of the session): the harness must send every
    // request before it, and not that one.
    const stopAt = 5; // index into `spent`
    assert.notEqual(spent[stopAt]?.thread, coordinatorThread);
    const before = spent.slice(0, stopAt).reduce((a, s) => a + s.amount, 0);
    const next = spent[stopAt]!.amount;
    const cap = before + (unit === 'maxTokens' ? Math.floor(next / 2) : next / 2);
    // In dollars the Coder's own spending alone would not reach it: only the session total does. (In tokens
    // the Coder's growing requests, cache reads included, dwarf the Coordinator's one.)
    const coderOnly = spent
      .slice(0, stopAt)
      .filter((s) => s.thread !== coordinatorThread)
      .reduce((a, s) => a + s.amount, 0);
    if (unit === 'maxUsd')
      assert.ok(coderOnly + next <= cap, "precondition: the Coordinator's spending is what tips it");

    // 3. The same session with the cap.
    const capped = await startWorld(SCRIPT, { runtime: { settings: { budget: { [unit]: cap } } } });
    try {
      const { id, reason } = await capped.run('Coordinator', 'Fill the buffer.');
      assert.deepEqual(reason, { type: 'budget_reached' });
      const events = await capped.events(id);
      assert.equal(
        capped.rt.server.requests.length,
        stopAt,
        'the server saw every request up to the one that would pass the cap, not that one',
      );
      const ends = ofType(events, 'span.model_request_end');
      assert.deepEqual(
        ends.map(amount),
        spent.slice(0, stopAt).map((s) => s.amount),
        'the capped run cost what the free one did',
      );
      const total = ends.reduce((a, e) => a + amount(e), 0);
      assert.ok(total <= cap, `spent ${total} of ${cap}`);
      const idles = ofType(events, 'session.thread_status_idle');
      assert.deepEqual(
        idles.map((e) => [e.agent_name, e.stop_reason.type]),
        [
          ['Coder', 'budget_reached'],
          ['Coordinator', 'budget_reached'],
        ],
      );
      assert.deepEqual(ofType(events, 'session.status_idle').at(-1)?.stop_reason, { type: 'budget_reached' });
      assert.equal(ofType(events, 'span.model_request_start').length, stopAt, 'no request was begun past the cap');

      // Resuming under the same cap stops again at once, without a request.
      await capped.rt.runtime.resume(id);
      const after = await capped.events(id);
      assert.deepEqual(ofType(after, 'session.status_idle').at(-1)?.stop_reason, { type: 'budget_reached' });
      assert.equal(capped.rt.server.requests.length, stopAt);

      // A paused session is not a failed one: with the cap raised (a runtime without it) it finishes.
      const raised = await startScriptedRuntime(capped.repo.root, SCRIPT);
      try {
        await raised.runtime.resume(id);
        const finished = await raised.store.read(id);
        assert.deepEqual(ofType(finished, 'session.status_idle').at(-1)?.stop_reason, { type: 'end_turn' });
        assert.equal(
          ofType(finished, 'span.model_request_end').length,
          2 + CODER_TURNS + 1,
          'no request repeated, none skipped',
        );
        assert.equal(ofType(finished, 'agent.message').at(-1)?.content[0]?.text, 'The Coder finished.');
      } finally {
        await raised.close();
      }
    } finally {
      await capped.close();
    }
  });
}

test('two threads running in parallel never pass the cap together: each request counts the ones in flight', async () => {
  const parallel = {
    agents: {
      Coordinator: [
        {
          content: [
            {
              type: 'tool_use',
              name: 'send_to_agent',
              input: { agent_name: 'Coder', message: 'Fill buffer A.', thread_key: 'a' },
            },
            {
              type: 'tool_use',
              name: 'send_to_agent',
              input: { agent_name: 'Coder', message: 'Fill buffer B.', thread_key: 'b' },
            },
          ],
        },
        { content: [{ type: 'text', text: 'Both finished.' }] },
      ],
      Coder: SCRIPT.agents.Coder,
    },
  };
  const free = await startWorld(parallel);
  let total: number;
  try {
    const { id, reason } = await free.run('Coordinator', 'Fill both buffers.');
    assert.deepEqual(reason, { type: 'end_turn' });
    total = ofType(await free.events(id), 'span.model_request_end').reduce((a, e) => a + e.cost_usd, 0);
  } finally {
    await free.close();
  }
  // Caps at several points of the run, so that some fall where both threads are about to send.
  for (const share of [0.35, 0.55, 0.75]) {
    const maxUsd = total * share;
    const capped = await startWorld(parallel, { runtime: { settings: { budget: { maxUsd } } } });
    try {
      const { id, reason } = await capped.run('Coordinator', 'Fill both buffers.');
      assert.deepEqual(reason, { type: 'budget_reached' }, `cap at ${share} of the full run`);
      const events = await capped.events(id);
      const spent = ofType(events, 'span.model_request_end').reduce((a, e) => a + e.cost_usd, 0);
      assert.ok(spent <= maxUsd, `cap at ${share} of the full run: spent ${spent} > ${maxUsd}`);
      const threads = new Set(ofType(events, 'span.model_request_end').map((e) => e.thread));
      assert.equal(threads.size, 3, 'both Coder threads ran');
    } finally {
      await capped.close();
    }
  }
});
