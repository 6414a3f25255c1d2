// A plan is appended, then what follows it (the person's questions, the plan's steps) in a second append. A
// crash between the two used to leave a plan that was accepted when the hook was asked again on wake: the
// Coder started on a plan the person was to be asked about. Asked again, the hook now appends what is
// missing, and holds for the person when the plan needed them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventInput, EventOfType, SessionEvent } from '../../src/core/events/sessionEvent.ts';
import type { ThreadResultRequest } from '../../src/core/harness/threadResultHook.ts';
import { DEFAULT_QUESTION_POLICY } from '../../src/core/pipeline/planQuestions.ts';
import { pipelineResultHook } from '../../src/node/pipeline/pipelineResultHook.ts';
import { samplePlan } from '../../src/testkit/demo/fixture/solution.ts';
import { logOf } from '../support/eventLog.ts';

const PLANNER = 'sthr_planner';
const unsure = { ...samplePlan, questions: ['Tabs or spaces?'] };

function hookAskedAgain(plan: typeof samplePlan, after: (planEvent: SessionEvent) => EventInput[]) {
  const planInput: EventInput = {
    type: 'agent_os.plan_submitted',
    thread: PLANNER,
    plan,
    model_request_end_id: 'sevt_turn',
  };
  const first = logOf(planInput);
  const events = logOf(planInput, ...after(first[0] as SessionEvent));
  const hook = pipelineResultHook({
    sessionId: 'sesn_cut',
    sandboxes: {
      workspace: () => Promise.reject(new Error('a plan touches no files')),
      changes: () => Promise.reject(new Error('a plan touches no files')),
      checkpoint: () => Promise.reject(new Error('a plan touches no files')),
      mergeChild: () => Promise.reject(new Error('a plan touches no files')),
    },
    maxReviewRounds: 3,
    checkpointCoderWork: false,
    supervision: { maxStepAttempts: 3, testCommand: () => undefined, questions: DEFAULT_QUESTION_POLICY },
  });
  const request: ThreadResultRequest = {
    sessionId: 'sesn_cut',
    threadId: PLANNER,
    agentName: 'Planner',
    parentThreadId: 'sthr_coordinator',
    delegationToolUseId: 'sevt_call',
    finalText: '```json\n' + JSON.stringify(plan) + '\n```',
    modelRequestEndId: 'sevt_turn',
    correctionsSent: 0,
    eventsOfTypes: (types) => events.filter((e) => (types as readonly string[]).includes(e.type)),
    threadEvents: (threadId) => events.filter((e) => e.thread === threadId),
  };
  return hook(request);
}

const stepIds = (events: readonly EventInput[] | undefined) =>
  (events ?? []).flatMap((e) => (e.type === 'agent_os.step_updated' ? [e.step_id] : []));

test('a plan cut off from its questions by a crash holds for the person when asked again, with its steps', async () => {
  const decision = await hookAskedAgain(unsure, () => []);
  assert.equal(decision.kind, 'hold', 'the Coder must not start before the person answers');
  const events = decision.kind === 'hold' ? decision.events : undefined;
  assert.equal(events?.[0]?.type, 'agent_os.questions_asked');
  const asked = events?.[0] as EventOfType<'agent_os.questions_asked'> | undefined;
  assert.deepEqual(asked?.questions, ['Tabs or spaces?']);
  assert.deepEqual(
    stepIds(events),
    samplePlan.steps.map((s) => s.id),
  );
});

test('a plan cut off from its steps goes on with the missing ones; one whose follow-up is whole adds nothing', async () => {
  const [firstStep, ...otherSteps] = samplePlan.steps;
  const torn = await hookAskedAgain(samplePlan, (plan) => [
    {
      type: 'agent_os.step_updated',
      thread: PLANNER,
      plan_event_id: plan.id,
      step_id: firstStep!.id,
      state: 'pending',
      attempts: 0,
      max_attempts: 3,
    },
  ]);
  assert.equal(torn.kind, 'accept');
  assert.deepEqual(
    stepIds(torn.kind === 'accept' ? torn.events : undefined),
    otherSteps.map((s) => s.id),
  );
  const whole = await hookAskedAgain(samplePlan, (plan) =>
    samplePlan.steps.map((s) => ({
      type: 'agent_os.step_updated',
      thread: PLANNER,
      plan_event_id: plan.id,
      step_id: s.id,
      state: 'pending',
      attempts: 0,
      max_attempts: 3,
    })),
  );
  assert.deepEqual(whole, { kind: 'accept', result: `Plan accepted:\n${JSON.stringify(samplePlan, null, 2)}` });
});
