// The managed backend in a sandbox that confines nothing (the plain worktree): the self-hosted worker
// refuses a read-only agent's bash (it would run as the person), and the flow still ends in one pull
// request once the person approves.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventOfType } from '../../src/core/events/sessionEvent.ts';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { startManagedWorld } from './managedWorld.ts';

test('managed, unconfined: readers get no bash from the worker; the Coder works; approve → one pull request', async () => {
  const world = await startManagedWorld({ runtime: { sandbox: 'worktree' } });
  try {
    await world.startWorker();
    const { runtime, store } = world.setup;
    const meta = await runtime.start({ issue: world.issueRef, repository: world.sample.workdir });
    const stop = await runtime.settled(meta.id);
    assert.equal(stop?.type, 'requires_action');
    let events = await store.read(meta.id);
    let state = foldSession(meta.id, events);
    assert.equal(state.configured?.sandbox.confined, false);
    const agentOf = (thread: string): string | undefined => state.threads[thread]?.agentName;
    const bash = events.filter(
      (e): e is EventOfType<'agent.tool_use'> => e.type === 'agent.tool_use' && e.name === 'bash',
    );
    const resultOf = (id: string) =>
      events.find((e): e is EventOfType<'agent.tool_result'> => e.type === 'agent.tool_result' && e.tool_use_id === id);
    const readers = bash.filter((u) => agentOf(u.thread) === 'Planner' || agentOf(u.thread) === 'Reviewer');
    assert.ok(readers.length >= 2, 'the script has the Planner and the Reviewer try bash');
    for (const use of readers) {
      const result = resultOf(use.id);
      assert.equal(result?.is_error, true);
      assert.match(result?.content.map((b) => b.text).join('') ?? '', /read-only agents get no commands/);
    }
    const coder = bash.filter((u) => agentOf(u.thread) === 'Coder');
    assert.ok(coder.length > 0 && coder.every((u) => resultOf(u.id)?.is_error === false), "the Coder's commands ran");

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
