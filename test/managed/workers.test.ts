// The hands: workers of one self-hosted environment. A worker killed mid-call leaves the call as the
// local harness leaves one after a crash — the next worker answers it as interrupted, outcome unknown,
// and never runs it a second time — and two workers share the environment's sessions.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { STAND_IN_KEY, startManagedWorld } from './managedWorld.ts';

const slowCall = 'echo started >> calls.log && sleep 30';

function coderScript(command: string, expectAfter: string): unknown {
  return {
    agents: {
      Coordinator: [
        {
          content: [
            { type: 'tool_use', name: 'send_to_agent', input: { agent_name: 'Coder', message: 'Run the command.' } },
          ],
        },
        { content: [{ type: 'text', text: 'Done.' }] },
      ],
      Coder: [
        { content: [{ type: 'tool_use', name: 'bash', input: { command } }] },
        {
          content: [{ type: 'text', text: 'Reported what happened.' }],
          expect: { last_user_text_includes: expectAfter },
        },
      ],
    },
  };
}

test('a worker killed mid-call: the next worker answers the call as interrupted (outcome unknown) and never runs it again', async () => {
  const world = await startManagedWorld({
    script: coderScript(slowCall, 'interrupted before completion'),
    platform: { leaseTtlSeconds: 2 },
  });
  try {
    const { runtime, store } = world.setup;
    const environmentId = await runtime.environmentId();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(__dirname, 'fixtures', 'workerChild.ts'),
        JSON.stringify({
          apiKey: STAND_IN_KEY,
          baseURL: world.platform.url,
          environmentId,
          storeDir: world.storeDir,
          workerId: 'doomed',
        }),
      ],
      // Its own process group: the kill takes the worker and the command it runs, as a lost machine would.
      { stdio: ['ignore', 'pipe', 'inherit'], detached: true },
    );
    let printed = '';
    const started = new Promise<void>((resolve) =>
      child.stdout.on('data', (d: Buffer) => ((printed += d.toString()), printed.includes('Coder: bash') && resolve())),
    );
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const meta = await runtime.start({ task: 'Run the slow command.', repository: world.sample.workdir });
    await started;
    // The command is running in the sandbox when the worker dies without a word.
    await waitFor(() => readWorktreeFile(world.storeDir, meta.id, 'calls.log')?.includes('started') ?? false);
    process.kill(-(child.pid as number), 'SIGKILL');
    await exited;

    const next = await world.startWorker('survivor');
    const stop = await runtime.settled(meta.id);
    assert.equal(stop?.type, 'end_turn', JSON.stringify(next.lines));
    const events = await store.read(meta.id);
    const bash = events.find((e) => e.type === 'agent.tool_use' && e.name === 'bash');
    const result = events.find((e) => e.type === 'agent.tool_result' && e.tool_use_id === bash?.id);
    assert.equal(result?.type === 'agent.tool_result' && result.is_error, true);
    assert.match(
      result?.type === 'agent.tool_result' ? (result.content[0]?.text ?? '') : '',
      /interrupted before completion.*outcome is unknown/s,
    );
    assert.equal(readWorktreeFile(world.storeDir, meta.id, 'calls.log'), 'started\n', 'the command ran once');
    assert.ok(
      next.lines.some((l) => l.includes('started before by a worker that stopped')),
      next.lines.join('\n'),
    );
    assert.equal(foldSession(meta.id, events).errors, 0);
  } finally {
    await world.close();
  }
});

test('two workers serve one environment: concurrent sessions are spread over them, each call run once', async () => {
  const world = await startManagedWorld({
    script: coderScript('echo hello from the sandbox', 'hello from the sandbox'),
  });
  try {
    const a = await world.startWorker('worker-a');
    const b = await world.startWorker('worker-b');
    const { runtime, store } = world.setup;
    const sessions = await Promise.all(
      [1, 2].map((n) => runtime.start({ task: `Say hello (${n}).`, repository: world.sample.workdir })),
    );
    const stops = await Promise.all(sessions.map((s) => runtime.settled(s.id)));
    assert.deepEqual(
      stops.map((s) => s?.type),
      ['end_turn', 'end_turn'],
      JSON.stringify([a.lines, b.lines]),
    );
    const servedBy = (lines: string[]): Set<string> =>
      new Set(lines.filter((l) => l.includes(': bash')).map((l) => l.split(' ')[0] as string));
    const [byA, byB] = [servedBy(a.lines), servedBy(b.lines)];
    assert.equal(byA.size, 1, a.lines.join('\n'));
    assert.equal(byB.size, 1, b.lines.join('\n'));
    assert.notDeepEqual([...byA], [...byB], 'each worker served its own session');
    for (const s of sessions) {
      const events = await store.read(s.id);
      const results = events.filter(
        (e) => e.type === 'agent.tool_result' && !e.is_error && e.content[0]?.text.includes('hello from the sandbox'),
      );
      assert.equal(results.length, 1);
    }
  } finally {
    await world.close();
  }
});

function readWorktreeFile(storeDir: string, sessionId: string, name: string): string | undefined {
  try {
    return readFileSync(join(storeDir, '.worktrees', 'repos', sessionId, name), 'utf8');
  } catch {
    return undefined;
  }
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(condition(), 'timed out waiting');
}
