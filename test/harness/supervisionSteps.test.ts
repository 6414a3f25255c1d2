// The stepper's table for the runtime's supervision: plan steps reported with `complete_step`, their
// validation runs and attempts, the thread stopped after a step's last failure or in a loop, `maxTurns`.
// Events in, one step out: no git, HTTP or sandbox.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AssistantBlock, EventInput, EventOfType, SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { nextStep, wakeSteps } from '../../src/core/harness/nextStep.ts';
import { DEFAULT_LOOP_LIMITS, detectLoop } from '../../src/core/harness/runaway.ts';
import type { Step } from '../../src/core/harness/step.ts';
import { foldThreadFacts, loopCounts } from '../../src/core/harness/threadFacts.ts';
import { HALTED_BEFORE_RUN } from '../../src/core/harness/toolResults.ts';
import { foldPlanSteps, stepRunEvents, stepRunningEvent, stepStateOfRun } from '../../src/core/pipeline/planSteps.ts';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { resolveToolset } from '../../src/core/tools/toolConfig.ts';
import { logOf, modelTurn, TWO_STEP_PLAN } from '../support/eventLog.ts';

const T = 'sthr_coder';
const tools = resolveToolset({ type: 'agent_toolset_20260401' });

const plan = TWO_STEP_PLAN;
const ask = (text = 'carry out the plan'): EventInput => ({
  type: 'agent.thread_message_received',
  thread: T,
  from_session_thread_id: 'sthr_c',
  content: [{ type: 'text', text }],
});
const turn = (...content: AssistantBlock[]): EventInput => modelTurn(T, ...content);
const call = (id: string, name: string, input: unknown): AssistantBlock => ({ type: 'tool_use', id, name, input });
const complete = (id: string, step: string): AssistantBlock => call(id, 'complete_step', { step_id: step });
const recorded = (
  modelId: string,
  name: string,
  input: unknown,
  permission: 'allow' | 'deny' = 'allow',
): EventInput => ({
  type: 'agent.tool_use',
  thread: T,
  name,
  input,
  model_tool_use_id: modelId,
  evaluated_permission: permission,
});
const result = (toolUseId: string, text = 'ok', isError = false): EventInput => ({
  type: 'agent.tool_result',
  thread: T,
  tool_use_id: toolUseId,
  content: [{ type: 'text', text }],
  is_error: isError,
});

/** The run the driver records for a `complete_step` call (plan event sevt_1), then the step's new state. */
function ran(
  events: SessionEvent[],
  toolUseId: string,
  step: string,
  attempt: number,
  exitCode: number,
  max = 3,
): SessionEvent[] {
  const made = stepRunEvents(
    T,
    toolUseId,
    { kind: 'validate', planEventId: 'sevt_1', stepId: step, command: 'x', attempt },
    { command: 'x', exitCode, output: exitCode ? 'boom' : '', durationMs: 5 },
    max,
  );
  const withRun = logOf(...events, made.run);
  return logOf(...withRun, made.state(withRun.at(-1)!.id));
}

function stepOf(
  events: SessionEvent[],
  opts: { completesSteps?: boolean; maxTurns?: number; maxStepAttempts?: number } = {},
): Step {
  const state = foldSession('sesn_t', events);
  return nextStep({
    threadId: T,
    agent: { name: 'Coder', tools, ...(opts.maxTurns ? { maxTurns: opts.maxTurns } : {}) },
    mayDelegate: false,
    facts: foldThreadFacts(events.filter((e) => e.thread === T)),
    pending: state.threads[T]?.pendingToolUses ?? new Map(),
    interrupted: false,
    delegations: new Map(),
    supervision: {
      steps: foldPlanSteps(events),
      completesSteps: opts.completesSteps ?? true,
      maxStepAttempts: opts.maxStepAttempts ?? 3,
      loopLimits: DEFAULT_LOOP_LIMITS,
    },
  });
}

