// `agent-os scripted-model` as a real process: it prints its URL, serves the real SDK, stops on SIGTERM.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { once } from 'node:events';
import { AnthropicModelClient } from '../../src/node/model/anthropicModelClient.ts';
import type { RecordedRequest } from '../../src/testkit/model/scriptedModelServer.ts';
import { request } from './modelTestKit.ts';

const root = join(__dirname, '..', '..');
const fixture = join(root, 'test', 'fixtures', 'scripts', 'readAndFix.json');

function startCli(args: string[]): { child: ChildProcess; output: () => string; errors: () => string } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), 'scripted-model', ...args],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return { child, output: () => out, errors: () => err };
}

async function waitForUrl(child: ChildProcess, output: () => string): Promise<string> {
  for (;;) {
    const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output());
    if (match?.[1]) return match[1];
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
    await once(child.stdout!, 'data');
  }
}

describe('agent-os scripted-model', () => {
  it('serves a script to the real SDK until SIGTERM', async () => {
    const { child, output } = startCli(['--script', fixture]);
    try {
      const url = await waitForUrl(child, output);
      const client = new AnthropicModelClient({ apiKey: 'k', baseURL: url, retryBaseDelayMs: 5 });
      const ask = request([{ role: 'user', content: [{ type: 'text', text: 'please fix parse' }] }]);
      const first = await client.createMessage(ask, { agentName: 'coder' });
      assert.equal(first.stop_reason, 'tool_use');
      const verdict = await client.createMessage(ask, { agentName: 'reviewer' });
      assert.deepEqual(verdict.content, [{ type: 'text', text: 'APPROVE: the change is small and tested.' }]);
      const recorded = (await (await fetch(`${url}/_scripted/requests`)).json()) as RecordedRequest[];
      assert.deepEqual(
        recorded.map((r) => r.agent),
        ['coder', 'reviewer'],
      );
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      assert.equal(code, 0);
      assert.match(output(), /served 2 request\(s\)/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('refuses a bad script with one line naming the field', async () => {
    const { child, errors } = startCli(['--script', join(root, 'package.json')]);
    const [code] = await once(child, 'exit');
    assert.equal(code, 1);
    assert.match(
      errors(),
      /^agent-os: invalid model script .*package\.json: the script needs "turns" \(one sequence\) or "agents"/,
    );
  });

  it('refuses a missing --script and a bad --port', async () => {
    const missing = startCli([]);
    assert.equal((await once(missing.child, 'exit'))[0], 1);
    assert.match(missing.errors(), /--script is required/);
    const badPort = startCli(['--script', fixture, '--port', 'abc']);
    assert.equal((await once(badPort.child, 'exit'))[0], 1);
    assert.match(badPort.errors(), /--port must be a port number/);
  });
});
