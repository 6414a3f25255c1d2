// The supervisor's table: what starts a session, whether a log was ever started, what an interrupt
// appends; and the verdict gate's (which suite run a Reviewer's turn has, what the Reviewer is told when its
// APPROVE is refused). Events in, events or a decision out: no git, HTTP or disk. Step validations and their
// attempts are the stepper's, in test/harness/supervisionSteps.test.ts; plan questions in planQuestions.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventInput, SessionEvent } from '../../src/core/events/sessionEvent.ts';
import {
  CLOSED_WHILE_ASKING,
  interruptEvents,
  neverStarted,
  sessionStartEvents,
  type SessionStart,
} from '../../src/core/pipeline/supervisor.ts';
import { suiteRefusal, suiteRunEvent, suiteRunOf, suiteSummary } from '../../src/core/pipeline/verdictGate.ts';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { logOf } from '../support/eventLog.ts';

const C = 'sthr_coord';
const K = 'sthr_coder';
const sandbox = { kind: 'os', confined: true };
const start: SessionStart = {
  primaryThreadId: C,
  primaryAgent: 'Coordinator',
  versions: { Coordinator: 2, Coder: 1 },
  sandbox,
  prompt: 'fix #1',
};
const created: EventInput = {
  type: 'session.thread_created',
  thread: C,
  session_thread_id: C,
  agent_name: 'Coordinator',
  agent_version: 2,
  parent_thread_id: null,
};
const configured: EventInput = {
  type: 'agent_os.session_configured',
  thread: C,
  agent_versions: start.versions,
  sandbox,
};
const task: EventInput = { type: 'user.message', thread: C, content: [{ type: 'text', text: 'fix #1' }] };

test('a session starts with its primary thread, its pinned configuration and the task, in that order', () => {
  assert.deepEqual(sessionStartEvents(start), [created, configured, task]);
  const full = sessionStartEvents({
    ...start,
    budget: { maxUsd: 2 },
    memory: [{ path: 'AGENTS.md', sha256: 'a', bytes: 3, content: 'hi\n', truncated: false }],
    preferences: { version: 4, text: 'short commits' },
  });
  assert.deepEqual(
    full.map((e) => e.type),
    [
      'session.thread_created',
      'agent_os.session_configured',
      'agent_os.project_memory',
      'agent_os.preferences_pinned',
      'user.message',
    ],
  );
  assert.deepEqual(full[1], { ...configured, budget: { max_usd: 2 } });
  assert.deepEqual(full[3], { type: 'agent_os.preferences_pinned', thread: C, version: 4, text: 'short commits' });
});

test('budget limits: each given one is pinned, an empty budget and empty memory pin nothing', () => {
  const cases: [SessionStart['budget'], unknown][] = [
    [{ maxTokens: 5000 }, { max_tokens: 5000 }],
    [
      { maxUsd: 0.5, maxTokens: 10 },
      { max_usd: 0.5, max_tokens: 10 },
    ],
    [{ maxUsd: 0 }, { max_usd: 0 }],
    [{}, undefined],
  ];
  for (const [budget, pinned] of cases) {
    const events = sessionStartEvents({ ...start, ...(budget ? { budget } : {}), memory: [] });
    assert.equal(events.length, 3, JSON.stringify(budget));
    const conf = events[1] as Extract<EventInput, { type: 'agent_os.session_configured' }>;
    assert.deepEqual(conf.budget, pinned, JSON.stringify(budget));
  }
});

test('neverStarted: a log cut off before its primary thread, configuration and task are all written', () => {
  const cases: [string, EventInput[], boolean][] = [
    ['empty', [], true],
    ['thread only', [created], true],
    ['no task', [created, configured], true],
    ['no configuration', [created, task], true],
    ['task on another thread', [created, configured, { ...task, thread: K }], true],
    ['started', [created, configured, task], false],
    [
      'started with memory and preferences',
      sessionStartEvents({ ...start, preferences: { version: 1, text: 'x' } }),
      false,
    ],
  ];
  for (const [name, inputs, expected] of cases) {
    const events = logOf(...inputs);
    const state = foldSession('sesn_s', events);
    assert.equal(neverStarted(state), expected, name);
  }
});

