// Ctrl-C (SIGINT) or SIGTERM while the pipeline runs: the CLI stops cleanly with 130/143, the session is
// left to be resumed, and `resume --approve` finishes it with one pull request. The signal lands at one
// chosen point, while the Coder waits for the model's turn with its edit (that request is held open by a
// `stall` fault): a scripted Coder cannot look and redo an edit the stop cut off, as a model would, so a
// signal landing anywhere flaked (seen on a bare machine, 3 of 20: an allowed write recorded but not yet
// run was answered "interrupted before it ran", as it should be, and the script's step 1 failed its
// validation). Signals inside a tool call or a validation are the harness tests' and the crash tests'.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScriptedModelServer } from '../../src/testkit/model/scriptedModelServer.ts';
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
    const world = await startCliWorld(stallingBeforeEdit());
    try {
      const run = startCli(
        ['run', '--issue', world.issueRef, '--approve', ...ALLOW_SCRIPTED_COMMANDS, ...world.flags],
        cliEnv({ ANTHROPIC_API_KEY: 'x' }),
      );
      const store = new FileSessionStore(world.storeDir);
      // Wait until the Coder's request for its edit is held open by the server, then stop the CLI.
      for (let i = 0; i < 600 && !stalled(world.server.requests); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(stalled(world.server.requests), 'the Coder asked for its edit');
      const id = (await store.list())[0]?.id;
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
        world.server.requests.filter((r) => r.outcome.kind === 'error').map((r) => r.outcome),
        [],
      );
    } finally {
      await world.close();
    }
  });
}

/** The crash tests' script, with the Coder's request for its edit (the turn with the write) held open once. */
function stallingBeforeEdit(): unknown {
  const script = crashScript() as { agents: Record<string, { content: { name?: string }[]; faults?: unknown[] }[]> };
  const edit = script.agents.Coder?.find((turn) => turn.content.some((block) => block.name === 'write'));
  assert.ok(edit, 'the Coder has an edit turn');
  edit.faults = [{ kind: 'stall', after_events: 0 }];
  return script;
}

function stalled(requests: ScriptedModelServer['requests']): boolean {
  return requests.some((r) => r.agent === 'Coder' && r.outcome.kind === 'fault' && r.outcome.fault.kind === 'stall');
}
