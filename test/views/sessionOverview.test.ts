// The Session Overview's model, in plain node: the checklist's states from the validation runs in the
// log, the verdict's evidence, one lane per thread with its spans on the time axis, arrows for thread
// messages, cost per thread with the budget, and a bounded picture for a long log.
import type { Plan } from '../../src/core/agents/planSchema.ts';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SessionOverviewModel } from '../../src/views/sessionOverview.ts';
import { MAX_SPANS_PER_LANE } from '../../src/views/timelineSpans.ts';
import { plannedSession, T, type LogBuilder } from './overviewLog.ts';

const META = { title: 'acme/widgets#7: widget count is off by one', source: 'acme/widgets#7' };

function overviewOf(log: LogBuilder, live = false) {
  const model = new SessionOverviewModel('sesn_test');
  model.append(log.events);
  return model.overview({ meta: META, live });
}

/** The Coder at work: step 1's validation fails, then passes; step 2's runs. */
function coderAtWork(log: LogBuilder): LogBuilder {
  const { coordinator, coder } = T;
  log.tool(coordinator, 'send_to_agent', { agent_name: 'Coder', message: 'Carry out the plan.' }, 1_100);
  log.message(coordinator, coder, 'Coder', 'Carry out the plan.', 1_110);
  log.running(coder, 'Coder', 1_120);
  log.request(coder, 1_200, 1_500, 0.05, 5_000);
  log.tool(
    coder,
    'edit',
    { file_path: 'src/widgets.ts', old_string: 'i <= n', new_string: 'i < n' },
    1_510,
    1_520,
    'edited',
  );
  log.tool(coder, 'bash', { command: 'npm test -- widgets' }, 1_600, 2_600, '# pass 3\n# fail 1\n[exit code 1]', true);
  log.request(coder, 2_700, 2_900, 0.05, 5_000);
  log.tool(coder, 'bash', { command: 'npm test  --  widgets' }, 3_000, 3_800, 'TAP version 13\n# pass 4\n# fail 0');
  log.tool(coder, 'bash', { command: 'npm test' }, 4_000);
  return log;
}

