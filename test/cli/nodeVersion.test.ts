import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { CLI } from '../support/cliProcess.ts';

// The machine's own Node (the one on PATH outside npm scripts) may be older than the CLI needs.
const system = spawnSync('/usr/bin/env', ['-i', 'PATH=/usr/local/bin:/usr/bin:/bin', 'node', '--version'], { encoding: 'utf8' });
const major = Number(/^v(\d+)/.exec(system.stdout ?? '')?.[1] ?? 0);

test('on a Node older than 22 the CLI says so in one line instead of failing later', { skip: !major || major >= 22 ? `system node is ${system.stdout?.trim() || 'missing'}` : false }, () => {
  const r = spawnSync('/usr/bin/env', ['-i', 'PATH=/usr/local/bin:/usr/bin:/bin', 'node', CLI, 'sessions', 'list'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^agent-os: needs Node\.js 22 or newer; this is v\d+/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});
