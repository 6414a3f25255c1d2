// Supervision by the runtime, on the demo's repository with the scripted model: a Coder's claim that a step
// passed counts only when the runtime's own run of its validation passed; three failing runs end the step and
// the Coordinator gets the runtime's report; an APPROVE over a failing test suite goes back to the Reviewer,
// whose honest REJECT follows, and the approvable verdict's evidence names the passing run; a thread that
// repeats itself is stopped and its caller decides.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventOfType, SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { foldPlanSteps } from '../../src/core/pipeline/planSteps.ts';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { solutionCodeChange, solutionTest } from '../../src/testkit/demo/fixture/solution.ts';
import { startDemoWorld } from '../support/demoWorld.ts';
import {
  approveOnceScript,
  approveText,
  expecting,
  lastUserText,
  plannerTurns,
  rejectText,
  requestsOf,
  send,
  text,
  threadOf,
  tool,
  turn,
  verdictsOf,
} from './scriptParts.ts';

type Run = EventOfType<'agent_os.validation_run'>;
const runsOf = (events: readonly SessionEvent[], purpose: Run['purpose']): Run[] =>
  events.filter((e): e is Run => e.type === 'agent_os.validation_run' && e.purpose === purpose);
const completeStep = (id: string) => tool('complete_step', { step_id: id });
const toPlanAndCoder = () => [
  turn(send('Planner', 'Plan the fix for the issue.')),
  expecting('Plan accepted', send('Coder', 'Carry out the plan.')),
];
const noScriptErrors = (world: Awaited<ReturnType<typeof startDemoWorld>>) =>
  assert.deepEqual(
    world.rt.server.requests.filter((r) => r.outcome.kind !== 'turn').map((r) => r.outcome),
    [],
  );

test("a Coder's false PASSED is caught: its hand-off goes back, and the runtime's own run of the step fails until the work is there", async () => {
  const world = await startDemoWorld({
    agents: {
      Coordinator: [
        ...toPlanAndCoder(),
        expecting('committed this work', text("Done: both steps passed the runtime's validation.")),
      ],
      Planner: plannerTurns(),
      Coder: [
        turn(tool('edit', solutionCodeChange.input)),
        // The claim, without any run: not taken.
        turn(text('Step 1: PASSED. Step 2: PASSED.')),
        expecting('has not seen these steps', completeStep('1')),
        // Step 2 reported done before its test file exists: the runtime's run fails.
        turn(completeStep('2')),
        expecting('did not pass', tool('write', solutionTest.input)),
        turn(completeStep('2')),
        expecting(
          'Every step of the plan has passed',
          text('Step 1: PASSED after 1 attempt. Step 2: PASSED after 2 attempts.'),
        ),
      ],
    },
  });
  try {
    const { rt, sample } = world;
    const meta = await rt.runtime.start({ issue: world.issueRef, repository: sample.workdir });
    assert.deepEqual(await rt.runtime.settled(meta.id), { type: 'end_turn' });
    noScriptErrors(world);
    const events = await rt.store.read(meta.id);
    const coder = threadOf(events, 'Coder');
    const runs = runsOf(events, 'step');
    assert.deepEqual(
      runs.map((r) => [r.step_id, r.attempt, r.exit_code === 0]),
      [
        ['1', 1, true],
        ['2', 1, false],
        ['2', 2, true],
      ],
    );
    assert.ok(
      runs.every((r) => r.thread === coder && r.sandbox_id),
      "each run is in the Coder's own sandbox",
    );
    assert.match(runs[1]!.output_tail, /compoundDuration/, "the failing run's output is recorded");
    // The failing output went back to the same Coder thread as its next attempt.
    const coderRequests = requestsOf(rt.server, 'Coder');
    assert.match(lastUserText(coderRequests[4]!), /did not pass[\s\S]*attempt 1 of 3/);
    const progress = foldPlanSteps(events).progress;
    assert.deepEqual(
      progress?.steps.map((s) => [s.id, s.state, s.attempts]),
      [
        ['1', 'passed', 1],
        ['2', 'passed', 2],
      ],
    );
    // States are events: pending on acceptance, running while validated, then the runtime's decision.
    const states = events
      .filter((e): e is EventOfType<'agent_os.step_updated'> => e.type === 'agent_os.step_updated')
      .map((e) => `${e.step_id}:${e.state}`);
    assert.deepEqual(states, [
      '1:pending',
      '2:pending',
      '1:running',
      '1:passed',
      '2:running',
      '2:running',
      '2:running',
      '2:passed',
    ]);
  } finally {
    await world.close();
  }
});

