// What the person sends a managed session goes to the platform as `user.*` events, and its effect follows
// there (the platform stand-in, the real SDK, the scripted model, a self-hosted worker): an interrupt stops
// the session mid-call; Allow runs an `always_ask` call and Deny refuses one with a reason the agent reads;
// Request Changes on the Reviewer's APPROVE answers its held hand-in with the person's text, and no pull
// request is opened. Judged from the stand-in's recorded events, the mirrored local log and what the model
// was sent. An Allow returns at the session's next real stop: the idle that follows it may still name the
// allowed call (the session now waits on the worker) and come ahead of the confirmation's echo, which is on
// the calling thread's stream.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { EventOfType, SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { managedDemoModelScript } from '../../src/testkit/managed/managedDemoScript.ts';
import type { StandInSession } from '../../src/testkit/managed/standInSession.ts';
import { startManagedWorld, type ManagedWorld } from './managedWorld.ts';

type Turn = { content: unknown[]; expect?: { last_user_text_includes: string } };
const text = (t: string) => ({ type: 'text', text: t });
const tool = (name: string, input: unknown) => ({ type: 'tool_use', name, input });
const turn = (content: unknown[], includes?: string): Turn => ({
  content,
  ...(includes ? { expect: { last_user_text_includes: includes } } : {}),
});
const coordinatorToCoder = (message: string, includes: string): Turn[] => [
  turn([tool('send_to_agent', { agent_name: 'Coder', message })]),
  turn([text('Done.')], includes),
];

const ofType = <T extends SessionEvent['type']>(events: readonly SessionEvent[], type: T) =>
  events.filter((e): e is EventOfType<T> => e.type === type);
const platformEvents = (world: ManagedWorld, sessionId: string, type: string) =>
  (world.platform.sessions.get(sessionId) as StandInSession).events.filter((e) => e.event.type === type);
const requestsOf = (world: ManagedWorld, agent: string) => world.model.requests.filter((r) => r.agent === agent);
const unmatched = (world: ManagedWorld) =>
  world.model.requests.filter((r) => r.outcome.kind !== 'turn').map((r) => r.outcome);
const resultText = (r: EventOfType<'agent.tool_result'> | undefined): string =>
  r?.content.map((b) => b.text).join('') ?? '';

