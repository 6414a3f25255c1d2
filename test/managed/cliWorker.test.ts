// `agent-os worker` through the built CLI, against the platform stand-in: `agent-os run --backend managed
// --no-worker` starts a session whose tools no process serves (nothing polls the environment's work, and the
// Coder's bash waits), then a headless `agent-os worker` on the same store finds the environment, runs the
// call in this machine's sandbox, and the run finishes with its result; SIGTERM stops the worker cleanly.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { createSampleRepository } from '../../src/testkit/demo/sampleRepository.ts';
import { PlatformStandIn } from '../../src/testkit/managed/platformStandIn.ts';
import { parseModelScript } from '../../src/testkit/model/modelScript.ts';
import { ScriptedModelServer } from '../../src/testkit/model/scriptedModelServer.ts';
import { cliEnv, startCli } from '../support/cliProcess.ts';
import { ensureBuiltCli, show } from '../cli/cliWorld.ts';
import { STAND_IN_KEY } from './managedWorld.ts';

const OUTPUT = 'hello from the cli worker';

const SCRIPT = {
  agents: {
    Coordinator: [
      {
        content: [
          { type: 'tool_use', name: 'send_to_agent', input: { agent_name: 'Coder', message: 'Run the command.' } },
        ],
      },
      { content: [{ type: 'text', text: 'Done.' }], expect: { last_user_text_includes: 'Reported' } },
    ],
    Coder: [
      { content: [{ type: 'tool_use', name: 'bash', input: { command: `echo ${OUTPUT}` } }] },
      { content: [{ type: 'text', text: 'Reported what happened.' }], expect: { last_user_text_includes: OUTPUT } },
    ],
  },
};

test(
  'agent-os worker serves the tools of a session run with --no-worker: nothing polls until it starts, then it runs the call',
  { timeout: 240_000 },
  async () => {
    ensureBuiltCli();
    const root = mkdtempSync(join(tmpdir(), 'agent-os-cli-worker-'));
    const sample = await createSampleRepository(root);
    const model = await ScriptedModelServer.start({ script: parseModelScript(SCRIPT) });
    const platform = await PlatformStandIn.start({ modelUrl: model.url });
    const store = join(root, 'store');
    const env = cliEnv({ ANTHROPIC_API_KEY: STAND_IN_KEY });
    const common = ['--repo', sample.workdir, '--store', store, '--base-url', platform.url];
    const polls = (): number => platform.requests.filter((r) => /\/work\/poll/.test(r.path)).length;
    // --allow-tools: where nothing confines (a bare machine) the Coder's bash asks first; elsewhere nothing asks.
    const run = startCli(
      ['run', '--backend', 'managed', '--no-worker', '--task', 'Say hello.', '--allow-tools', ...common],
      env,
    );
    let printed = '';
    run.child.stdout?.on('data', (d: Buffer) => (printed += d.toString()));
    run.child.stderr?.on('data', (d: Buffer) => (printed += d.toString()));
    let worker: ReturnType<typeof startCli> | undefined;
    try {
      // The Coder's bash is on the platform, waiting for a worker; none polls for it.
      const pendingBash = (): boolean =>
        [...platform.sessions.values()].some((s) =>
          s.events.some((e) => e.event.type === 'agent.tool_use' && e.event.name === 'bash'),
        );
      await waitFor(pendingBash, () => printed);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(polls(), 0, '--no-worker: the run serves no tools');
      const [session] = [...platform.sessions.values()];
      assert.ok(session);
      assert.equal(
        session.events.some((e) => e.event.type === 'user.tool_result'),
        false,
        'the call is not carried out without a worker',
      );

      worker = startCli(['worker', '--worker-id', 'cli-worker', ...common], env);
      const ran = await run.done;
      assert.equal(ran.code, 0, show(ran));
      assert.ok(polls() > 0, 'the worker polled the environment');

      const id = session.session.id;
      const events = await new FileSessionStore(store).read(id);
      const bash = events.find((e) => e.type === 'agent.tool_use' && e.name === 'bash');
      const result = events.find((e) => e.type === 'agent.tool_result' && e.tool_use_id === bash?.id);
      assert.ok(result?.type === 'agent.tool_result' && !result.is_error, JSON.stringify(result));
      assert.match(result.content.map((b) => b.text).join(''), new RegExp(OUTPUT));
      const answered = session.events.filter((e) => e.event.type === 'user.tool_result');
      assert.equal(answered.length, 1, 'the worker answered the call once');
      assert.deepEqual(
        model.requests.filter((r) => r.outcome.kind !== 'turn').map((r) => r.outcome),
        [],
        'every model request matched its expect',
      );

      worker.child.kill('SIGTERM');
      const stopped = await worker.done;
      assert.equal(stopped.code, 0, show(stopped));
      const environmentId = [...platform.environments.keys()][0] as string;
      assert.match(stopped.stdout, new RegExp(`^serving environment ${environmentId} \\(store `, 'm'));
      assert.match(stopped.stdout, new RegExp(`^${id} Coder: bash$`, 'm'), show(stopped));
      assert.match(stopped.stderr, /SIGTERM: stopping/);
    } finally {
      run.child.kill('SIGKILL');
      worker?.child.kill('SIGKILL');
      await Promise.all([run.done, worker?.done]);
      await platform.close();
      await model.close();
      rmSync(root, { recursive: true, force: true });
    }
  },
);

async function waitFor(condition: () => boolean, describe: () => string): Promise<void> {
  for (let i = 0; i < 1200 && !condition(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(condition(), `timed out waiting\n${describe()}`);
}
