// The stepper's table: a log in, one step out. No git, HTTP or sandbox: each row is a few events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AssistantBlock, EventInput, SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { nextStep, wakeSteps, type DelegationRun } from '../../src/core/harness/nextStep.ts';
import { foldThreadFacts } from '../../src/core/harness/threadFacts.ts';
import { INTERRUPTED_BEFORE_RUN, INTERRUPTED_OUTCOME_UNKNOWN } from '../../src/core/harness/toolResults.ts';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { resolveToolset, type ResolvedToolConfig } from '../../src/core/tools/toolConfig.ts';
import { logOf, modelTurn } from '../support/eventLog.ts';

const T = 'sthr_main';
const allTools = resolveToolset({ type: 'agent_toolset_20260401' });
const askBash = resolveToolset({
  type: 'agent_toolset_20260401',
  configs: [{ name: 'bash', permission_policy: { type: 'always_ask' } }],
});
const noBash = resolveToolset({ type: 'agent_toolset_20260401', configs: [{ name: 'bash', enabled: false }] });

const created: EventInput = {
  type: 'session.thread_created',
  thread: T,
  session_thread_id: T,
  agent_name: 'Coder',
  parent_thread_id: null,
};
const ask = (text: string): EventInput => ({ type: 'user.message', thread: T, content: [{ type: 'text', text }] });
const turn = (...content: AssistantBlock[]): EventInput => modelTurn(T, ...content);
const call = (id: string, name = 'bash', input: unknown = { command: 'ls' }): AssistantBlock => ({
  type: 'tool_use',
  id,
  name,
  input,
});
const recorded = (modelId: string, permission: 'allow' | 'ask' | 'deny', name = 'bash'): EventInput => ({
  type: 'agent.tool_use',
  thread: T,
  name,
  input: {},
  model_tool_use_id: modelId,
  evaluated_permission: permission,
});
const result = (toolUseId: string): EventInput => ({
  type: 'agent.tool_result',
  thread: T,
  tool_use_id: toolUseId,
  content: [{ type: 'text', text: 'ok' }],
  is_error: false,
});
const running: EventInput = {
  type: 'session.thread_status_running',
  thread: T,
  session_thread_id: T,
  agent_name: 'Coder',
};

function stepOf(
  events: SessionEvent[],
  opts: {
    tools?: ResolvedToolConfig[];
    interrupted?: boolean;
    mayDelegate?: boolean;
    delegations?: Map<string, DelegationRun>;
  } = {},
) {
  const state = foldSession('sesn_t', events);
  return nextStep({
    threadId: T,
    agent: { name: 'Coder', tools: opts.tools ?? allTools },
    mayDelegate: opts.mayDelegate ?? false,
    facts: foldThreadFacts(events.filter((e) => e.thread === T)),
    pending: state.threads[T]?.pendingToolUses ?? new Map(),
    interrupted: opts.interrupted ?? false,
    delegations: opts.delegations ?? new Map(),
  });
}

test("a new task asks the model; a turn without calls is the thread's answer", () => {
  assert.deepEqual(stepOf(logOf(created, ask('fix it'))), { kind: 'request_model', threadId: T });
  const done = stepOf(logOf(created, ask('fix it'), turn({ type: 'text', text: 'fixed' })));
  assert.deepEqual(done, { kind: 'done', threadId: T, text: 'fixed', endEventId: 'sevt_3' });
  assert.deepEqual(stepOf(logOf(created)), { kind: 'done', threadId: T, text: '', endEventId: '' });
});

test('calls are recorded one at a time, each before it runs, with the permission its configuration gives', () => {
  const events = logOf(created, ask('go'), turn(call('toolu_1'), call('toolu_2', 'read')));
  const first = stepOf(events);
  assert.equal(first.kind, 'record_tool_use');
  assert.equal(first.kind === 'record_tool_use' && first.block.id, 'toolu_1');
  assert.equal(first.kind === 'record_tool_use' && first.permission, 'allow');
  assert.equal(first.kind === 'record_tool_use' && first.openSandbox, true);
  const run = stepOf(
    logOf(created, ask('go'), turn(call('toolu_1'), call('toolu_2', 'read')), recorded('toolu_1', 'allow')),
  );
  assert.equal(run.kind, 'run_tool');
  assert.equal(run.kind === 'run_tool' && run.use.id, 'sevt_4');
  const second = stepOf(
    logOf(
      created,
      ask('go'),
      turn(call('toolu_1'), call('toolu_2', 'read')),
      recorded('toolu_1', 'allow'),
      result('sevt_4'),
    ),
  );
  assert.equal(second.kind === 'record_tool_use' && second.block.id, 'toolu_2');
  const all = logOf(
    created,
    ask('go'),
    turn(call('toolu_1'), call('toolu_2', 'read')),
    recorded('toolu_1', 'allow'),
    result('sevt_4'),
    recorded('toolu_2', 'allow', 'read'),
    result('sevt_6'),
  );
  assert.deepEqual(stepOf(all), { kind: 'request_model', threadId: T });
});

test('a disabled tool is recorded as denied, without a sandbox, and answered with the refusal', () => {
  const step = stepOf(logOf(created, ask('go'), turn(call('toolu_1'))), { tools: noBash });
  assert.equal(step.kind === 'record_tool_use' && step.permission, 'deny');
  assert.equal(step.kind === 'record_tool_use' && step.openSandbox, false);
  const answer = stepOf(logOf(created, ask('go'), turn(call('toolu_1')), recorded('toolu_1', 'deny')), {
    tools: noBash,
  });
  assert.equal(answer.kind, 'answer_tool');
  assert.match(answer.kind === 'answer_tool' ? answer.text : '', /tool 'bash' is not enabled for agent 'Coder'/);
});