function readWorktreeFile(world: ManagedWorld, sessionId: string, name: string): string | undefined {
  try {
    return readFileSync(join(world.storeDir, '.worktrees', 'repos', sessionId, name), 'utf8');
  } catch {
    return undefined;
  }
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 800 && !condition(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(condition(), `timed out waiting for ${what}`);
}

test('managed interrupt: user.interrupt reaches the platform and the session stops mid-call, no agent sampled again', async () => {
  const world = await startManagedWorld({
    script: {
      agents: {
        Coordinator: coordinatorToCoder('Run the slow command.', 'never asked'),
        Coder: [
          turn([tool('bash', { command: 'echo started >> calls.log && sleep 8 && echo finished >> calls.log' })]),
          turn([text('Never asked: the interrupt came first.')]),
        ],
      },
    },
  });
  try {
    await world.startWorker();
    const { runtime, store } = world.setup;
    const meta = await runtime.start({ task: 'Run the slow command.', repository: world.sample.workdir });
    await waitFor(() => readWorktreeFile(world, meta.id, 'calls.log') === 'started\n', 'the command to start');

    await runtime.interrupt(meta.id);
    const stop = await runtime.settled(meta.id);
    assert.equal(stop?.type, 'end_turn');
    assert.equal(readWorktreeFile(world, meta.id, 'calls.log'), 'started\n', 'stopped without waiting for the call');

    // The platform got the interrupt for the whole session (no thread named) and went idle after it.
    const interrupts = platformEvents(world, meta.id, 'user.interrupt');
    assert.equal(interrupts.length, 1);
    assert.equal(interrupts[0]?.event.session_thread_id, undefined);
    const all = (world.platform.sessions.get(meta.id) as StandInSession).events;
    const after = all.slice(all.indexOf(interrupts[0]!)).filter((e) => e.event.type === 'session.status_idle');
    assert.deepEqual(
      after.map((e) => e.event.stop_reason),
      [{ type: 'end_turn' }],
    );
    assert.equal(world.platform.sessions.get(meta.id)?.session.status, 'idle');
    // Neither agent was sampled again: the Coder's call and the Coordinator's delegation were cut short.
    assert.equal(requestsOf(world, 'Coder').length, 1);
    assert.equal(requestsOf(world, 'Coordinator').length, 1);

    // The local log mirrors the interrupt and folds to a stopped session.
    const events = await store.read(meta.id);
    assert.equal(ofType(events, 'user.interrupt').length, 1);
    const state = foldSession(meta.id, events);
    assert.equal(state.stopReason?.type, 'end_turn');
    assert.notEqual(state.status, 'running');
  } finally {
    await world.close();
  }
});

const DENY_REASON = 'not on this machine, read the README instead';
const ASKING_CODER =
  '---\nname: Coder\ndescription: Our Coder; every command waits for approval.\nask: bash\n---\nYou change code.\n';

test('managed confirmTool: Allow runs the always_ask call in the worker; Deny refuses the next with the reason reaching the agent', async () => {
  const world = await startManagedWorld({
    script: {
      agents: {
        Coordinator: coordinatorToCoder('Run the two commands.', 'Understood'),
        Coder: [
          turn([tool('bash', { command: 'echo allowed-run-output | tee allowed.txt' })]),
          turn([tool('bash', { command: 'echo denied > denied.txt' })], 'allowed-run-output'),
          turn([text('Understood: I will read the README.')], DENY_REASON),
        ],
      },
    },
  });
  try {
    // The workspace's own Coder asks before every command (as test/e2e/approvalActions.test.ts does locally).
    const repo = world.sample.workdir;
    mkdirSync(join(repo, '.agents'), { recursive: true });
    writeFileSync(join(repo, '.agents', 'Coder.md'), ASKING_CODER);
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], {
        cwd: repo,
        stdio: 'ignore',
      });
    git('add', '.agents');
    git('commit', '-qm', 'an asking Coder');
    await world.startWorker();
    const { runtime, store } = world.setup;
    const meta = await runtime.start({ task: 'Run the two commands.', repository: repo });

    // The first call waits for the person: the platform session is idle on it.
    let stop = await runtime.settled(meta.id);
    let events = await store.read(meta.id);
    const asking = () => ofType(events, 'agent.tool_use').filter((u) => u.evaluated_permission === 'ask');
    const first = asking()[0];
    assert.ok(first, JSON.stringify(events.map((e) => e.type)));
    assert.deepEqual(stop, { type: 'requires_action', event_ids: [first.id] });
    assert.equal(platformEvents(world, meta.id, 'user.tool_result').length, 0, 'nothing ran before the answer');
    // Only a call that waits for confirmation can be answered.
    const notAsking = ofType(events, 'agent.tool_use').find((u) => u.evaluated_permission !== 'ask');
    await assert.rejects(runtime.confirmTool(meta.id, notAsking?.id as string, true), {
      message: /not a tool call waiting for confirmation/,
    });

    await runtime.confirmTool(meta.id, first.id, true);
    events = await store.read(meta.id);
    const second = asking()[1];
    assert.ok(second, `the second call asks: ${JSON.stringify(events.map((e) => e.type))}`);
    stop = foldSession(meta.id, events).stopReason;
    assert.deepEqual(stop, { type: 'requires_action', event_ids: [second.id] });
    const firstResult = ofType(events, 'agent.tool_result').find((r) => r.tool_use_id === first.id);
    assert.equal(firstResult?.is_error, false);
    assert.match(resultText(firstResult), /allowed-run-output/);
    assert.equal(readWorktreeFile(world, meta.id, 'allowed.txt'), 'allowed-run-output\n', 'the worker ran it');

    await runtime.confirmTool(meta.id, second.id, false, DENY_REASON);
    events = await store.read(meta.id);
    assert.equal(foldSession(meta.id, events).stopReason?.type, 'end_turn');
    const secondResult = ofType(events, 'agent.tool_result').find((r) => r.tool_use_id === second.id);
    assert.equal(secondResult?.is_error, true);
    assert.match(resultText(secondResult), new RegExp(`denied.*${DENY_REASON}`));
    assert.equal(readWorktreeFile(world, meta.id, 'denied.txt'), undefined, 'the denied call never ran');

    // What the platform was sent: one confirmation per call, by its platform id, the reason with the Deny.
    const confirmations = platformEvents(world, meta.id, 'user.tool_confirmation').map((e) => e.event);
    assert.deepEqual(
      confirmations.map((c) => [c.tool_use_id, c.result, c.deny_message]),
      [
        [first.platform_event_id, 'allow', undefined],
        [second.platform_event_id, 'deny', DENY_REASON],
      ],
    );
    assert.equal(platformEvents(world, meta.id, 'user.tool_result').length, 1, 'the worker ran the allowed call only');
    assert.deepEqual(
      ofType(events, 'user.tool_confirmation').map((c) => c.result),
      ['allow', 'deny'],
    );
    // The reason reached the Coder, and its answer the Coordinator (the scripts' expects).
    assert.deepEqual(unmatched(world), []);
    assert.equal(requestsOf(world, 'Coder').length, 3);
  } finally {
    await world.close();
  }
});

