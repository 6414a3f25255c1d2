// The session budget pauses a run with `budget_reached` before the request that would pass it, counting
// every thread's spending (a Coordinator delegating to a Coder here). The costs are measured on an
// identical run without a budget; the scripted server's answers and cache make them repeat exactly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventOfType } from '../../src/core/events/sessionEvent.ts';
import { costOf } from '../../src/node/model/priceTable.ts';
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
          { type: 'tool_use', name: 'send_to_agent', input: { agent_name: 'Coder', message: `Fill the buffer. ${'Context line for the Coder. '.repeat(200)}` } },
        ],
      },
      { content: [{ type: 'text', text: 'The Coder finished.' }] },
    ],
    Coder: [
      ...Array.from({ length: CODER_TURNS }, (_, i) => ({
        content: [{ type: 'text', text: `Chunk ${i}.` }, { type: 'tool_use', name: 'bash', input: { command: BIG_OUTPUT } }],
      })),
      { content: [{ type: 'text', text: 'Buffer filled.' }] },
    ],
  },
};

interface Spent {
  thread: string;
  cost: number;
  /** Bytes of the request as sent, for the harness's first-request estimate. */
  bytes: number;
}

/** The harness's estimate of a request before sending it (budget.ts): a thread's average so far, or for a
 * thread's first request its size at ~4 bytes per token plus up to 1024 output tokens. */
function estimate(history: readonly Spent[], next: Spent, model: string): number {
  const own = history.filter((s) => s.thread === next.thread);
  if (own.length > 0) return own.reduce((a, s) => a + s.cost, 0) / own.length;
  const inputTokens = Math.ceil(next.bytes / 4);
  return costOf(model, { input_tokens: inputTokens, output_tokens: 1024, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }).usd;
}

test('maxUsd pauses the session with budget_reached before the request that would pass it, across threads', async () => {
  // 1. The same session without a budget: what each request costs.
  const free = await startWorld(SCRIPT);
  let spent: Spent[];
  let model: string;
  let coordinatorThread: string;
  try {
    const { id, reason } = await free.run('Coordinator', 'Fill the buffer.');
    assert.deepEqual(reason, { type: 'end_turn' });
    const events = await free.events(id);
    const ends = ofType(events, 'span.model_request_end');
    const served = free.rt.server.requests.filter((r) => r.outcome.kind === 'turn');
    assert.equal(ends.length, 2 + CODER_TURNS + 1);
    assert.equal(served.length, ends.length);
    spent = ends.map((e: EventOfType<'span.model_request_end'>, i) => ({ thread: e.thread, cost: e.cost_usd, bytes: JSON.stringify(served[i]?.body).length }));
    model = (served[0]?.body as { model: string }).model;
    coordinatorThread = ends[0]!.thread;
    assert.ok(spent.every((s) => s.cost > 0), 'every request is priced');
  } finally {
    await free.close();
  }

  // 2. A cap halfway into the estimate of the Coder's 5th request (the 6th of the session).
  const stopAt = 5; // index into `spent`
  assert.notEqual(spent[stopAt]?.thread, coordinatorThread);
  const before = spent.slice(0, stopAt).reduce((a, s) => a + s.cost, 0);
  const next = estimate(spent.slice(0, stopAt), spent[stopAt]!, model);
  const maxUsd = before + next / 2;
  // The earlier requests fit under the cap (first requests of a thread with 10% to spare, as their
  // estimate is from the request's size) ...
  let running = 0;
  for (let j = 0; j < stopAt; j++) {
    const est = estimate(spent.slice(0, j), spent[j]!, model);
    const first = !spent.slice(0, j).some((s) => s.thread === spent[j]!.thread);
    assert.ok(running + est * (first ? 1.1 : 1) <= maxUsd, `precondition: request ${j + 1} fits under ${maxUsd}`);
    running += spent[j]!.cost;
  }
  // ... and the Coder's own spending alone would not reach it: only the session total does.
  const coderOnly = spent.slice(0, stopAt).filter((s) => s.thread !== coordinatorThread).reduce((a, s) => a + s.cost, 0);
  assert.ok(coderOnly + next <= maxUsd, 'precondition: the Coordinator\'s spending is what tips it');

  // 3. The same session with the cap.
  const capped = await startWorld(SCRIPT, { runtime: { settings: { budget: { maxUsd } } } });
  try {
    const { id, reason } = await capped.run('Coordinator', 'Fill the buffer.');
    assert.deepEqual(reason, { type: 'budget_reached' });
    const events = await capped.events(id);
    const requests = capped.rt.server.requests;
    assert.equal(requests.length, stopAt, 'the server saw every request up to the one that would pass the cap, not that one');
    const ends = ofType(events, 'span.model_request_end');
    assert.deepEqual(ends.map((e) => e.cost_usd), spent.slice(0, stopAt).map((s) => s.cost), 'the capped run cost what the free one did');
    const total = ends.reduce((a, e) => a + e.cost_usd, 0);
    assert.ok(total <= maxUsd, `spent ${total} of ${maxUsd}`);
    const idles = ofType(events, 'session.thread_status_idle');
    assert.deepEqual(idles.map((e) => [e.agent_name, e.stop_reason.type]), [['Coder', 'budget_reached'], ['Coordinator', 'budget_reached']]);
    assert.deepEqual(ofType(events, 'session.status_idle').at(-1)?.stop_reason, { type: 'budget_reached' });
    assert.equal(ofType(events, 'span.model_request_start').length, stopAt, 'no request was begun past the cap');

    // Resuming under the same cap stops again at once, without a request.
    await capped.rt.runtime.resume(id);
    const after = await capped.events(id);
    assert.deepEqual(ofType(after, 'session.status_idle').at(-1)?.stop_reason, { type: 'budget_reached' });
    assert.equal(capped.rt.server.requests.length, stopAt);
  } finally {
    await capped.close();
  }
});