test("complete_step is the runtime's tool: allowed for an agent that completes steps, refused for others", () => {
  const events = logOf(plan, ask(), turn(complete('toolu_1', '1')));
  const coder = stepOf(events);
  assert.equal(coder.kind === 'record_tool_use' && coder.permission, 'allow');
  assert.equal(
    coder.kind === 'record_tool_use' && coder.openSandbox,
    true,
    'the record names the sandbox that runs the validation',
  );
  const other = stepOf(events, { completesSteps: false });
  assert.equal(other.kind === 'record_tool_use' && other.permission, 'deny');
});

test("a reported step is validated by the runtime: the step's own command, attempt 1", () => {
  const events = logOf(
    plan,
    ask(),
    turn(complete('toolu_1', '1')),
    recorded('toolu_1', 'complete_step', { step_id: '1' }),
  );
  const step = stepOf(events);
  assert.equal(step.kind, 'validate_step');
  assert.deepEqual(step.kind === 'validate_step' && step.validation, {
    kind: 'validate',
    planEventId: 'sevt_1',
    stepId: '1',
    command: 'node check.js',
    attempt: 1,
  });
});

test('steps go in plan order; a step id the plan lacks and a call without a plan are refused, not run', () => {
  const outOfOrder = stepOf(
    logOf(plan, ask(), turn(complete('toolu_1', '2')), recorded('toolu_1', 'complete_step', { step_id: '2' })),
  );
  assert.equal(outOfOrder.kind, 'answer_tool');
  assert.match(outOfOrder.kind === 'answer_tool' ? outOfOrder.text : '', /step 1 \("Code"\) has not passed yet/);
  const unknown = stepOf(
    logOf(plan, ask(), turn(complete('toolu_1', '9')), recorded('toolu_1', 'complete_step', { step_id: '9' })),
  );
  assert.match(unknown.kind === 'answer_tool' ? unknown.text : '', /no step '9' \(its steps: 1, 2\)/);
  const noPlan = stepOf(
    logOf(ask(), turn(complete('toolu_1', '1')), recorded('toolu_1', 'complete_step', { step_id: '1' })),
  );
  assert.match(noPlan.kind === 'answer_tool' ? noPlan.text : '', /no accepted plan/);
});

test('a recorded run answers its call (also on wake: never run twice); a failure counts the attempt and returns the output', () => {
  const base = logOf(
    plan,
    ask(),
    turn(complete('toolu_1', '1')),
    recorded('toolu_1', 'complete_step', { step_id: '1' }),
  );
  const failed = ran(base, 'sevt_4', '1', 1, 1);
  const answer = stepOf(failed);
  assert.equal(answer.kind, 'answer_tool');
  assert.ok(answer.kind === 'answer_tool' && answer.isError);
  assert.match(
    answer.kind === 'answer_tool' ? answer.text : '',
    /did not pass[\s\S]*attempt 1 of 3[\s\S]*boom[\s\S]*call complete_step for this step again/,
  );
  // The next report of the step is its second attempt.
  const again = logOf(
    ...failed,
    result('sevt_4', 'x', true),
    turn(complete('toolu_2', '1')),
    recorded('toolu_2', 'complete_step', { step_id: '1' }),
  );
  const second = stepOf(again);
  assert.equal(second.kind === 'validate_step' && second.validation.attempt, 2);
  // A pass moves on.
  const passed = ran(again, 'sevt_9', '1', 2, 0);
  const ok = stepOf(passed);
  assert.ok(ok.kind === 'answer_tool' && !ok.isError);
  assert.match(ok.kind === 'answer_tool' ? ok.text : '', /Step 1 \("Code"\) passed[\s\S]*Go on with step 2/);
  // Wake does not answer a cut-off complete_step "outcome unknown" (a bash call would be): its thread answers
  // it from the recorded run, or runs the validation again.
  const cut = logOf(...base, recorded('toolu_9', 'bash', { command: 'ls' }));
  const wake = wakeSteps(foldSession('sesn_t', cut), (id) => foldThreadFacts(cut.filter((e) => e.thread === id)));
  assert.deepEqual(
    wake.filter((s) => s.kind === 'answer_tool').map((s) => s.kind === 'answer_tool' && s.toolUseId),
    ['sevt_5'],
  );
});

