// Ctrl-C (SIGINT) or SIGTERM while the pipeline runs: the CLI stops cleanly with 130/143, the session is
// left to be resumed, and `resume --approve` finishes it with one pull request. The signal lands wherever
// the run is by then (any of the Coder's calls, or later), so the script is the crash tests' one: the
// demo's edit, cut off, is answered "outcome unknown" and the scripted Coder cannot look and redo it as
// a model would (seen on a bare machine: its step 1 failed its validation and the script ran out).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { cliEnv, startCli } from '../support/cliProcess.ts';
import { crashScript } from '../crash/pipelineCrashSession.ts';
import { ALLOW_SCRIPTED_COMMANDS, show, startCliWorld } from './cliWorld.ts';

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  test(`${signal} while the Coder works: exit ${code}, nothing lost; resume --approve opens one pull request`, async () => {
    const world = await startCliWorld(crashScript());
    try {
      const run = startCli(
        ['run', '--issue', world.issueRef, '--approve', ...ALLOW_SCRIPTED_COMMANDS, ...world.flags],
        cliEnv({ ANTHROPIC_API_KEY: 'x' }),
      );
      const store = new FileSessionStore(world.storeDir);
      // Wait until the Coder has made a tool call, then stop the CLI as a person would — while it works, not
      // while a call waits for the person: where nothing confines (a bare machine) each command asks, and an
      // interrupt then closes the waiting call by design, which the scripted Coder cannot take up again.
      let id: string | undefined;
      for (let i = 0; i < 600; i++) {
        await new Promise((r) => setTimeout(r, 50));
        const sessions = await store.list().catch(() => []);
        id = sessions[0]?.id;
        if (!id) continue;
        const events = await store.read(id);
        const coder = events.find((e) => e.type === 'session.thread_created' && e.agent_name === 'Coder');
        if (
          coder &&
          foldSession(id, events).stopReason?.type !== 'requires_action' &&
          events.some(
            (e) =>
              e.type === 'agent.tool_use' &&
              e.thread === (coder.type === 'session.thread_created' ? coder.session_thread_id : ''),
          )
        )
          break;
      }
      assert.ok(id);
      run.child.kill(signal);
      const stopped = await run.done;
      assert.equal(stopped.code, code, show(stopped));
      assert.doesNotMatch(stopped.stderr, /\n\s+at /, 'no stack trace');
      const events = await store.read(id);
      assert.notEqual(
        foldSession(id, events).stopReason?.type,
        'end_turn',
        'the session did not pretend to be finished',
      );
      assert.equal(world.github.pullRequests().length, 0);

      const resumed = await world.cli(['resume', id, '--approve', ...ALLOW_SCRIPTED_COMMANDS, ...world.flags]);
      assert.equal(resumed.code, 0, show(resumed));
      const state = foldSession(id, await store.read(id));
      assert.equal(state.stopReason?.type, 'end_turn');
      assert.equal(world.github.pullRequests().length, 1);
      const all = await store.read(id);
      for (const use of all.filter((e) => e.type === 'agent.tool_use')) {
        assert.equal(
          all.filter((e) => e.type === 'agent.tool_result' && e.tool_use_id === use.id).length,
          1,
          `tool use ${use.id} has one result`,
        );
      }
      assert.equal((await store.verify(id)).ok, true);
      assert.deepEqual(
        world.server.requests.filter((r) => r.outcome.kind !== 'turn').map((r) => r.outcome),
        [],
      );
    } finally {
      await world.close();
    }
  });
}
