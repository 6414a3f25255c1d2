// Bad input gets a clear error and loses nothing: a malformed agent file, a malformed plan, an unknown
// callable agent, an issue that does not exist, a push the remote refuses.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { AgentOsError } from '../../src/core/errors.ts';
import { IssueNotFoundError } from '../../src/core/github/githubPorts.ts';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { samplePlan } from '../../src/testkit/demo/fixture/solution.ts';
import { acceptPushes, rejectPushes } from '../git/gitTestRepo.ts';
import { startDemoWorld } from '../support/demoWorld.ts';
import {
  coderTurns,
  coordinatorToReview,
  expecting,
  fenced,
  lastUserText,
  plannerTurns,
  planText,
  requestsOf,
  reviewerApproveTurns,
  runToFirstVerdict,
  send,
  text,
  turn,
} from './scriptParts.ts';

const finish = (includes: string) => expecting(includes, text('Stopping here and reporting to the person.'));
/** The whole pipeline to an APPROVE; the Coordinator stops once the person approved. */
const toApproval = (): unknown => ({
  agents: {
    Coordinator: [...coordinatorToReview(), finish('approved')],
    Planner: plannerTurns(),
    Coder: coderTurns(),
    Reviewer: reviewerApproveTurns(),
  },
});

test('a malformed agent file the pipeline uses stops the start with an error naming file and field; no session is left', async () => {
  const world = await startDemoWorld({ agents: { Coordinator: [turn(text('Nothing to do.'))] } });
  try {
    const { rt, sample } = world;
    mkdirSync(join(sample.workdir, '.agents'));
    const file = join(sample.workdir, '.agents', 'coder.md');
    writeFileSync(file, '---\nname: Coder\ndescription: our Coder\nnetwork: sometimes\n---\nYou code.\n');
    await assert.rejects(rt.runtime.start({ issue: world.issueRef, repository: sample.workdir }), (error: unknown) => {
      assert.ok(error instanceof AgentOsError);
      assert.equal(error.code, 'INVALID_AGENT');
      assert.ok(error.message.includes(file), error.message);
      assert.match(error.message, /'network' must be true or false/);
      return true;
    });
    assert.deepEqual(await rt.store.list(), [], 'no session was created');
    assert.equal(rt.server.requests.length, 0);

    // Fixed, the same start works.
    writeFileSync(file, '---\nname: Coder\ndescription: our Coder\nnetwork: false\n---\nYou code.\n');
    const meta = await rt.runtime.start({ issue: world.issueRef, repository: sample.workdir });
    assert.deepEqual(await rt.runtime.settled(meta.id), { type: 'end_turn' });
  } finally {
    await world.close();
  }
});

test('a malformed agent file the pipeline does not use is a warning only; the run goes on', async () => {
  const problems: string[] = [];
  const world = await startDemoWorld(
    { agents: { Coordinator: [turn(text('Nothing to do.'))] } },
    { onProblem: (line) => problems.push(line) },
  );
  try {
    const { rt, sample } = world;
    mkdirSync(join(sample.workdir, '.agents'));
    const file = join(sample.workdir, '.agents', 'helper.md');
    writeFileSync(file, '---\nname: helper\ndescription: a helper\ntols: Read\n---\nYou help.\n');
    const meta = await rt.runtime.start({ issue: world.issueRef, repository: sample.workdir });
    assert.deepEqual(await rt.runtime.settled(meta.id), { type: 'end_turn' });
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.ok(problems[0]?.includes(file));
    assert.match(problems[0] ?? '', /unknown field 'tols'/);
  } finally {
    await world.close();
  }
});

test('a malformed plan goes back to the Planner with the schema error, and the run goes on', async () => {
  const world = await startDemoWorld({
    agents: {
      Coordinator: [turn(send('Planner', 'Plan the fix.')), finish('Plan accepted')],
      Planner: [
        turn(text('I would change parseDuration and add a test.')),
        turn(text(fenced({ ...samplePlan, steps: samplePlan.steps.map(({ validation: _, ...step }) => step) }))),
        turn(text(planText())),
      ],
    },
  });
  try {
    const { rt, sample } = world;
    const meta = await rt.runtime.start({ issue: world.issueRef, repository: sample.workdir });
    assert.deepEqual(await rt.runtime.settled(meta.id), { type: 'end_turn' });
    const planner = requestsOf(rt.server, 'Planner');
    assert.equal(planner.length, 3);
    assert.match(
      lastUserText(planner[1]!),
      /Your final message contains no JSON plan/,
      'the correction says what is wrong',
    );
    assert.match(lastUserText(planner[2]!), /does not match the required schema/);
    assert.match(
      lastUserText(planner[2]!),
      /steps\[0\]\.validation: Invalid input/,
      'the schema error names the field',
    );
    const events = await rt.store.read(meta.id);
    assert.ok(foldSession(meta.id, events).latestPlan, 'the corrected plan was recorded');
    assert.deepEqual(
      rt.server.requests.filter((r) => r.outcome.kind !== 'turn').map((r) => r.outcome),
      [],
    );
  } finally {
    await world.close();
  }
});