const FEEDBACK = 'Also accept "1.5h": decimals are common in our configs.';

function requestChangesScript(): unknown {
  const demo = managedDemoModelScript() as { agents: Record<string, Turn[]> };
  const coordinator = demo.agents['Coordinator'] as Turn[];
  const reviewer = demo.agents['Reviewer'] as Turn[];
  return {
    agents: {
      ...demo.agents,
      // The held submit_verdict is answered with the person's text; the Reviewer passes it on, and the
      // Coordinator reads it in the Reviewer's reply.
      Reviewer: [...reviewer.slice(0, -1), turn([text(`The person requested changes: ${FEEDBACK}`)], FEEDBACK)],
      Coordinator: [...coordinator.slice(0, -1), turn([text('Sending the feedback to the Coder next.')], FEEDBACK)],
    },
  };
}

test('managed requestChanges: the APPROVE is decided as reject, its held hand-in gets the text, it reaches the Coordinator, no pull request', async () => {
  const world = await startManagedWorld({ script: requestChangesScript() });
  try {
    await world.startWorker();
    const { runtime, store } = world.setup;
    const meta = await runtime.start({ issue: world.issueRef, repository: world.sample.workdir });
    assert.equal((await runtime.settled(meta.id))?.type, 'requires_action');
    let events = await store.read(meta.id);
    const verdict = foldSession(meta.id, events).latestVerdict;
    assert.equal(verdict?.verdict.decision, 'APPROVE');
    const handIn = ofType(events, 'agent.tool_use').find((u) => u.id === verdict?.model_request_end_id);
    assert.equal(handIn?.name, 'submit_verdict');

    await assert.rejects(runtime.requestChanges(meta.id, verdict!.id, '   '), /say what should change/);
    await runtime.requestChanges(meta.id, verdict!.id, FEEDBACK);
    events = await store.read(meta.id);
    const state = foldSession(meta.id, events);
    assert.equal(state.stopReason?.type, 'end_turn');
    const approvals = ofType(events, 'agent_os.approval');
    assert.deepEqual(
      approvals.map((a) => [a.verdict_event_id, a.decision, a.feedback]),
      [[verdict!.id, 'reject', FEEDBACK]],
    );

    // On the platform: the Reviewer's held submit_verdict answered with the person's text, then the Reviewer's
    // reply carrying it received by the Coordinator's thread.
    const answers = platformEvents(world, meta.id, 'user.custom_tool_result').filter(
      (e) => e.event.custom_tool_use_id === handIn?.platform_event_id,
    );
    assert.equal(answers.length, 1);
    const answerText = JSON.stringify(answers[0]?.event.content);
    assert.ok(answerText.includes('requested changes') && answerText.includes('decimals are common'), answerText);
    assert.equal(answers[0]?.event.is_error, false);
    const primary = world.platform.sessions.get(meta.id)?.primary.id;
    const toCoordinator = platformEvents(world, meta.id, 'agent.thread_message_received').filter(
      (e) => e.thread === primary && JSON.stringify(e.event.content).includes('decimals are common'),
    );
    assert.equal(toCoordinator.length, 1);
    assert.deepEqual(unmatched(world), [], 'the Reviewer and the Coordinator were sent the text');

    assert.equal(world.github.pullRequests().length, 0, 'no pull request without an approval');
    assert.equal(ofType(events, 'agent_os.pull_request_opened').length, 0);
    // The verdict is decided: it cannot be approved now.
    await assert.rejects(runtime.approve(meta.id, verdict!.id), /already decided/);
  } finally {
    await world.close();
  }
});