describe('Session Overview model', () => {
  test('the issue, the sandbox said plainly and the plan with its steps pending', () => {
    const o = overviewOf(plannedSession());
    assert.equal(o.title, META.title);
    assert.equal(o.source, 'acme/widgets#7');
    assert.match(o.issueText ?? '', /off by one/);
    assert.equal(o.sandbox?.kind, 'bubblewrap');
    assert.equal(o.sandbox?.confined, true);
    assert.match(o.sandbox?.plain ?? '', /only place commands can write/);
    assert.equal(o.plan?.steps.length, 3);
    assert.deepEqual(
      o.plan?.steps.map((s) => s.state),
      ['pending', 'pending', 'pending'],
    );
    assert.deepEqual(o.plan?.steps[0]?.files, ['src/widgets.ts']);
    assert.equal(o.plan?.steps[1]?.validation, 'npm  test');
    assert.equal(o.plan?.revision, 1);
  });

  test("steps' states: failed then passed with two attempts, running while its validation runs, pending after", () => {
    const o = overviewOf(coderAtWork(plannedSession()), true);
    const [one, two, three] = o.plan!.steps;
    assert.equal(one?.state, 'passed');
    assert.equal(one?.attempts, 2);
    assert.equal(one?.latest?.ok, true);
    assert.equal(one?.latest?.exitCode, 0);
    assert.deepEqual([one?.latest?.passed, one?.latest?.failed], [4, 0]);
    // Whitespace does not make another command: "npm test" is step 2's "npm  test", still running.
    assert.equal(two?.state, 'running');
    assert.equal(two?.attempts, 1);
    assert.equal(two?.latest?.ok, null);
    assert.equal(three?.state, 'pending');
    assert.equal(three?.attempts, 0);
  });

  test('a failed latest run fails the step and keeps its exit code and counts', () => {
    const log = plannedSession();
    log.tool(
      T.coder,
      'bash',
      { command: 'npm test -- widgets' },
      1_600,
      2_600,
      'not ok 1\n# pass 3\n# fail 1\n[exit code 1]',
      true,
    );
    const o = overviewOf(log);
    const one = o.plan!.steps[0]!;
    assert.equal(one.state, 'failed');
    assert.equal(one.latest?.exitCode, 1);
    assert.deepEqual([one.latest?.passed, one.latest?.failed], [3, 1]);
    assert.doesNotMatch(one.latest?.outputTail ?? '', /exit code/);
  });

  test('the session at work marks the first unfinished step running before its validation ran', () => {
    const log = plannedSession();
    log.running(T.coder, 'Coder', 1_120);
    assert.deepEqual(
      overviewOf(log, true).plan!.steps.map((s) => s.state),
      ['running', 'pending', 'pending'],
    );
    // Not live (a crash left it running): nothing is under way.
    assert.deepEqual(
      overviewOf(log, false).plan!.steps.map((s) => s.state),
      ['pending', 'pending', 'pending'],
    );
  });

  test('runs before the plan do not count for it, and a revised plan starts over', () => {
    const log = plannedSession();
    log.tool(T.coder, 'bash', { command: 'npm test -- widgets' }, 1_600, 2_600, 'ok');
    const end = log.request(T.planner, 2_700, 2_800);
    log.add(
      T.planner,
      {
        type: 'agent_os.plan_submitted',
        plan: looseLog({
          summary: 'Again',
          steps: [{ description: 'Fix it\nproperly', validation: 'npm test -- widgets' }],
        }),
        model_request_end_id: end.id,
      },
      2_900,
    );
    const o = overviewOf(log);
    assert.equal(o.plan?.revision, 2);
    assert.equal(o.plan?.steps.length, 1);
    // A step without a title reads its description's first line; its id is its position.
    assert.equal(o.plan?.steps[0]?.title, 'Fix it');
    assert.equal(o.plan?.steps[0]?.id, '1');
    assert.equal(o.plan?.steps[0]?.state, 'pending');
  });

  test("the Planner's confidence and questions show when the plan has them", () => {
    const log = plannedSession();
    const end = log.request(T.planner, 2_700, 2_800);
    log.add(T.planner, {
      type: 'agent_os.plan_submitted',
      plan: looseLog({
        summary: 's',
        confidence: 0.55,
        questions: ['Keep the old API?', { question: 'Which Node?' }],
        steps: [],
      }),
      model_request_end_id: end.id,
    });
    const o = overviewOf(log);
    assert.equal(o.plan?.confidence, '55%');
    assert.deepEqual(o.plan?.questions, ['Keep the old API?', 'Which Node?']);
  });

  test('the verdict card: decision, fixes, round, test run with exit code and counts, commits, answer', () => {
    const log = coderAtWork(plannedSession());
    const run = log.tool(
      T.reviewer,
      'bash',
      { command: 'npm test' },
      5_000,
      6_000,
      'tests 12 passed, 1 failed\n[exit code 1]',
      true,
    );
    const end = log.request(T.reviewer, 6_100, 6_200);
    log.add(
      T.reviewer,
      {
        type: 'agent_os.verdict_submitted',
        verdict: {
          decision: 'REJECT',
          summary: 'One test fails.',
          fixes: [{ file: 'src/widgets.ts', problem: 'empty list', fix: 'return 0' }],
        },
        model_request_end_id: end.id,
        evidence: {
          base_commit: 'a'.repeat(40),
          head_commit: 'b'.repeat(40),
          diff_sha256: 'c'.repeat(64),
          test_run_event_ids: [run.id],
        },
      },
      6_300,
    );
    let o = overviewOf(log);
    assert.equal(o.verdict?.decision, 'REJECT');
    assert.equal(o.verdict?.round, 1);
    assert.deepEqual(o.verdict?.fixes, [{ file: 'src/widgets.ts', problem: 'empty list', fix: 'return 0' }]);
    const [testRun] = o.verdict!.testRuns;
    assert.equal(testRun?.command, 'npm test');
    assert.equal(testRun?.exitCode, 1);
    assert.deepEqual([testRun?.passed, testRun?.failed], [12, 1]);
    assert.equal(o.verdict?.baseCommit, 'a'.repeat(40));
    assert.equal(o.verdict?.answered, undefined);

    const approve = log.add(
      T.reviewer,
      {
        type: 'agent_os.verdict_submitted',
        verdict: { decision: 'APPROVE', summary: 'All pass.' },
        model_request_end_id: end.id,
        evidence: {
          base_commit: 'a'.repeat(40),
          head_commit: 'd'.repeat(40),
          diff_sha256: 'e'.repeat(64),
          test_run_event_ids: [],
        },
      },
      7_000,
    );
    log.add(
      T.coordinator,
      { type: 'session.status_idle', stop_reason: { type: 'requires_action', event_ids: [] } },
      7_010,
    );
    const model = new SessionOverviewModel('sesn_test');
    model.append(log.events);
    o = model.overview({
      meta: META,
      live: false,
      changes: {
        verdictEventId: approve.id,
        files: [{ path: 'src/widgets.ts', status: 'M', additions: 2, deletions: 1 }],
      },
    });
    assert.equal(o.verdict?.round, 2);
    assert.deepEqual(o.verdict?.changedFiles, [{ path: 'src/widgets.ts', status: 'M', additions: 2, deletions: 1 }]);
    assert.equal(o.status, 'waiting');
    model.append([
      log.add(T.coordinator, { type: 'agent_os.approval', verdict_event_id: approve.id, decision: 'approve' }, 9_000),
    ]);
    assert.equal(model.overview({ meta: META, live: false }).verdict?.answered, 'approve');
  });

  test('lanes: one per thread in tree order, with model, tool, validation and delegation spans on the time axis', () => {
    const o = overviewOf(coderAtWork(plannedSession()), true);
    const lanes = o.timeline.lanes;
    assert.deepEqual(
      lanes.map((l) => [l.agentName, l.depth]),
      [
        ['Coordinator', 0],
        ['Planner', 1],
        ['Coder', 1],
        ['Reviewer', 1],
      ],
    );
    const coder = lanes.find((l) => l.agentName === 'Coder')!;
    assert.deepEqual(
      coder.spans.map((s) => s.kind),
      ['model', 'tool', 'validation', 'model', 'validation', 'validation'],
    );
    const failedRun = coder.spans[2]!;
    assert.deepEqual([failedRun.start, failedRun.end, failedRun.isError, failedRun.open], [1_600, 2_600, true, false]);
    assert.match(failedRun.label, /^Validation: bash npm test -- widgets \(failed\)$/);
    // The open run reaches the end of the log.
    const open = coder.spans.at(-1)!;
    assert.equal(open.open, true);
    assert.equal(open.end, o.timeline.durationMs);
    assert.equal(coder.counts.validation, 3);
    assert.equal(coder.busyMs, 300 + 10 + 1_000 + 200 + 800 + (o.timeline.durationMs - 4_000));
    const coordinator = lanes[0]!;
    const delegations = coordinator.spans.filter((s) => s.kind === 'delegation');
    assert.deepEqual(
      delegations.map((s) => [s.start, s.end, s.label]),
      [
        [410, 1_010, 'Delegates to Planner'],
        [1_100, o.timeline.durationMs, 'Delegates to Coder'],
      ],
    );
    assert.match(coordinator.spans[0]!.label, /Model request \(claude-sonnet-4-6\): 2\.0k tokens, \$0\.02/);
    assert.equal(o.timeline.startTime, '2026-12-01T10:00:00.000Z');
  });

  test('arrows for thread messages, from lane to lane at their time', () => {
    const o = overviewOf(coderAtWork(plannedSession()));
    assert.deepEqual(
      o.timeline.arrows.map((a) => [a.from, a.to, a.at]),
      [
        [T.coordinator, T.planner, 430],
        [T.planner, T.coordinator, 1_010],
        [T.coordinator, T.coder, 1_110],
      ],
    );
    assert.match(o.timeline.arrows[0]!.label, /^Coordinator → Planner: Plan it\.$/);
  });

  test('waits for the person: an always_ask call until it is answered, an APPROVE until the approval', () => {
    const log = plannedSession();
    const ask = log.tool(
      T.coder,
      'bash',
      { command: 'curl -fsS http://127.0.0.1:9' },
      2_000,
      undefined,
      '',
      false,
      'ask',
    );
    log.add(
      T.coder,
      { type: 'user.tool_confirmation', tool_use_id: ask.id, result: 'deny', deny_message: 'no network' },
      5_000,
    );
    const end = log.request(T.reviewer, 6_000, 6_100);
    const verdict = log.add(
      T.reviewer,
      {
        type: 'agent_os.verdict_submitted',
        verdict: { decision: 'APPROVE', summary: 'ok' },
        model_request_end_id: end.id,
        evidence: { base_commit: 'a', head_commit: 'b', diff_sha256: 'c', test_run_event_ids: [] },
      },
      6_200,
    );
    let o = overviewOf(log);
    const coderWait = o.timeline.lanes.find((l) => l.agentName === 'Coder')!.spans.find((s) => s.kind === 'wait')!;
    assert.deepEqual(
      [coderWait.start, coderWait.end, coderWait.label],
      [2_000, 5_000, 'Waits for you to allow bash (denied)'],
    );
    let verdictWait = o.timeline.lanes[0]!.spans.find((s) => s.kind === 'wait')!;
    assert.equal(verdictWait.open, true);
    log.add(T.coordinator, { type: 'agent_os.approval', verdict_event_id: verdict.id, decision: 'approve' }, 60_000);
    o = overviewOf(log);
    verdictWait = o.timeline.lanes[0]!.spans.find((s) => s.kind === 'wait')!;
    assert.deepEqual([verdictWait.start, verdictWait.end, verdictWait.open], [6_200, 60_000, false]);
  });

  test('cost and tokens per thread, the total and the budget', () => {
    const o = overviewOf(coderAtWork(plannedSession()));
    const bars = Object.fromEntries(
      o.costs.bars.map((b) => [b.agentName, [Number(b.costUsd.toFixed(4)), b.tokens, b.requests]]),
    );
    assert.deepEqual(bars, {
      Coordinator: [0.02, 2_000, 1],
      Planner: [0.03, 3_000, 1],
      Coder: [0.1, 10_000, 2],
      Reviewer: [0, 0, 0],
    });
    assert.equal(Number(o.costs.totalUsd.toFixed(4)), 0.15);
    assert.equal(o.costs.totalTokens, 15_000);
    assert.equal(o.costs.budgetUsd, 0.5);
  });

  test('a long log stays a bounded picture: neighbouring spans are drawn as one and counted', () => {
    const log = plannedSession();
    for (let i = 0; i < 1_500; i++) {
      const at = 2_000 + i * 10;
      log.request(T.coder, at, at + 4);
      log.tool(T.coder, 'read', { file_path: `src/f${i}.ts` }, at + 5, at + 8);
    }
    const o = overviewOf(log);
    const coder = o.timeline.lanes.find((l) => l.agentName === 'Coder')!;
    assert.ok(coder.spans.length <= MAX_SPANS_PER_LANE * 2, `${coder.spans.length} spans`);
    assert.equal(
      coder.spans.filter((s) => s.kind === 'tool').reduce((n, s) => n + s.count, 0),
      1_500,
    );
    assert.equal(coder.counts.tool, 1_500);
    assert.match(coder.spans.find((s) => s.count > 1)!.label, /^\d+ (model requests|tool calls), from /);
  });

  test('events already seen are skipped: a re-read after a follow adds nothing twice', () => {
    const log = coderAtWork(plannedSession());
    const model = new SessionOverviewModel('sesn_test');
    assert.equal(model.append(log.events.slice(0, 20)), 20);
    assert.equal(model.append(log.events), log.events.length - 20);
    assert.equal(model.append(log.events), 0);
    assert.equal(model.overview({ meta: META, live: false }).plan?.steps[0]?.attempts, 2);
  });
});

/** A plan as an older or newer Planner may have written it: the overview reads plans leniently, so these
 * rows hold shapes today's plan schema (which types the event) does not. */
function looseLog(plan: unknown): Plan {
  return plan as Plan;
}
