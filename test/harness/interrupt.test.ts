// `user.interrupt` stops the running turn cleanly: a model request hanging mid-stream is abandoned, a
// long command's whole process group is killed, every recorded call gets a result, and the thread
// idles with end_turn (resumable).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { lastUserText, ofType, processesMatching, resultOf, resultText, startWorld, waitFor } from './harnessWorld.ts';

test('interrupt during a stalled model stream: the thread idles end_turn, nothing half-recorded, resume carries on', async () => {
  const world = await startWorld({
    agents: {
      Coder: [
        {
          content: [
            { type: 'text', text: 'Let me look at the repository first.' },
            { type: 'tool_use', name: 'bash', input: { command: 'ls' } },
          ],
          // message_start, ping, the text block's start and first delta, then silence.
          faults: [{ kind: 'stall', after_events: 4 }],
        },
        { content: [{ type: 'text', text: 'Done.' }] },
      ],
    },
  });
  try {
    const runtime = world.rt.runtime;
    const meta = await runtime.startSingleAgent({
      repository: world.repo.repo,
      agent: 'Coder',
      prompt: 'List the files.',
    });
    await waitFor('the stalled request', () => world.requests('Coder').some((r) => r.outcome.kind === 'fault'));
    assert.ok(runtime.isRunning(meta.id));
    await runtime.interrupt(meta.id);
    assert.equal(runtime.isRunning(meta.id), false);

    let events = await world.events(meta.id);
    assert.equal(ofType(events, 'user.interrupt').length, 1);
    assert.deepEqual(ofType(events, 'session.thread_status_idle').at(-1)?.stop_reason, { type: 'end_turn' });
    assert.deepEqual(ofType(events, 'session.status_idle').at(-1)?.stop_reason, { type: 'end_turn' });
    assert.equal(ofType(events, 'session.error').length, 0, 'an interrupt is not an error');
    assert.equal(ofType(events, 'agent.tool_use').length, 0, 'the half-streamed turn left no call behind');
    assert.equal(ofType(events, 'agent.message').length, 0);
    const ends = ofType(events, 'span.model_request_end');
    assert.equal(ends.length, 1);
    assert.equal(ends[0]?.is_error, true);
    let state = foldSession(meta.id, events);
    assert.equal(state.status, 'idle');
    assert.deepEqual(
      Object.values(state.threads).flatMap((t) => [...t.pendingToolUses.keys()]),
      [],
    );
    assert.equal(
      Object.values(state.threads).some((t) => t.openModelRequestId),
      false,
    );

    await runtime.resume(meta.id);
    events = await world.events(meta.id);
    assert.deepEqual(ofType(events, 'session.status_idle').at(-1)?.stop_reason, { type: 'end_turn' });
    assert.equal(ofType(events, 'agent.message').at(-1)?.content[0]?.text, 'Done.');
    assert.equal(ofType(events, 'agent.tool_result')[0]?.is_error, false);
    state = foldSession(meta.id, events);
    assert.deepEqual(
      Object.values(state.threads).flatMap((t) => [...t.pendingToolUses.keys()]),
      [],
    );
  } finally {
    await world.close();
  }
});

for (const bubblewrap of ['auto', 'off'] as const) {
  test(`interrupt during a long bash (bubblewrap ${bubblewrap}): the process group is killed and every call gets an error result`, async () => {
    const marker = `sleep ${40 + Math.floor(Math.random() * 1000) / 100}`;
    const world = await startWorld(
      {
        agents: {
          Coder: [
            {
              content: [
                {
                  type: 'tool_use',
                  name: 'bash',
                  input: { command: `echo started > started.txt; ${marker}; echo finished > finished.txt` },
                },
                { type: 'tool_use', name: 'write', input: { file_path: 'after.txt', content: 'should not exist\n' } },
              ],
            },
            { content: [{ type: 'text', text: 'Stopped.' }] },
          ],
        },
      },
      { runtime: { bubblewrap } },
    );
    try {
      const runtime = world.rt.runtime;
      const meta = await runtime.startSingleAgent({
        repository: world.repo.repo,
        agent: 'Coder',
        prompt: 'Run the long job.',
      });
      const worktree = join(world.rt.storeDir, '.worktrees', 'repos', meta.id);
      let confirmed: Promise<void> | undefined;
      if (bubblewrap === 'off') {
        // Unconfined, the command first waits for the person; allowed, it runs until interrupted.
        assert.equal((await runtime.settled(meta.id))?.type, 'requires_action');
        const [asking] = ofType(await world.events(meta.id), 'agent.tool_use');
        assert.equal(asking?.evaluated_permission, 'ask');
        confirmed = runtime.confirmTool(meta.id, asking!.id, true);
        await waitFor('the allowed command to run', () => runtime.isRunning(meta.id));
      }
      await waitFor(
        'the command to start',
        () => existsSync(join(worktree, 'started.txt')) && processesMatching(marker).length > 0,
      );
      await runtime.interrupt(meta.id);
      await confirmed;

      // SIGKILL of the group is immediate; the kernel reaps asynchronously, so allow it a moment.
      await waitFor('the sleep to be gone', () => processesMatching(marker).length === 0, 5000);
      const events = await world.events(meta.id);
      const [bash, write] = ofType(events, 'agent.tool_use');
      assert.ok(write, 'the call after the interrupted one is recorded (and answered), not left for a resume to run');
      const bashResult = resultOf(events, bash!);
      assert.equal(bashResult?.is_error, true);
      assert.match(resultText(bashResult), /interrupted/);
      assert.match(resultText(bashResult), /killed/);
      const writeResult = resultOf(events, write!);
      assert.equal(writeResult?.is_error, true);
      assert.match(resultText(writeResult), /interrupted by the user before it ran/);
      assert.equal(existsSync(join(worktree, 'finished.txt')), false);
      assert.equal(existsSync(join(worktree, 'after.txt')), false);

      assert.equal(ofType(events, 'user.interrupt').length, 1);
      assert.deepEqual(ofType(events, 'session.thread_status_idle').at(-1)?.stop_reason, { type: 'end_turn' });
      const state = foldSession(meta.id, events);
      assert.deepEqual(
        Object.values(state.threads).flatMap((t) => [...t.pendingToolUses.keys()]),
        [],
        'no call left without a result',
      );
      assert.equal(world.requests('Coder').length, 1, 'no model request after the interrupt');

      // Resumed, the model hears that both calls were interrupted; neither runs now.
      await runtime.resume(meta.id);
      const later = await world.events(meta.id);
      assert.deepEqual(ofType(later, 'session.status_idle').at(-1)?.stop_reason, { type: 'end_turn' });
      assert.equal(ofType(later, 'agent.tool_use').length, 2);
      assert.equal(
        existsSync(join(worktree, 'after.txt')),
        false,
        'the call cut off by the interrupt did not run on resume',
      );
      const resumed = world.requests('Coder')[1];
      assert.equal(resumed?.outcome.kind, 'turn');
      assert.match(lastUserText(resumed), /interrupted by the user before it ran/);
    } finally {
      await world.close();
    }
  });
}

