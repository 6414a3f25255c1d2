// `agent-os demo`, the README's main job: the whole pipeline offline, to the end, through the built CLI.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliEnv, startCli } from '../support/cliProcess.ts';
import { ensureBuiltCli, show } from './cliWorld.ts';

test('agent-os demo runs offline to the end: thread tree, verdict, diff summary, pull request; exit 0', async () => {
  ensureBuiltCli();
  // No ANTHROPIC_API_KEY: the scripted model plays the agents.
  const result = await startCli(['demo'], cliEnv({})).done;
  assert.equal(result.code, 0, show(result));
  const out = result.stdout;
  assert.match(out, /scripted model server at http:\/\/127\.0\.0\.1:\d+/);
  assert.match(out, /\nsandbox: (os|bubblewrap|worktree)/, 'the demo says which sandbox it used');
  assert.match(out, /== threads\nCoordinator v\d+ — idle/);
  for (const agent of ['Planner', 'Coder', 'Reviewer']) assert.match(out, new RegExp(`[├└]─ ${agent} v\\d+ — idle`));
  assert.match(out, /== verdict\nAPPROVE: /);
  assert.match(out, /== diff\nM src\/parseDuration\.js \(\+\d+ −\d+\)\nA test\/compoundDuration\.test\.js/);
  assert.match(out, /== pull request\n#\d+ agent-os-demo\/duration-kit#\d+: /);
  assert.match(
    out,
    /http:\/\/127\.0\.0\.1:\d+\/agent-os-demo\/duration-kit\/pull\/\d+ +\(agent-os\/sesn_\w+ → main, head [0-9a-f]{12}\)/,
  );
  assert.match(out, /Reviewer: verdict REJECT/, 'the REJECT round is shown');
  assert.equal(result.stderr, '');
});

test('demo --keep names its sandbox and the exact command that lists its sessions, which then finds the session', async () => {
  ensureBuiltCli();
  const dir = mkdtempSync(join(tmpdir(), 'agent-os-demo-keep-'));
  try {
    const result = await startCli(['demo', '--keep', '--dir', join(dir, 'demo')], cliEnv({})).done;
    assert.equal(result.code, 0, show(result));
    assert.match(result.stdout, /\nsandbox: (os|bubblewrap|worktree|devcontainer)( — .+)?\n/);
    const command = /its sessions: (agent-os sessions list --store (\S+))/.exec(result.stdout);
    assert.ok(command, show(result));
    const id = /session (sesn_\w+)/.exec(result.stdout)?.[1];
    const list = await startCli(command[1]!.split(' ').slice(1), cliEnv({})).done;
    assert.equal(list.code, 0, show(list));
    assert.ok(id && list.stdout.includes(id), `the kept session is listed:\n${list.stdout}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('demo with ANTHROPIC_API_KEY set but the model unreachable says so and starts nothing', async () => {
  ensureBuiltCli();
  // A port nothing listens on: what "no network" looks like to the client.
  const closed = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
  const result = await startCli(
    ['demo'],
    cliEnv({ ANTHROPIC_API_KEY: 'sk-ant-not-used', ANTHROPIC_BASE_URL: `http://127.0.0.1:${closed}` }),
  ).done;
  assert.equal(result.code, 1, show(result));
  assert.match(
    result.stdout,
    new RegExp(
      `ANTHROPIC_API_KEY is set, so the demo would use the real model, but http://127\\.0\\.0\\.1:${closed} cannot be reached \\(ECONNREFUSED\\)\\. Nothing was started\\. Unset ANTHROPIC_API_KEY`,
    ),
  );
  assert.doesNotMatch(result.stdout, /session sesn_|--store/);
});