test("three failing validation runs end the step: the Coder is stopped and the Coordinator reports the runtime's report", async () => {
  const world = await startDemoWorld(
    {
      agents: {
        Coordinator: [
          ...toPlanAndCoder(),
          expecting('STEP FAILED', text('Step 2 could not pass its validation; reporting to the person.')),
        ],
        Planner: plannerTurns(),
        Coder: [
          turn(tool('edit', solutionCodeChange.input)),
          turn(completeStep('1')),
          turn(completeStep('2')),
          turn(tool('read', { file_path: 'src/parseDuration.js' })),
          turn(completeStep('2')),
          turn(tool('glob', { pattern: 'test/*.js' })),
          turn(completeStep('2')),
          // Never asked for: the runtime stops the thread after the third failure.
        ],
      },
    },
    { settings: { stepAttempts: 3 } },
  );
  try {
    const { rt, sample } = world;
    const meta = await rt.runtime.start({ issue: world.issueRef, repository: sample.workdir });
    assert.deepEqual(await rt.runtime.settled(meta.id), { type: 'end_turn' });
    noScriptErrors(world);
    const events = await rt.store.read(meta.id);
    const state = foldSession(meta.id, events);
    assert.equal(requestsOf(rt.server, 'Coder').length, 7, 'the Coder is not asked again after the last failure');
    assert.equal(requestsOf(rt.server, 'Reviewer').length, 0);
    const failed = events.find(
      (e): e is EventOfType<'agent_os.step_updated'> => e.type === 'agent_os.step_updated' && e.state === 'failed',
    );
    assert.deepEqual(failed && [failed.step_id, failed.attempts, failed.max_attempts], ['2', 3, 3]);
    assert.deepEqual(
      runsOf(events, 'step').map((r) => r.exit_code === 0),
      [true, false, false, false],
    );
    // The Coordinator's call to the Coder is answered with the structured report, as an error.
    const report = events.filter((e) => e.type === 'agent.tool_result' && e.thread === state.primaryThreadId).at(-1);
    assert.ok(report?.type === 'agent.tool_result' && report.is_error);
    const reportText = report.content[0]?.text ?? '';
    assert.match(reportText, /STEP FAILED .*step 2 "Test compound durations" did not pass after 3 attempt/);
    assert.match(reportText, /Validation: `node --test test\/compoundDuration\.test\.js` — last run exit 1/);
    assert.match(reportText, /Steps: 1 passed; 2 failed/);
    assert.equal(verdictsOf(events).length, 0);
  } finally {
    await world.close();
  }
});

const FAILING_EXTRA = {
  file_path: 'test/extra.test.js',
  content: "'use strict';\nrequire('node:test')('a leftover', () => { throw new Error('leftover fails'); });\n",
};
const PASSING_EXTRA = {
  file_path: 'test/extra.test.js',
  content: "'use strict';\nrequire('node:test')('a leftover', () => {});\n",
};

