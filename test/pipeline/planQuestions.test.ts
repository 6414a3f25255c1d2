// When a plan waits for the person: open questions, a confidence below the threshold (the plan's or a
// step's), or always when the person asked for it; a revised plan after answers goes on. Pure decisions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Plan } from '../../src/core/agents/planSchema.ts';
import { parsePlan } from '../../src/core/agents/structuredOutput.ts';
import { DEFAULT_QUESTION_POLICY, lowestConfidence, questionsFor } from '../../src/core/pipeline/planQuestions.ts';
import { samplePlan } from '../../src/testkit/demo/fixture/solution.ts';

const at = { id: 'sevt_plan', thread: 'sthr_planner' };
const ask = (plan: Plan, answeredBefore = false, policy = DEFAULT_QUESTION_POLICY) =>
  questionsFor(plan, at, policy, answeredBefore);

test('a plan without questions and with enough confidence goes on; questions or low confidence ask', () => {
  assert.equal(ask(samplePlan), undefined);
  assert.equal(ask({ ...samplePlan, confidence: 0.8 }), undefined);
  const questions = ask({ ...samplePlan, questions: ['Spaces?'] });
  assert.deepEqual(questions && 'questions' in questions ? [questions.reason, questions.questions] : [], [
    'questions',
    ['Spaces?'],
  ]);
  const low = ask({ ...samplePlan, steps: samplePlan.steps.map((s, i) => (i === 1 ? { ...s, confidence: 0.3 } : s)) });
  assert.ok(low && low.type === 'agent_os.questions_asked');
  assert.equal(low.reason, 'low_confidence');
  assert.equal(low.confidence, 0.3);
  assert.match(low.questions[0] ?? '', /confidence in this plan is 30%/);
});

test('after the person answered, the revised plan goes on unless they asked to be asked always; a policy that never asks never asks', () => {
  const unsure: Plan = { ...samplePlan, confidence: 0.2, questions: ['Spaces?'] };
  assert.equal(ask(unsure, true), undefined);
  assert.equal(
    ask(samplePlan, true, { ...DEFAULT_QUESTION_POLICY, askAlways: true })?.type,
    'agent_os.questions_asked',
  );
  assert.equal(ask(unsure, false, { askOnQuestions: false, askBelowConfidence: 0, askAlways: false }), undefined);
});

test("the Planner's schema takes confidence (0–1) and questions; out of range is an error it is told", () => {
  const json = (v: unknown) => '```json\n' + JSON.stringify(v) + '\n```';
  const ok = parsePlan(json({ ...samplePlan, confidence: 0.7, questions: ['Why?'] }));
  assert.ok(ok.ok);
  assert.equal(ok.ok && lowestConfidence(ok.value), 0.7);
  const bad = parsePlan(json({ ...samplePlan, confidence: 7 }));
  assert.ok(!bad.ok);
});