const coderCreated: EventInput = {
  type: 'session.thread_created',
  thread: C,
  session_thread_id: K,
  agent_name: 'Coder',
  parent_thread_id: C,
};
const use = (thread: string, permission: 'allow' | 'ask', modelId: string): EventInput => ({
  type: 'agent.tool_use',
  thread,
  name: 'bash',
  input: { command: 'rm -rf build' },
  model_tool_use_id: modelId,
  evaluated_permission: permission,
});
const waiting = (...ids: string[]): EventInput => ({
  type: 'session.status_idle',
  thread: C,
  stop_reason: { type: 'requires_action', event_ids: ids },
});
const closed = (thread: string, id: string): EventInput => ({
  type: 'agent.tool_result',
  thread,
  tool_use_id: id,
  content: [{ type: 'text', text: CLOSED_WHILE_ASKING }],
  is_error: true,
});
const threadIdle = (thread: string, agent: string): EventInput => ({
  type: 'session.thread_status_idle',
  thread,
  session_thread_id: thread,
  agent_name: agent,
  stop_reason: { type: 'end_turn' },
});
const sessionIdle: EventInput = { type: 'session.status_idle', thread: C, stop_reason: { type: 'end_turn' } };
const interruptOf = (events: SessionEvent[], threadId: string | undefined, running: boolean) =>
  interruptEvents(foldSession('sesn_s', events), events, threadId, running);

test('an interrupt is the user.interrupt alone while a harness runs, or when nothing waits for the person', () => {
  const asking = logOf(created, configured, task, coderCreated, use(K, 'ask', 'toolu_1'), waiting('sevt_5'));
  assert.deepEqual(interruptOf(asking, undefined, true), [{ type: 'user.interrupt', thread: C }]);
  assert.deepEqual(interruptOf(asking, K, true), [{ type: 'user.interrupt', thread: K, session_thread_id: K }]);
  const idle = logOf(created, configured, task, coderCreated, use(K, 'ask', 'toolu_1'), sessionIdle);
  assert.deepEqual(interruptOf(idle, undefined, false), [{ type: 'user.interrupt', thread: C }]);
});

test('a session waiting for a confirmation, with no harness: the asking call is closed, its thread and the session idle', () => {
  const asking = logOf(created, configured, task, coderCreated, use(K, 'ask', 'toolu_1'), waiting('sevt_5'));
  assert.deepEqual(interruptOf(asking, undefined, false), [
    { type: 'user.interrupt', thread: C },
    closed(K, 'sevt_5'),
    threadIdle(K, 'Coder'),
    sessionIdle,
  ]);
});

test('only calls still asking are closed: an allowed call and a confirmed one are left to the harness', () => {
  const confirmed: EventInput = { type: 'user.tool_confirmation', thread: K, tool_use_id: 'sevt_5', result: 'allow' };
  const mixed = logOf(
    created,
    configured,
    task,
    coderCreated,
    use(K, 'ask', 'toolu_1'),
    use(K, 'allow', 'toolu_2'),
    use(K, 'ask', 'toolu_3'),
    confirmed,
    waiting('sevt_7'),
  );
  assert.deepEqual(interruptOf(mixed, undefined, false), [
    { type: 'user.interrupt', thread: C },
    closed(K, 'sevt_7'),
    threadIdle(K, 'Coder'),
    sessionIdle,
  ]);
  // Every asking call confirmed: nothing to close.
  const allConfirmed = logOf(created, configured, task, coderCreated, use(K, 'ask', 'toolu_1'), confirmed, waiting());
  assert.deepEqual(interruptOf(allConfirmed, undefined, false), [{ type: 'user.interrupt', thread: C }]);
  // An asking call already answered is not pending: nothing to close.
  const answered = logOf(
    created,
    configured,
    task,
    coderCreated,
    use(K, 'ask', 'toolu_1'),
    closed(K, 'sevt_5'),
    waiting(),
  );
  assert.deepEqual(interruptOf(answered, undefined, false), [{ type: 'user.interrupt', thread: C }]);
});