test('an always_ask call waits for the person, and so do the calls after it; a denial is answered', () => {
  const waiting = logOf(created, ask('go'), turn(call('toolu_1'), call('toolu_2', 'read')), recorded('toolu_1', 'ask'));
  assert.deepEqual(stepOf(waiting, { tools: askBash }), { kind: 'wait', threadId: T, eventIds: ['sevt_4'] });
  const allowed = [
    ...waiting,
    ...logOf(created, created, created, created, {
      type: 'user.tool_confirmation',
      thread: T,
      tool_use_id: 'sevt_4',
      result: 'allow',
    }).slice(4),
  ];
  assert.equal(stepOf(allowed, { tools: askBash }).kind, 'run_tool');
  const denied = [
    ...waiting,
    ...logOf(created, created, created, created, {
      type: 'user.tool_confirmation',
      thread: T,
      tool_use_id: 'sevt_4',
      result: 'deny',
      deny_message: 'not now',
    }).slice(4),
  ];
  const answer = stepOf(denied, { tools: askBash });
  assert.equal(answer.kind === 'answer_tool' && answer.text, 'the person denied this call: not now');
});

test('interrupted: a turn not begun is left for later; a begun one is recorded whole and answered', () => {
  const fresh = logOf(created, ask('go'), turn(call('toolu_1'), call('toolu_2')));
  assert.deepEqual(stepOf(fresh, { interrupted: true }), { kind: 'stop', threadId: T, reason: 'interrupted' });
  const begun = logOf(
    created,
    ask('go'),
    turn(call('toolu_1'), call('toolu_2')),
    recorded('toolu_1', 'allow'),
    result('sevt_4'),
  );
  const rest = stepOf(begun, { interrupted: true });
  assert.equal(rest.kind === 'record_tool_use' && rest.block.id, 'toolu_2');
  assert.equal(rest.kind === 'record_tool_use' && rest.openSandbox, false);
  const close = stepOf(
    logOf(
      created,
      ask('go'),
      turn(call('toolu_1'), call('toolu_2')),
      recorded('toolu_1', 'allow'),
      result('sevt_4'),
      recorded('toolu_2', 'allow'),
    ),
    { interrupted: true },
  );
  assert.deepEqual(close, {
    kind: 'answer_tool',
    threadId: T,
    toolUseId: 'sevt_6',
    text: INTERRUPTED_BEFORE_RUN,
    isError: true,
  });
});

test('delegation: started, joined, and a held one makes the thread wait on the event it names', () => {
  const events = logOf(
    created,
    ask('go'),
    turn(call('toolu_1', 'send_to_agent', { agent_name: 'Planner', message: 'plan' })),
  );
  const record = stepOf(events, { mayDelegate: true });
  assert.equal(record.kind === 'record_tool_use' && record.permission, 'allow');
  assert.equal(record.kind === 'record_tool_use' && record.openSandbox, false);
  assert.equal(
    stepOf(events, { mayDelegate: false }).kind === 'record_tool_use' &&
      (stepOf(events) as { permission: string }).permission,
    'deny',
  );
  const withUse = logOf(
    created,
    ask('go'),
    turn(call('toolu_1', 'send_to_agent')),
    recorded('toolu_1', 'allow', 'send_to_agent'),
  );
  assert.equal(stepOf(withUse, { mayDelegate: true }).kind, 'delegate');
  assert.deepEqual(stepOf(withUse, { delegations: new Map([['sevt_4', { state: 'running' }]]) }), {
    kind: 'join_delegations',
    threadId: T,
  });
  assert.deepEqual(
    stepOf(withUse, { delegations: new Map([['sevt_4', { state: 'held', eventIds: ['sevt_verdict'] }]]) }),
    {
      kind: 'wait',
      threadId: T,
      eventIds: ['sevt_verdict'],
    },
  );
});

test('wake: an allowed call cut off is answered "outcome unknown", a safe one runs again, a model request is noted', () => {
  const events = logOf(
    created,
    ask('go'),
    turn(call('toolu_1'), call('toolu_2', 'read')),
    recorded('toolu_1', 'allow'),
    recorded('toolu_2', 'allow', 'read'),
    { type: 'span.model_request_start', thread: T, model: 'm' },
  );
  const steps = wakeSteps(foldSession('sesn_t', events), (id) =>
    foldThreadFacts(events.filter((e) => e.thread === id)),
  );
  assert.deepEqual(steps, [
    { kind: 'answer_tool', threadId: T, toolUseId: 'sevt_4', text: INTERRUPTED_OUTCOME_UNKNOWN, isError: true },
    { kind: 'record_wake', threadId: T, recovered: ['sevt_4', 'sevt_5', 'sevt_6'] },
  ]);
});

test('wake: a call still asking stays waiting; a confirmed one counts as started only after the running mark', () => {
  const asking = logOf(created, ask('go'), turn(call('toolu_1')), recorded('toolu_1', 'ask'), {
    type: 'user.tool_confirmation',
    thread: T,
    tool_use_id: 'sevt_4',
    result: 'allow',
  });
  const factsOf = (events: SessionEvent[]) => (id: string) => foldThreadFacts(events.filter((e) => e.thread === id));
  assert.deepEqual(wakeSteps(foldSession('s', asking), factsOf(asking)), []);
  const started = [...asking, ...logOf(created, created, created, created, created, running).slice(5)];
  assert.equal(wakeSteps(foldSession('s', started), factsOf(started))[0]?.kind, 'answer_tool');
});
