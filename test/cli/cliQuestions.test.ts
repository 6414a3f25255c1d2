// Questions before work, through the CLI: a plan with open questions and a low confidence stops the run
// before the Coder starts (exit 3, the questions printed, how to answer); `resume --answers <file>` sends the
// answers to the Planner, whose revised plan goes to the Coder, and the session runs on to the verdict.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { EventOfType } from '../../src/core/events/sessionEvent.ts';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { samplePlan } from '../../src/testkit/demo/fixture/solution.ts';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import {
  coderTurns,
  coordinatorToReview,
  expecting,
  fenced,
  lastUserText,
  planText,
  requestsOf,
  reviewerApproveTurns,
  text,
  turn,
  verdictsOf,
} from '../pipeline/scriptParts.ts';
import { sessionIdIn, show, startCliWorld } from './cliWorld.ts';

const unsure = { ...samplePlan, confidence: 0.4, questions: ['Should "1h30m" also accept spaces, as in "1h 30m"?'] };

test('a low-confidence plan with questions asks the person before the Coder starts; --answers reaches the Planner', async () => {
  const world = await startCliWorld({
    agents: {
      Coordinator: coordinatorToReview(),
      Planner: [
        turn(text(`Here is the plan.\n\n${fenced(unsure)}`)),
        expecting('The person answered your questions', text(planText())),
      ],
      Coder: coderTurns(),
      Reviewer: reviewerApproveTurns(),
    },
  });
  try {
    const first = await world.cli(['run', '--issue', world.issueRef, ...world.flags]);
    assert.equal(first.code, 3, show(first));
    const id = sessionIdIn(first.stdout);
    assert.match(first.stdout, /The Planner asks before the Coder starts \(its confidence: 40%\):/);
    assert.match(first.stdout, /1\. Should "1h30m" also accept spaces/);
    assert.match(first.stdout, /2\. The Planner's confidence in this plan is 40%/);
    assert.ok(first.stdout.includes(`agent-os resume ${id} --answers <file>`), show(first));
    assert.equal(requestsOf(world.server, 'Coder').length, 0, 'the Coder has not started');
    const store = new FileSessionStore(world.storeDir);
    let events = await store.read(id);
    const asked = events.find(
      (e): e is EventOfType<'agent_os.questions_asked'> => e.type === 'agent_os.questions_asked',
    );
    assert.equal(asked?.reason, 'questions');
    assert.deepEqual(foldSession(id, events).stopReason, { type: 'requires_action', event_ids: [asked!.id] });

    const file = join(world.root, 'answers.json');
    writeFileSync(file, JSON.stringify(['No: spaces stay invalid.', 'go ahead']));
    const resumed = await world.cli(['resume', id, '--answers', file, ...world.flags]);
    assert.equal(resumed.code, 3, show(resumed));
    assert.match(resumed.stdout, /sending your answers to the Planner/);
    assert.match(resumed.stdout, /Reviewer: verdict APPROVE/);
    // The answers are events, and the Planner read them in its thread.
    events = await store.read(id);
    const answered = events.find(
      (e): e is EventOfType<'agent_os.questions_answered'> => e.type === 'agent_os.questions_answered',
    );
    assert.deepEqual(answered?.answers, ['No: spaces stay invalid.', 'go ahead']);
    assert.match(
      lastUserText(requestsOf(world.server, 'Planner')[1]!),
      /Should \\"1h30m\\" also accept spaces[\s\S]*A: No: spaces stay invalid/,
    );
    // The revised plan is the one the Coder got and the steps are of.
    const plans = events.filter((e) => e.type === 'agent_os.plan_submitted');
    assert.equal(plans.length, 2);
    assert.equal(verdictsOf(events).length, 1);
  } finally {
    await world.close();
  }
});
