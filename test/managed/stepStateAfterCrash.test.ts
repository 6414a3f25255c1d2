// Managed mode answers a Coder's `complete_step` from the runtime's own run of the step's validation. The run
// is appended before the step's new state; a crash between the two left the step "running" for good, and
// the next step was refused as out of order. The answer now records that state first, and runs nothing again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventInput, EventOfType } from '../../src/core/events/sessionEvent.ts';
import { SessionLog } from '../../src/core/harness/sessionLog.ts';
import { foldPlanSteps, stepRunEvents, stepRunningEvent } from '../../src/core/pipeline/planSteps.ts';
import { MemorySessionStore } from '../../src/core/session/memorySessionStore.ts';
import { completeStepAnswer } from '../../src/node/managed/managedSupervision.ts';
import { TWO_STEP_PLAN } from '../support/eventLog.ts';

const T = 'sthr_coder';
const NEVER_ASK = { askOnQuestions: false, askBelowConfidence: 0, askAlways: false };

test("managed: a step's run without its state (a crash came between them) is answered after its state is recorded", async () => {
  const store = new MemorySessionStore();
  const meta = await store.create({ title: 'crash between run and state' });
  const log = new SessionLog(await store.openWriter(meta.id), meta.id);
  const plan = await log.append(TWO_STEP_PLAN);
  const call = (await log.append({
    type: 'agent.tool_use',
    thread: T,
    name: 'complete_step',
    input: { step_id: '1' },
    model_tool_use_id: 'toolu_1',
    evaluated_permission: 'allow',
  })) as EventOfType<'agent.tool_use'>;
  const decision = {
    kind: 'validate',
    planEventId: plan.id,
    stepId: '1',
    command: 'node check.js',
    attempt: 1,
  } as const;
  await log.append(stepRunningEvent(T, decision, 3));
  const made = stepRunEvents(
    T,
    call.id,
    decision,
    { command: 'node check.js', exitCode: 0, output: '', durationMs: 4 },
    3,
  );
  await log.append(made.run as EventInput); // ...and the process died before the step's state

  let ran = 0;
  const answer = await completeStepAnswer(log, call, {
    questions: NEVER_ASK,
    maxStepAttempts: 3,
    testCommand: () => Promise.resolve({ note: 'none' }),
    runOnSessionFiles: () => {
      ran++;
      return Promise.resolve({ command: 'node check.js', exitCode: 0, output: '', durationMs: 1 });
    },
  });
  assert.equal(ran, 0, 'the recorded run answers the call: nothing runs twice');
  assert.equal(answer.isError, false);
  assert.match(answer.text, /Step 1 \("Code"\) passed[\s\S]*Go on with step 2/);
  assert.equal(foldPlanSteps(log.events).progress?.steps[0]?.state, 'passed', "the step's state is in the log");
  const again = await completeStepAnswer(log, call, {
    questions: NEVER_ASK,
    maxStepAttempts: 3,
    testCommand: () => Promise.resolve({ note: 'none' }),
  });
  assert.deepEqual(again, answer, 'asked again, the same answer and no second state');
  assert.equal(log.events.filter((e) => e.type === 'agent_os.step_updated').length, 2);
  await log.close();
});