test('interrupt while a delegated thread stalls: both threads stop end_turn; resume finishes the delegation once', async () => {
  const world = await startWorld({
    agents: {
      Coordinator: [
        {
          content: [
            { type: 'tool_use', name: 'send_to_agent', input: { agent_name: 'Coder', message: 'Write done.txt' } },
          ],
        },
        { content: [{ type: 'text', text: 'The Coder is done.' }], expect: { last_user_text_includes: 'Wrote it.' } },
      ],
      Coder: [
        {
          content: [{ type: 'tool_use', name: 'write', input: { file_path: 'done.txt', content: 'done\n' } }],
          faults: [{ kind: 'stall', after_events: 3 }],
        },
        { content: [{ type: 'text', text: 'Wrote it.' }] },
      ],
    },
  });
  try {
    const runtime = world.rt.runtime;
    const meta = await runtime.startSingleAgent({
      repository: world.repo.repo,
      agent: 'Coordinator',
      prompt: 'Get done.txt written.',
    });
    await waitFor("the Coder's stalled request", () => world.requests('Coder').some((r) => r.outcome.kind === 'fault'));
    await runtime.interrupt(meta.id);

    let events = await world.events(meta.id);
    const idles = ofType(events, 'session.thread_status_idle');
    assert.deepEqual(
      idles.map((e) => [e.agent_name, e.stop_reason.type]),
      [
        ['Coder', 'end_turn'],
        ['Coordinator', 'end_turn'],
      ],
    );
    assert.deepEqual(ofType(events, 'session.status_idle').at(-1)?.stop_reason, { type: 'end_turn' });
    assert.equal(ofType(events, 'session.error').length, 0);

    await runtime.resume(meta.id);
    events = await world.events(meta.id);
    assert.deepEqual(ofType(events, 'session.status_idle').at(-1)?.stop_reason, { type: 'end_turn' });
    assert.equal(ofType(events, 'agent.message').at(-1)?.content[0]?.text, 'The Coder is done.');
    assert.equal(
      ofType(events, 'session.thread_created').filter((e) => e.agent_name === 'Coder').length,
      1,
      'the same Coder thread carried on',
    );
    assert.equal(
      ofType(events, 'agent.thread_message_sent').filter((e) => e.to_agent_name === 'Coder').length,
      1,
      'the task was sent once',
    );
    assert.equal(ofType(events, 'agent.tool_use').filter((u) => u.name === 'write').length, 1);
    const state = foldSession(meta.id, events);
    assert.deepEqual(
      Object.values(state.threads).flatMap((t) => [...t.pendingToolUses.keys()]),
      [],
    );
  } finally {
    await world.close();
  }
});

test(
  'interrupt while the client waits out a long retry-after: it stops at once, not after the wait',
  { timeout: 20_000 },
  async () => {
    const world = await startWorld({
      agents: {
        Coder: [
          { content: [{ type: 'text', text: 'Served.' }], faults: [{ kind: 'rate_limit', retry_after_seconds: 45 }] },
        ],
      },
    });
    try {
      const runtime = world.rt.runtime;
      const meta = await runtime.startSingleAgent({ repository: world.repo.repo, agent: 'Coder', prompt: 'Hello.' });
      await waitFor('the 429', () => world.requests('Coder').some((r) => r.outcome.kind === 'fault'));
      await runtime.interrupt(meta.id);
      let events = await world.events(meta.id);
      assert.deepEqual(ofType(events, 'session.status_idle').at(-1)?.stop_reason, { type: 'end_turn' });
      assert.equal(ofType(events, 'session.error').length, 0);
      assert.equal(world.requests('Coder').length, 1, 'no retry was sent after the interrupt');

      await runtime.resume(meta.id);
      events = await world.events(meta.id);
      assert.equal(ofType(events, 'agent.message').at(-1)?.content[0]?.text, 'Served.');
    } finally {
      await world.close();
    }
  },
);