test("after the last failing attempt the step fails: later calls of the turn are not run, and the thread ends with the runtime's report", () => {
  const base = logOf(
    plan,
    ask(),
    turn(complete('toolu_1', '1'), call('toolu_2', 'bash', { command: 'ls' })),
    recorded('toolu_1', 'complete_step', { step_id: '1' }),
  );
  const last = ran(base, 'sevt_4', '1', 2, 1, 2);
  const answer = stepOf(last, { maxStepAttempts: 2 });
  assert.match(answer.kind === 'answer_tool' ? answer.text : '', /FAILED[\s\S]*attempt 2 of 2, none left[\s\S]*Stop/);
  const afterAnswer = logOf(...last, result('sevt_4', 'failed', true));
  const record = stepOf(afterAnswer, { maxStepAttempts: 2 });
  assert.equal(record.kind, 'record_tool_use');
  const halted = stepOf(logOf(...afterAnswer, recorded('toolu_2', 'bash', { command: 'ls' })), { maxStepAttempts: 2 });
  assert.deepEqual(halted, {
    kind: 'answer_tool',
    threadId: T,
    toolUseId: 'sevt_8',
    text: HALTED_BEFORE_RUN,
    isError: true,
  });
  const done = stepOf(
    logOf(...afterAnswer, recorded('toolu_2', 'bash', { command: 'ls' }), result('sevt_8', HALTED_BEFORE_RUN, true)),
    { maxStepAttempts: 2 },
  );
  assert.equal(done.kind, 'done');
  assert.ok(done.kind === 'done' && done.halt === 'step_failed' && done.endEventId === 'sevt_6');
  assert.match(
    done.kind === 'done' ? done.text : '',
    /STEP FAILED[\s\S]*step 1 "Code" did not pass after 2 attempt[\s\S]*Steps: 1 failed; 2 pending \(not started\)/,
  );
  // The caller's next message is its decision: the thread goes on.
  const resumed = logOf(
    ...afterAnswer,
    recorded('toolu_2', 'bash', { command: 'ls' }),
    result('sevt_8', HALTED_BEFORE_RUN, true),
    ask('try another way'),
  );
  assert.deepEqual(stepOf(resumed, { maxStepAttempts: 2 }), { kind: 'request_model', threadId: T });
});

test('a call whose result changes is progress: polling that sees news is not a loop', () => {
  const poll = (i: number, out: string): EventInput[] => [
    turn(call(`toolu_${i}`, 'bash', { command: 'git status' })),
    recorded(`toolu_${i}`, 'bash', { command: 'git status' }),
    result(`sevt_${3 * i}`, out),
  ];
  const changing = logOf(ask(), ...poll(1, 'a'), ...poll(2, 'b'), ...poll(3, 'c'));
  assert.deepEqual(stepOf(changing), { kind: 'request_model', threadId: T });
  const same = logOf(ask(), ...poll(1, 'a'), ...poll(2, 'a'), ...poll(3, 'a'));
  assert.equal(stepOf(same).kind, 'record_loop');
});

test('the same call three turns in a row is a loop: recorded, then the thread ends with the report for its caller', () => {
  const read = (id: string) => call(id, 'read', { file_path: 'a.js' });
  const rounds: EventInput[] = [];
  for (let i = 1; i <= 3; i++)
    rounds.push(
      turn(read(`toolu_${i}`)),
      recorded(`toolu_${i}`, 'read', { file_path: 'a.js' }),
      result(`sevt_${3 + (i - 1) * 3}`),
    );
  const twice = logOf(ask(), ...rounds.slice(0, 6));
  assert.deepEqual(stepOf(twice), { kind: 'request_model', threadId: T });
  const thrice = logOf(ask(), ...rounds);
  const loop = stepOf(thrice);
  assert.equal(loop.kind, 'record_loop');
  assert.deepEqual(loop.kind === 'record_loop' && [loop.finding.reason, loop.finding.turns], ['repeated_tool_call', 3]);
  const detected = logOf(...thrice, {
    type: 'agent_os.loop_detected',
    thread: T,
    ...(loop.kind === 'record_loop' ? loop.finding : { reason: 'no_progress', detail: '', turns: 0 }),
  });
  const done = stepOf(detected);
  assert.ok(done.kind === 'done' && done.halt === 'loop_detected');
  assert.match(done.kind === 'done' ? done.text : '', /LOOP DETECTED[\s\S]*Coder thread was stopped/);
  // Key order does not make another call.
  const reordered = logOf(
    ask(),
    turn(call('a', 'grep', { pattern: 'x', path: 'src' })),
    turn(call('b', 'grep', { path: 'src', pattern: 'x' })),
    turn(call('c', 'grep', { pattern: 'x', path: 'src' })),
  );
  assert.equal(loopCounts(foldThreadFacts(reordered)).repeatedTurns, 3);
});