test('an APPROVE over a failing suite goes back to the Reviewer, an honest REJECT follows, and the approvable verdict names the passing run', async () => {
  const world = await startDemoWorld({
    agents: {
      Coordinator: [
        ...toPlanAndCoder(),
        turn(send('Reviewer', 'Review the change.')),
        expecting('REJECT', send('Coder', 'Fix what the Reviewer found.')),
        turn(send('Reviewer', 'Review again.')),
        expecting('approved', text('Done.')),
      ],
      Planner: plannerTurns(),
      Coder: [
        turn(tool('edit', solutionCodeChange.input)),
        turn(completeStep('1')),
        turn(tool('write', solutionTest.input)),
        // A second test file that fails: the steps' own validations do not run it; the full suite does.
        turn(tool('write', FAILING_EXTRA)),
        turn(completeStep('2')),
        turn(text('Step 1: PASSED. Step 2: PASSED.')),
        expecting('Fix what the Reviewer found', tool('write', PASSING_EXTRA)),
        turn(text('Fixed test/extra.test.js.')),
      ],
      Reviewer: [
        // Approves without running anything.
        turn(text(approveText())),
        expecting('Your APPROVE was not accepted', text(rejectText())),
        turn(text(approveText())),
      ],
    },
  });
  try {
    const { rt, sample } = world;
    const meta = await rt.runtime.start({ issue: world.issueRef, repository: sample.workdir });
    assert.equal((await rt.runtime.settled(meta.id))?.type, 'requires_action');
    noScriptErrors(world);
    let events = await rt.store.read(meta.id);
    const reviewer = threadOf(events, 'Reviewer');
    const suites = runsOf(events, 'test_suite');
    assert.equal(suites.length, 2, 'one run per APPROVE; the REJECT needed none');
    assert.equal(suites[0]!.command, 'npm test');
    assert.notEqual(suites[0]!.exit_code, 0);
    assert.match(suites[0]!.output_tail, /leftover fails/);
    assert.ok(
      suites.every((s) => s.thread === reviewer && s.commit),
      "runs in the Reviewer's clean room, at a commit",
    );
    // The refused APPROVE was never recorded as a verdict: the verdicts are the REJECT, then the APPROVE.
    const verdicts = verdictsOf(events);
    assert.deepEqual(
      verdicts.map((v) => v.verdict.decision),
      ['REJECT', 'APPROVE'],
    );
    assert.equal(verdicts[0]!.evidence.suite_run, undefined);
    // The Reviewer got the failing output with the refusal.
    assert.match(
      lastUserText(requestsOf(rt.server, 'Reviewer')[1]!),
      /not accepted[\s\S]*npm test[\s\S]*leftover fails/,
    );
    // The approvable verdict's evidence names the passing run, at its head commit.
    const approve = verdicts[1]!;
    const suite = approve.evidence.suite_run;
    assert.ok(suite);
    assert.equal(suite.event_id, suites[1]!.id);
    assert.equal(suite.exit_code, 0);
    assert.equal(suite.command, 'npm test');
    assert.ok(suite.passed !== undefined && suite.passed >= 8 && suite.failed === 0, JSON.stringify(suite));
    assert.ok(suite.duration_ms > 0);
    assert.equal(suites[1]!.commit, approve.evidence.head_commit);

    await rt.runtime.approve(meta.id, approve.id);
    assert.deepEqual(await rt.runtime.settled(meta.id), undefined);
    events = await rt.store.read(meta.id);
    assert.ok(foldSession(meta.id, events).pullRequest, 'the pull request is opened once the person approves');
  } finally {
    await world.close();
  }
});

test('a thread that repeats the same call is stopped with loop_detected, and the Coordinator decides', async () => {
  const same = tool('read', { file_path: 'src/parseDuration.js' });
  const world = await startDemoWorld({
    agents: {
      Coordinator: [
        ...toPlanAndCoder(),
        expecting('LOOP DETECTED', text('The Coder was stopped in a loop; reporting to the person.')),
      ],
      Planner: plannerTurns(),
      Coder: [turn(same), turn(same), turn(same)],
    },
  });
  try {
    const { rt, sample } = world;
    const meta = await rt.runtime.start({ issue: world.issueRef, repository: sample.workdir });
    assert.deepEqual(await rt.runtime.settled(meta.id), { type: 'end_turn' });
    noScriptErrors(world);
    const events = await rt.store.read(meta.id);
    const loop = events.find((e): e is EventOfType<'agent_os.loop_detected'> => e.type === 'agent_os.loop_detected');
    assert.ok(loop);
    assert.equal(loop.reason, 'repeated_tool_call');
    assert.equal(loop.thread, threadOf(events, 'Coder'));
    assert.equal(loop.turns, 3);
    assert.equal(requestsOf(rt.server, 'Coder').length, 3);
  } finally {
    await world.close();
  }
});

