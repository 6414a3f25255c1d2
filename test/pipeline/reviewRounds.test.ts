// REJECT rounds are bounded: with `reviewRounds: 2`, two rejections go back to the Coder; the next one
// reaches the Coordinator as an error result saying the limit was reached, and no pull request is opened.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { startDemoWorld } from '../support/demoWorld.ts';
import {
  coderTurns,
  coordinatorToReview,
  expecting,
  plannerTurns,
  rejectText,
  requestsOf,
  send,
  text,
  tool,
  turn,
  verdictsOf,
} from './scriptParts.ts';

const review = () => [turn(tool('bash', { command: 'node --test' })), turn(text(rejectText()))];
const fix = (n: number) => [
  turn(tool('write', { file_path: `notes/fix-${n}.txt`, content: `attempt ${n}\n` })),
  turn(text(`Fix ${n} done.`)),
];

test('a Reviewer that always rejects: after the allowed rounds the Coordinator gets an error result; no pull request', async () => {
  const world = await startDemoWorld(
    {
      agents: {
        Coordinator: [
          ...coordinatorToReview(),
          expecting('review round 1 of 2', send('Coder', 'Fix what the Reviewer found.')),
          turn(send('Reviewer', 'Review again.')),
          expecting('review round 2 of 2', send('Coder', 'Fix what the Reviewer found.')),
          turn(send('Reviewer', 'Review again.')),
          expecting(
            'the limit is 2 rounds',
            text('The review limit is reached; reporting to the person without a pull request.'),
          ),
        ],
        Planner: plannerTurns(),
        Coder: [...coderTurns(), ...fix(1), ...fix(2)],
        Reviewer: [...review(), ...review(), ...review()],
      },
    },
    { settings: { reviewRounds: 2 } },
  );
  try {
    const { rt, sample } = world;
    const meta = await rt.runtime.start({ issue: world.issueRef, repository: sample.workdir });
    assert.deepEqual(await rt.runtime.settled(meta.id), { type: 'end_turn' });
    assert.deepEqual(
      rt.server.requests.filter((r) => r.outcome.kind !== 'turn').map((r) => r.outcome),
      [],
    );
    const events = await rt.store.read(meta.id);
    const state = foldSession(meta.id, events);

    const coordinatorResults = events.filter(
      (e) => e.type === 'agent.tool_result' && e.thread === state.primaryThreadId,
    );
    const reviews = coordinatorResults.slice(2).filter((_, i) => i % 2 === 0);
    assert.deepEqual(
      reviews.map((r) => r.type === 'agent.tool_result' && r.is_error),
      [false, false, true],
    );
    const last = reviews.at(-1);
    assert.ok(last?.type === 'agent.tool_result');
    assert.match(last.content[0]?.text ?? '', /rejected the change 3 times; the limit is 2 rounds/);

    assert.equal(verdictsOf(events).length, 3);
    assert.equal(requestsOf(rt.server, 'Reviewer').length, 6);
    assert.equal(
      events.filter((e) => e.type === 'session.thread_created' && e.agent_name === 'Coder').length,
      1,
      'one Coder thread throughout',
    );
    assert.equal(state.status, 'idle');
    assert.equal(state.pullRequest, undefined);
    assert.equal(world.github.pullRequests().length, 0);
    assert.equal(events.filter((e) => e.type === 'agent_os.approval').length, 0);
  } finally {
    await world.close();
  }
});