test('turns that make only calls already made are no progress; maxTurns from the agent file is honoured', () => {
  const calls = [call('a', 'read', { file_path: 'a.js' }), call('b', 'read', { file_path: 'b.js' })];
  const turns: EventInput[] = [];
  for (let i = 0; i < 9; i++) turns.push(turn(calls[i % 2]!));
  const facts = foldThreadFacts(logOf(ask(), ...turns));
  assert.equal(loopCounts(facts).staleTurns, 7, 'the first two turns made new calls');
  const stale = foldThreadFacts(logOf(ask(), ...turns, turn(calls[1]!)));
  assert.equal(loopCounts(stale).staleTurns, 8);
  assert.equal(loopCounts(stale).repeatedTurns, 1, 'alternating calls are not the same call repeated');
  assert.equal(detectLoop(stale, { repeatedTurns: 3, staleTurns: 9 }, undefined), undefined);
  assert.deepEqual(detectLoop(stale, DEFAULT_LOOP_LIMITS, undefined)?.reason, 'no_progress');
  assert.equal(detectLoop(facts, DEFAULT_LOOP_LIMITS, undefined), undefined);
  const answeredAll = logOf(
    ask(),
    turn(call('a', 'read', { file_path: 'a.js' })),
    recorded('a', 'read', { file_path: 'a.js' }),
    result('sevt_3'),
  );
  assert.deepEqual(stepOf(answeredAll, { maxTurns: 2 }), { kind: 'request_model', threadId: T });
  const limit = stepOf(answeredAll, { maxTurns: 1 });
  assert.ok(limit.kind === 'record_loop' && limit.finding.reason === 'max_turns');
  // A new task starts the count afresh.
  assert.deepEqual(stepOf(logOf(...answeredAll, ask('next task')), { maxTurns: 1 }), {
    kind: 'request_model',
    threadId: T,
  });
});

test('a run lost in a crash after its step was recorded running (the run is written ahead of its state): the validation runs again', () => {
  const running = logOf(
    plan,
    ask(),
    turn(complete('toolu_1', '1')),
    recorded('toolu_1', 'complete_step', { step_id: '1' }),
    stepRunningEvent(
      T,
      { kind: 'validate', planEventId: 'sevt_1', stepId: '1', command: 'node check.js', attempt: 1 },
      3,
    ),
  );
  const step = stepOf(running);
  assert.equal(step.kind, 'validate_step');
  assert.equal(step.kind === 'validate_step' && step.validation.attempt, 1, 'the lost run was no attempt');
});

