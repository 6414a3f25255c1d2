// The consent rule of an unconfined sandbox, as a table: (the agent's tool configuration, its access,
// whether the sandbox confines) in, the configuration that applies out. No agent file can opt out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  allowListToolset,
  evaluatePermission,
  resolveToolset,
  type BuiltinToolName,
} from '../../src/core/tools/toolConfig.ts';
import { unconfinedTools } from '../../src/core/tools/unconfinedTools.ts';
import type { SandboxAccess } from '../../src/core/sandbox/sandbox.ts';

const ALL = resolveToolset({ type: 'agent_toolset_20260401' });
const READER = resolveToolset(allowListToolset(['bash', 'read', 'glob', 'grep']));
const ASKS = resolveToolset(allowListToolset(['bash', 'read', 'write'], ['bash']));
const NO_BASH = resolveToolset(allowListToolset(['read', 'write', 'edit']));

const rows: Array<
  [
    string,
    ReturnType<typeof resolveToolset>,
    SandboxAccess,
    boolean,
    Partial<Record<BuiltinToolName, 'allow' | 'ask' | 'deny'>>,
  ]
> = [
  ['confined writer: as configured', ALL, 'read_write', true, { bash: 'allow', write: 'allow', read: 'allow' }],
  ['confined reader: as configured', READER, 'read_only', true, { bash: 'allow', read: 'allow', write: 'deny' }],
  [
    'unconfined writer: bash asks, the rest as configured',
    ALL,
    'read_write',
    false,
    { bash: 'ask', write: 'allow', edit: 'allow', read: 'allow', glob: 'allow', grep: 'allow' },
  ],
  [
    'unconfined reader: no bash at all',
    READER,
    'read_only',
    false,
    { bash: 'deny', read: 'allow', glob: 'allow', grep: 'allow', write: 'deny' },
  ],
  ['unconfined writer that already asks: still asks', ASKS, 'read_write', false, { bash: 'ask', write: 'allow' }],
  ['unconfined reader whose bash asks: still none', ASKS, 'read_only', false, { bash: 'deny' }],
  ['unconfined writer without bash: bash stays off', NO_BASH, 'read_write', false, { bash: 'deny', edit: 'allow' }],
];

for (const [name, tools, access, confined, expected] of rows) {
  test(name, () => {
    const effective = unconfinedTools(tools, access, confined);
    for (const [tool, permission] of Object.entries(expected))
      assert.equal(evaluatePermission(effective, tool), permission, tool);
    assert.equal(effective.length, tools.length, 'one entry per built-in tool, as the platform resolves them');
  });
}

test('applying the rule twice is applying it once, and the input is left as it was', () => {
  const before = JSON.stringify(ALL);
  const once = unconfinedTools(ALL, 'read_write', false);
  assert.deepEqual(unconfinedTools(once, 'read_write', false), once);
  assert.equal(JSON.stringify(ALL), before);
});