test("an interrupt of one thread closes that thread's asking calls only; of the session, every thread's, each thread idle once", () => {
  const two = logOf(
    created,
    configured,
    task,
    coderCreated,
    use(K, 'ask', 'toolu_1'),
    use(C, 'ask', 'toolu_2'),
    use(K, 'ask', 'toolu_3'),
    waiting('sevt_5', 'sevt_6', 'sevt_7'),
  );
  const ofCoder = interruptOf(two, K, false);
  assert.deepEqual(ofCoder.slice(0, 4), [
    { type: 'user.interrupt', thread: K, session_thread_id: K },
    closed(K, 'sevt_5'),
    closed(K, 'sevt_7'),
    threadIdle(K, 'Coder'),
  ]);
  const all = interruptOf(two, undefined, false);
  assert.deepEqual(
    all.map((e) => (e.type === 'agent.tool_result' ? e.tool_use_id : `${e.type} ${e.thread}`)),
    [
      `user.interrupt ${C}`,
      'sevt_6',
      'sevt_5',
      'sevt_7',
      `session.thread_status_idle ${C}`,
      `session.thread_status_idle ${K}`,
      `session.status_idle ${C}`,
    ],
  );
});

// ---- the verdict gate --------------------------------------------------------------------------

const run = { command: 'npm test', exitCode: 1, output: 'not ok 1 - adds\n# fail 1', durationMs: 1234.6, failed: 1 };

test('the suite run event ties the run to the Reviewer turn and the commit it ran at', () => {
  assert.deepEqual(suiteRunEvent('sthr_rev', 'sevt_9', 'abc123', run), {
    type: 'agent_os.validation_run',
    thread: 'sthr_rev',
    purpose: 'test_suite',
    command: 'npm test',
    exit_code: 1,
    duration_ms: 1235,
    output_tail: 'not ok 1 - adds\n# fail 1',
    failed: 1,
    commit: 'abc123',
    verdict_model_request_end_id: 'sevt_9',
  });
});

test("suiteRunOf: the latest suite run of that Reviewer turn; a step's run or another turn's is not it", () => {
  const step: EventInput = {
    type: 'agent_os.validation_run',
    thread: K,
    purpose: 'step',
    command: 'npm test',
    exit_code: 0,
    duration_ms: 1,
    output_tail: '',
    plan_event_id: 'sevt_1',
    step_id: '1',
    attempt: 1,
    tool_use_id: 'sevt_2',
  };
  const events = logOf(
    step,
    suiteRunEvent('sthr_rev', 'sevt_9', 'abc', run),
    suiteRunEvent('sthr_rev', 'sevt_8', 'abc', { ...run, exitCode: 0 }),
    suiteRunEvent('sthr_rev', 'sevt_9', 'abc', { ...run, exitCode: 0, failed: 0, passed: 3 }),
  );
  assert.equal(suiteRunOf(events, 'sevt_9')?.id, 'sevt_4');
  assert.equal(suiteRunOf(events, 'sevt_8')?.id, 'sevt_3');
  assert.equal(suiteRunOf(events, 'sevt_2'), undefined);
  assert.equal(suiteRunOf(logOf(step), 'sevt_9'), undefined);
});

test('the suite summary keeps only the counts the run had; the refusal names the command, commit, result and output', () => {
  const [failing, timedOut] = logOf(
    suiteRunEvent('sthr_rev', 'sevt_9', '0123456789abcdef', run),
    suiteRunEvent('sthr_rev', 'sevt_9', 'ffff', {
      command: 'make check',
      exitCode: null,
      output: '',
      durationMs: 60000,
    }),
  ) as [
    Extract<SessionEvent, { type: 'agent_os.validation_run' }>,
    Extract<SessionEvent, { type: 'agent_os.validation_run' }>,
  ];
  assert.deepEqual(suiteSummary(failing), {
    event_id: 'sevt_1',
    command: 'npm test',
    exit_code: 1,
    duration_ms: 1235,
    failed: 1,
  });
  assert.deepEqual(suiteSummary(timedOut), {
    event_id: 'sevt_2',
    command: 'make check',
    exit_code: null,
    duration_ms: 60000,
  });
  const refusal = suiteRefusal(failing).split('\n');
  assert.equal(
    refusal[0],
    "Your APPROVE was not accepted. The runtime ran the repository's test command itself, `npm test`, in your clean room at commit 0123456789ab: exit 1, 0 passed, 1 failed, 1235 ms.",
  );
  assert.deepEqual(refusal.slice(1, 4), ['Output (last lines):', 'not ok 1 - adds', '# fail 1']);
  assert.match(refusal.at(-1) ?? '', /^An APPROVE counts only when this run passes\./);
  // No output, no commit: no output section, and "the head".
  const bare = suiteRefusal({ ...timedOut, commit: undefined }).split('\n');
  assert.equal(bare.length, 2);
  assert.match(bare[0] ?? '', /at commit the head: did not finish, 60000 ms\.$/);
});