test('a validation cut off by an interrupt is not an attempt: on resume the runtime runs it again and the Coder goes on', async () => {
  const slowPlan = {
    summary: 'A step whose validation takes a moment.',
    steps: [
      { id: '1', title: 'Wait', description: 'Nothing to change.', files: [], validation: 'sleep 2 && echo waited' },
    ],
  };
  const world = await startDemoWorld({
    agents: {
      Coordinator: [...toPlanAndCoder(), expecting('Step 1: PASSED', text('Done.'))],
      Planner: [turn(text('```json\n' + JSON.stringify(slowPlan) + '\n```'))],
      Coder: [turn(completeStep('1')), expecting('Every step of the plan has passed', text('Step 1: PASSED.'))],
    },
  });
  try {
    const { rt, sample } = world;
    const meta = await rt.runtime.start({ issue: world.issueRef, repository: sample.workdir });
    const store = rt.store;
    const following = new AbortController();
    for await (const e of store.follow(meta.id, { fromSeq: 1, signal: following.signal }))
      if (e.type === 'agent_os.step_updated' && e.state === 'running') break;
    following.abort();
    await rt.runtime.interrupt(meta.id);
    let events = await store.read(meta.id);
    assert.equal(runsOf(events, 'step').length, 0, 'the cut-off run is not recorded as an attempt');
    await rt.runtime.resume(meta.id);
    noScriptErrors(world);
    events = await store.read(meta.id);
    const runs = runsOf(events, 'step');
    assert.deepEqual(
      runs.map((r) => [r.attempt, r.exit_code, r.output_tail]),
      [[1, 0, 'waited']],
    );
    const use = events.find((e) => e.type === 'agent.tool_use' && e.name === 'complete_step');
    assert.equal(
      events.filter((e) => e.type === 'agent.tool_result' && e.tool_use_id === use?.id).length,
      1,
      'the call has one answer',
    );
    assert.equal(foldSession(meta.id, events).stopReason?.type, 'end_turn');
  } finally {
    await world.close();
  }
});

test("where nothing confines, each step's validation waits for the person's consent, and the verdict gate runs nothing and says so", async () => {
  const world = await startDemoWorld(approveOnceScript(), { sandbox: 'worktree' });
  try {
    const { rt, sample } = world;
    const meta = await rt.runtime.start({ issue: world.issueRef, repository: sample.workdir });
    let stop = await rt.runtime.settled(meta.id);
    const allowed: string[] = [];
    for (let i = 0; i < 20 && stop?.type === 'requires_action'; i++) {
      const events = await rt.store.read(meta.id);
      const asking = events.filter(
        (e): e is EventOfType<'agent.tool_use'> =>
          e.type === 'agent.tool_use' &&
          e.evaluated_permission === 'ask' &&
          stop?.type === 'requires_action' &&
          stop.event_ids.includes(e.id),
      );
      if (asking.length === 0) break;
      for (const use of asking) {
        allowed.push(use.name);
        await rt.runtime.confirmTool(meta.id, use.id, true);
      }
      stop = foldSession(meta.id, await rt.store.read(meta.id)).stopReason;
    }
    assert.deepEqual(allowed.filter((n) => n === 'complete_step').length, 2, 'each validation asked first');
    const events = await rt.store.read(meta.id);
    assert.deepEqual(
      runsOf(events, 'step').map((r) => r.exit_code),
      [0, 0],
    );
    assert.equal(runsOf(events, 'test_suite').length, 0);
    const verdict = verdictsOf(events)[0];
    assert.equal(verdict?.verdict.decision, 'APPROVE');
    assert.equal(verdict?.evidence.suite_run, undefined);
    assert.match(verdict?.evidence.suite_run_note ?? '', /confines nothing[\s\S]*run the tests yourself/);
  } finally {
    await world.close();
  }
});
