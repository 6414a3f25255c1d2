// The managed backend in a sandbox that confines nothing (the plain worktree): as in local mode, a
// read-only agent gets no bash (it would run as the person) and none of a writer's commands runs before the
// person allows it (the agents are synced with bash always_ask); the flow still ends in one pull request
// once the person approves.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventOfType } from '../../src/core/events/sessionEvent.ts';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { startManagedWorld } from './managedWorld.ts';

test("managed, unconfined: readers get no bash; each of the Coder's commands waits for the person; approve → one pull request", async () => {
  const world = await startManagedWorld({ runtime: { sandbox: 'worktree' } });
  try {
    await world.startWorker();
    const { runtime, store } = world.setup;
    const meta = await runtime.start({ issue: world.issueRef, repository: world.sample.workdir });
    let stop = await runtime.settled(meta.id);
    let events = await store.read(meta.id);
    const uses = () =>
      events.filter((e): e is EventOfType<'agent.tool_use'> => e.type === 'agent.tool_use' && e.name === 'bash');
    const resultOf = (id: string) =>
      events.find((e): e is EventOfType<'agent.tool_result'> => e.type === 'agent.tool_result' && e.tool_use_id === id);
    const answered = (id: string) =>
      events.some((e) => e.type === 'user.tool_confirmation' && e.tool_use_id === id) || resultOf(id) !== undefined;
    // Every command that asks is allowed, one at a time, and has not run before its answer.
    let allowed = 0;
    for (;;) {
      assert.equal(stop?.type, 'requires_action');
      const waiting = uses().find((u) => u.evaluated_permission === 'ask' && !answered(u.id));
      if (!waiting) break;
      assert.equal(resultOf(waiting.id), undefined, 'a command ran before the person allowed it');
      await runtime.confirmTool(meta.id, waiting.id, true);
      allowed++;
      // confirmTool returns once the session has stopped again; its log says how.
      events = await store.read(meta.id);
      stop = foldSession(meta.id, events).stopReason;
    }
    let state = foldSession(meta.id, events);
    assert.equal(state.configured?.sandbox.confined, false);
    const agentOf = (thread: string): string | undefined => state.threads[thread]?.agentName;
    const readers = uses().filter((u) => agentOf(u.thread) === 'Planner' || agentOf(u.thread) === 'Reviewer');
    assert.ok(readers.length >= 2, 'the script has the Planner and the Reviewer try bash');
    for (const use of readers) {
      const result = resultOf(use.id);
      assert.equal(result?.is_error, true);
      assert.match(result?.content.map((b) => b.text).join('') ?? '', /not enabled|read-only agents get no commands/);
    }
    const coder = uses().filter((u) => agentOf(u.thread) === 'Coder');
    assert.ok(coder.length > 0, 'the Coder ran commands');
    assert.ok(
      coder.every((u) => u.evaluated_permission === 'ask' && resultOf(u.id)?.is_error === false),
      "each of the Coder's commands asked, and ran once allowed",
    );
    assert.equal(allowed, coder.length);

    const verdict = events
      .filter((e): e is EventOfType<'agent_os.verdict_submitted'> => e.type === 'agent_os.verdict_submitted')
      .at(-1);
    await runtime.approve(meta.id, verdict?.id as string);
    events = await store.read(meta.id);
    state = foldSession(meta.id, events);
    assert.equal(state.stopReason?.type, 'end_turn');
    assert.equal(world.github.pullRequests().length, 1);
  } finally {
    await world.close();
  }
});
