// The runtime's supervision where the platform runs the agent loop (the platform stand-in, the real SDK, the
// scripted model): the Planner's questions hold its submit_plan until the person answers, and the answers
// reach it; a Coder's premature complete_step is caught by Agent OS's own validation run and its retry
// passes; a Reviewer's APPROVE over a failing suite goes back to it and its honest REJECT follows; the
// approvable verdict's evidence names Agent OS's passing run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventOfType, SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { managedDemoModelScript } from '../../src/testkit/managed/managedDemoScript.ts';
import {
  sampleApproveVerdict,
  samplePlan,
  sampleRejectVerdict,
  solutionTest,
} from '../../src/testkit/demo/fixture/solution.ts';
import { requireOsSandbox } from '../support/requirements.ts';
import { startManagedWorld } from './managedWorld.ts';

const QUESTION = 'Should "1h30" (no unit at the end) be refused?';
const ANSWER = 'Yes: refuse it with a RangeError.';
const BROKEN = {
  file_path: 'test/zz.test.js',
  content: "require('node:test')('leftover', () => { throw new Error('left broken'); });\n",
};
const FIXED = { file_path: 'test/zz.test.js', content: "require('node:test')('leftover', () => {});\n" };

type Turn = { content: unknown[]; expect?: { last_user_text_includes: string } };
const text = (t: string) => ({ type: 'text', text: t });
const tool = (name: string, input: unknown) => ({ type: 'tool_use', name, input });
const turn = (content: unknown[], includes?: string): Turn => ({
  content,
  ...(includes ? { expect: { last_user_text_includes: includes } } : {}),
});

function script(): unknown {
  const demo = managedDemoModelScript() as { agents: Record<string, Turn[]> };
  const planner = demo.agents['Planner'] as Turn[];
  const coder = demo.agents['Coder'] as Turn[];
  const reviewer = demo.agents['Reviewer'] as Turn[];
  return {
    agents: {
      ...demo.agents,
      Planner: [
        ...planner.slice(0, 3),
        turn([tool('submit_plan', { ...samplePlan, confidence: 0.4, questions: [QUESTION] })]),
        turn([tool('submit_plan', samplePlan)], ANSWER),
        turn([text('Plan accepted; handed in.')], 'Plan accepted'),
      ],
      Coder: [
        coder[0] as Turn,
        // "Step 1 is done" before any change: Agent OS runs the validation itself and it fails.
        turn([text('Step 1: PASSED.'), tool('complete_step', { step_id: '1' })]),
        { ...(coder[1] as Turn), expect: { last_user_text_includes: 'did not pass' } },
        ...coder.slice(2, 5),
        // A test left failing that no step's validation runs: only the full suite sees it.
        turn([tool('write', BROKEN)]),
        coder[5] as Turn,
        turn([tool('write', solutionTest.input)], 'formatDuration'),
        turn([tool('write', FIXED)]),
        ...coder.slice(7),
      ],
      Reviewer: [
        ...reviewer.slice(0, 2),
        turn([tool('submit_verdict', sampleApproveVerdict)]),
        turn([tool('submit_verdict', sampleRejectVerdict)], 'was not accepted'),
        ...reviewer.slice(3),
      ],
    },
  };
}

const ofType = <T extends SessionEvent['type']>(events: readonly SessionEvent[], type: T) =>
  events.filter((e): e is EventOfType<T> => e.type === type);

test('managed: questions held for the person, steps and the suite run by Agent OS, a fabricated APPROVE sent back', async (t) => {
  // Agent OS runs a step's validation and the verdict's suite only where a sandbox confines them
  // (unconfined, each would wait for the person: test/pipeline/supervision.test.ts shows that case).
  const why = await requireOsSandbox();
  if (why) return t.skip(why);
  const world = await startManagedWorld({ script: script() });
  try {
    await world.startWorker();
    const { runtime, store } = world.setup;
    const meta = await runtime.start({ issue: world.issueRef, repository: world.sample.workdir });
    // The Planner's plan waits for the person: the platform session waits on its submit_plan.
    assert.equal((await runtime.settled(meta.id))?.type, 'requires_action');
    let events = await store.read(meta.id);
    const asked = ofType(events, 'agent_os.questions_asked')[0];
    assert.equal(asked?.reason, 'questions');
    assert.equal(asked?.questions[0], QUESTION);
    assert.equal(foldSession(meta.id, events).openQuestions?.id, asked?.id);
    assert.equal(
      ofType(events, 'session.thread_created').some((e) => e.agent_name === 'Coder'),
      false,
      'the Coder has not started',
    );

    await runtime.answerQuestions(meta.id, asked!.id, [ANSWER, 'go ahead']);
    events = await store.read(meta.id);
    assert.deepEqual(
      world.model.requests.filter((r) => r.outcome.kind !== 'turn').map((r) => r.outcome),
      [],
      'every request matched its expect',
    );
    assert.equal(ofType(events, 'agent_os.plan_submitted').length, 2, 'the revised plan was handed in again');

    // The premature complete_step: Agent OS's run failed it; the retry after the edit passed.
    const runs = ofType(events, 'agent_os.validation_run');
    const step1 = runs.filter((r) => r.purpose === 'step' && r.step_id === '1');
    assert.deepEqual(
      step1.map((r) => [r.attempt, r.exit_code === 0]),
      [
        [1, false],
        [2, true],
      ],
    );
    assert.ok(ofType(events, 'agent_os.step_updated').some((s) => s.step_id === '2' && s.state === 'passed'));

    // The APPROVE over the failing suite was not recorded as a verdict; the REJECT after it was.
    const suites = runs.filter((r) => r.purpose === 'test_suite');
    assert.deepEqual(
      suites.map((r) => r.exit_code === 0),
      [false, true],
    );
    assert.match(suites[0]?.output_tail ?? '', /left broken/);
    const verdicts = ofType(events, 'agent_os.verdict_submitted');
    assert.deepEqual(
      verdicts.map((v) => v.verdict.decision),
      ['REJECT', 'APPROVE'],
    );
    assert.equal(verdicts[1]?.evidence.suite_run?.event_id, suites[1]?.id);
    assert.equal(verdicts[1]?.evidence.suite_run?.exit_code, 0);
    assert.equal(foldSession(meta.id, events).stopReason?.type, 'requires_action');
  } finally {
    await world.close();
  }
});