test('a plan still malformed after the bounded corrections reaches the Coordinator as an error result', async () => {
  const bad = () => turn(text('Plan: change the parser. (no JSON, sorry)'));
  const world = await startDemoWorld(
    {
      agents: {
        Coordinator: [turn(send('Planner', 'Plan the fix.')), finish('did not produce a valid result')],
        Planner: [bad(), bad(), bad()],
      },
    },
    { settings: { maxCorrections: 2 } },
  );
  try {
    const { rt, sample } = world;
    const meta = await rt.runtime.start({ issue: world.issueRef, repository: sample.workdir });
    assert.deepEqual(await rt.runtime.settled(meta.id), { type: 'end_turn' });
    assert.equal(requestsOf(rt.server, 'Planner').length, 3, 'the first answer and two corrections');
    const events = await rt.store.read(meta.id);
    const result = events.find(
      (e) => e.type === 'agent.tool_result' && e.thread === foldSession(meta.id, events).primaryThreadId,
    );
    assert.ok(result?.type === 'agent.tool_result');
    assert.equal(result.is_error, true);
    assert.match(result.content[0]?.text ?? '', /Planner thread did not produce a valid result after 2 corrections/);
    assert.equal(foldSession(meta.id, events).latestPlan, undefined);
    assert.deepEqual(
      rt.server.requests.filter((r) => r.outcome.kind !== 'turn').map((r) => r.outcome),
      [],
    );
  } finally {
    await world.close();
  }
});

test('an unknown callable agent is an error result naming the agents the Coordinator may call', async () => {
  const world = await startDemoWorld({
    agents: { Coordinator: [turn(send('Nobody', 'Do everything.')), finish('may call')] },
  });
  try {
    const { rt, sample } = world;
    const meta = await rt.runtime.start({ issue: world.issueRef, repository: sample.workdir });
    assert.deepEqual(await rt.runtime.settled(meta.id), { type: 'end_turn' });
    const events = await rt.store.read(meta.id);
    const result = events.find((e) => e.type === 'agent.tool_result');
    assert.ok(result?.type === 'agent.tool_result');
    assert.equal(result.is_error, true);
    assert.match(result.content[0]?.text ?? '', /may not call 'Nobody' \(it may call: Planner, Coder, Reviewer\)/);
    assert.equal(events.filter((e) => e.type === 'session.thread_created').length, 1, 'no thread was made for it');
  } finally {
    await world.close();
  }
});

test('an issue that does not exist: IssueNotFoundError, and no session is created', async () => {
  const world = await startDemoWorld({ agents: { Coordinator: [turn(text('Nothing to do.'))] } });
  try {
    const { rt, sample } = world;
    await assert.rejects(
      rt.runtime.start({ issue: `${sample.owner}/${sample.repo}#999`, repository: sample.workdir }),
      (error: unknown) => {
        assert.ok(error instanceof IssueNotFoundError, String(error));
        assert.equal(error.code, 'ISSUE_NOT_FOUND');
        assert.match(error.message, /#999 not found/);
        return true;
      },
    );
    assert.deepEqual(await rt.store.list(), []);
    assert.equal(rt.server.requests.length, 0);
  } finally {
    await world.close();
  }
});

test('a push the remote refuses fails the approval with GIT_FAILED; once the remote accepts, the pull request opens once', async () => {
  const world = await startDemoWorld(toApproval());
  try {
    const { rt, sample } = world;
    rejectPushes(sample.barePath, 'pushes are closed today');
    const { meta, verdict } = await runToFirstVerdict(world);

    await assert.rejects(rt.runtime.approve(meta.id, verdict.id), (error: unknown) => {
      assert.ok(error instanceof AgentOsError);
      assert.equal(error.code, 'GIT_FAILED');
      assert.match(error.message, /push/);
      assert.match(error.message, /pushes are closed today|pre-receive/);
      return true;
    });
    assert.equal(world.github.pullRequests().length, 0);
    assert.equal(rt.runtime.isRunning(meta.id), false);

    // The person fixes the remote and approves again: the approval is carried out, once.
    acceptPushes(sample.barePath);
    await rt.runtime.approve(meta.id, verdict.id);
    let state = foldSession(meta.id, await rt.store.read(meta.id));
    assert.equal(state.stopReason?.type, 'end_turn');
    assert.equal(world.github.pullRequests().length, 1);
    assert.ok(state.pullRequest);

    // Waking it again does nothing more.
    await rt.runtime.resume(meta.id);
    state = foldSession(meta.id, await rt.store.read(meta.id));
    assert.equal(world.github.pullRequests().length, 1);
    const events = await rt.store.read(meta.id);
    assert.equal(events.filter((e) => e.type === 'agent_os.pull_request_opened').length, 1);
    assert.equal(events.filter((e) => e.type === 'agent_os.approval').length, 1);
    assert.deepEqual(
      rt.server.requests.filter((r) => r.outcome.kind !== 'turn').map((r) => r.outcome),
      [],
    );
  } finally {
    await world.close();
  }
});

test('a refused push, then resume: the approval already given is carried out and opens the pull request once', async () => {
  const world = await startDemoWorld(toApproval());
  try {
    const { rt, sample } = world;
    rejectPushes(sample.barePath, 'pushes are closed');
    const { meta, verdict } = await runToFirstVerdict(world);
    await assert.rejects(
      rt.runtime.approve(meta.id, verdict.id),
      (e: unknown) => e instanceof AgentOsError && e.code === 'GIT_FAILED',
    );
    // Resuming while the remote still refuses fails the same clear way, and changes nothing.
    await assert.rejects(
      rt.runtime.resume(meta.id),
      (e: unknown) => e instanceof AgentOsError && e.code === 'GIT_FAILED',
    );
    assert.equal(world.github.pullRequests().length, 0);
    acceptPushes(sample.barePath);
    await rt.runtime.resume(meta.id);
    const state = foldSession(meta.id, await rt.store.read(meta.id));
    assert.equal(state.stopReason?.type, 'end_turn');
    assert.equal(world.github.pullRequests().length, 1);
  } finally {
    await world.close();
  }
});