test('a run whose step state a crash lost (the run is written ahead of it): its state is recorded before the call is answered, so the next step is not refused', () => {
  const base = logOf(
    plan,
    ask(),
    turn(complete('toolu_1', '1')),
    recorded('toolu_1', 'complete_step', { step_id: '1' }),
    stepRunningEvent(T, { kind: 'validate', planEventId: 'sevt_1', stepId: '1', command: 'x', attempt: 1 }, 3),
  );
  const made = stepRunEvents(
    T,
    'sevt_4',
    { kind: 'validate', planEventId: 'sevt_1', stepId: '1', command: 'x', attempt: 1 },
    { command: 'x', exitCode: 0, output: '', durationMs: 5 },
    3,
  );
  const runOnly = logOf(...base, made.run);
  const run = runOnly.at(-1)!;
  const step = stepOf(runOnly);
  assert.equal(step.kind, 'record_step_state', 'answered from the run, the step would still read "running"');
  assert.equal(step.kind === 'record_step_state' && step.run.id, run.id);
  // What the driver records is the state the uncut run would have recorded, and the call is answered next.
  const recovered = logOf(...runOnly, stepStateOfRun(run as EventOfType<'agent_os.validation_run'>, 3)!);
  assert.deepEqual(recovered.at(-1), { ...logOf(...runOnly, made.state(run.id)).at(-1)!, id: recovered.at(-1)!.id });
  assert.equal(foldPlanSteps(recovered).progress?.steps[0]?.state, 'passed');
  const answer = stepOf(recovered);
  assert.ok(answer.kind === 'answer_tool' && !answer.isError);
  assert.match(answer.kind === 'answer_tool' ? answer.text : '', /Step 1 \("Code"\) passed[\s\S]*Go on with step 2/);
  // The next step is then validated, not refused for an unfinished step 1.
  const next = logOf(
    ...recovered,
    result('sevt_4', 'passed'),
    turn(complete('toolu_2', '2')),
    recorded('toolu_2', 'complete_step', { step_id: '2' }),
  );
  const second = stepOf(next);
  assert.equal(second.kind === 'validate_step' && second.validation.stepId, '2');
});

test('an interrupted validation leaves its call open: the thread stops, and runs the validation when it goes on', () => {
  const events = logOf(
    plan,
    ask(),
    turn(complete('toolu_1', '1')),
    recorded('toolu_1', 'complete_step', { step_id: '1' }),
  );
  const state = foldSession('sesn_t', events);
  const view = {
    threadId: T,
    agent: { name: 'Coder', tools },
    mayDelegate: false,
    facts: foldThreadFacts(events),
    pending: state.threads[T]?.pendingToolUses ?? new Map(),
    delegations: new Map(),
    supervision: {
      steps: foldPlanSteps(events),
      completesSteps: true,
      maxStepAttempts: 3,
      loopLimits: DEFAULT_LOOP_LIMITS,
    },
  };
  assert.deepEqual(nextStep({ ...view, interrupted: true }), { kind: 'stop', threadId: T, reason: 'interrupted' });
  assert.equal(nextStep({ ...view, interrupted: false }).kind, 'validate_step');
});

test('a context past the limit is compacted once before the next request; the compacted thread then asks the model', () => {
  const big = 'x'.repeat(30_000);
  const events = logOf(
    ask(),
    turn(call('toolu_1', 'bash', { command: 'cat big' })),
    recorded('toolu_1', 'bash', { command: 'cat big' }),
    result('sevt_3', big),
  );
  const state = foldSession('sesn_t', events);
  const view = (evs: SessionEvent[], limit?: number) => ({
    threadId: T,
    agent: { name: 'Coder', tools },
    mayDelegate: false,
    facts: foldThreadFacts(evs),
    pending: state.threads[T]?.pendingToolUses ?? new Map(),
    interrupted: false,
    delegations: new Map(),
    supervision: {
      steps: foldPlanSteps(evs),
      completesSteps: true,
      maxStepAttempts: 3,
      loopLimits: DEFAULT_LOOP_LIMITS,
      ...(limit ? { compactAboveTokens: limit } : {}),
    },
  });
  assert.deepEqual(nextStep(view(events)), { kind: 'request_model', threadId: T }, 'no limit, no compaction');
  const step = nextStep(view(events, 5_000));
  assert.equal(step.kind, 'compact_thread');
  assert.ok(step.kind === 'compact_thread' && step.tokens > 7_000);
  const compacted = logOf(...events, {
    type: 'agent.thread_context_compacted',
    thread: T,
    pre_compaction_tokens: 7_600,
    summary: 'summary',
    through_seq: 4,
  });
  assert.deepEqual(nextStep(view(compacted, 5_000)), { kind: 'request_model', threadId: T });
});
