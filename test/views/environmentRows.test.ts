// The set-up's events as the Event Log (and the CLI) show them: the started row names the commands and the
// set-up's network; each output chunk is a row of its own whose body is the output (collapsible in the
// webview); the ready row says cached or not, the folders, the test command and the agents' network; a failed
// set-up is an error row with the command, what to do and the output's tail.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { toEventRow, type RowContext } from '../../src/views/eventRows.ts';

let seq = 0;
const ev = (payload: Record<string, unknown>): SessionEvent =>
  ({
    id: `sevt_${++seq}`,
    seq,
    thread: 'sthr_a',
    processed_at: '2026-01-01T00:00:00Z',
    schema_version: 1,
    ...payload,
  }) as SessionEvent;
const ctx: RowContext = { agentOf: () => 'Coordinator', toolUse: () => undefined };
const row = (payload: Record<string, unknown>) => toEventRow(ev(payload), 0, ctx);

test('set-up started, its output, ready and failed read as rows', () => {
  const started = row({
    type: 'agent_os.environment_setup_started',
    source: 'detected',
    commands: ['npm ci'],
    cache_key: 'k',
    allowed_domains: ['registry.example'],
  });
  assert.equal(started.title, 'Setting up the environment (from detection): npm ci');
  assert.match(started.body ?? '', /1\. npm ci\nnetwork during set-up: registry\.example/);

  const output = row({ type: 'agent_os.environment_output', command_index: 0, text: 'added 3 packages\n' });
  assert.equal(output.title, 'Set-up output (command 1)');
  assert.equal(output.body, 'added 3 packages\n');

  const base = {
    type: 'agent_os.environment_ready',
    source: 'environment_file',
    cached: true,
    cache_key: 'k',
    test_command: 'npm test',
    dependency_dirs: ['node_modules'],
    copied_files: [],
    duration_ms: 1200,
  };
  const ready = row(base);
  assert.equal(ready.title, 'Environment ready from the cache in 1.2 s: node_modules; tests: npm test');
  assert.match(ready.body ?? '', /agents run offline/);
  assert.match(row({ ...base, agent_domains: ['api.example.com'] }).body ?? '', /agents may reach: api\.example\.com/);
  const note =
    "network.agents names api.example.com, but a dev container's network cannot be limited to domains: agents stay offline";
  assert.match(row({ ...base, agent_network_note: note }).body ?? '', /agents run offline\nnetwork\.agents names/);

  const failed = row({
    type: 'agent_os.environment_failed',
    command: 'npm ci',
    exit_code: 1,
    output_tail: 'npm error E404',
    message: 'set-up command failed: npm ci; fix it and resume the session',
  });
  assert.equal(failed.isError, true);
  assert.equal(failed.title, 'Environment set-up failed: npm ci (exit code 1)');
  assert.match(failed.body ?? '', /resume the session\n\nnpm error E404/);
});
