// Context compaction: a long scripted thread whose context passes the limit is compacted — earlier tool
// results and inputs cleared from its requests, a summary from the log in their place — and still finishes;
// every event stays in the log.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventOfType } from '../../src/core/events/sessionEvent.ts';
import { COMPACTED_RESULT } from '../../src/core/harness/threadContext.ts';
import { ofType, startWorld } from './harnessWorld.ts';

const TURNS = 12;
const BIG = (i: number) => `head -c 6000 /dev/zero | tr '\\0' a; echo; echo chunk ${i}`;

test('a long thread is compacted past its limit, its next requests carry the summary, and it finishes', async () => {
  const world = await startWorld(
    {
      agents: {
        Coder: [
          ...Array.from({ length: TURNS }, (_, i) => ({
            content: [
              { type: 'text', text: `Chunk ${i}.` },
              { type: 'tool_use', name: 'bash', input: { command: BIG(i) } },
            ],
          })),
          { content: [{ type: 'text', text: 'All chunks read.' }] },
        ],
      },
    },
    { runtime: { settings: { compactAboveTokens: 5_000 } } },
  );
  try {
    const { id, reason } = await world.run('Coder', 'Read every chunk and say when you are done.');
    assert.deepEqual(reason, { type: 'end_turn' });
    assert.deepEqual(
      world.rt.server.requests.filter((r) => r.outcome.kind !== 'turn').map((r) => r.outcome),
      [],
      'every request was valid',
    );
    const events = await world.events(id);
    const compactions = events.filter(
      (e): e is EventOfType<'agent.thread_context_compacted'> => e.type === 'agent.thread_context_compacted',
    );
    assert.ok(compactions.length >= 2, `compacted ${compactions.length} times`);
    assert.ok(compactions.every((c) => c.pre_compaction_tokens > 5_000));
    assert.match(compactions[0]!.summary, /Your task:\nRead every chunk/);
    // Nothing already in the log is lost: every result is there, whole.
    const results = ofType(events, 'agent.tool_result');
    assert.equal(results.length, TURNS);
    assert.ok(results.every((r) => (r.content[0]?.text.length ?? 0) > 6000));

    const bodies = world.rt.server.requests.filter((r) => r.outcome.kind === 'turn').map((r) => JSON.stringify(r.body));
    const last = bodies.at(-1)!;
    assert.ok(last.includes(COMPACTED_RESULT), 'earlier results are cleared');
    assert.ok(last.includes('Agent OS compacted this thread'), 'the summary is in the request');
    const largest = Math.max(...bodies.map((b) => b.length));
    assert.ok(last.length < largest, `the last request (${last.length} B) is smaller than the largest (${largest} B)`);
    assert.ok(largest < 5_000 * 4 + 20_000, `no request grew far past the limit (${largest} B)`);
  } finally {
    await world.close();
  }
});
