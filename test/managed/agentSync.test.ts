// Agent definitions reach the platform once: created on first sync, left alone while unchanged, and
// updated to a new platform version only when their content changes; callees are in the caller's roster
// (`multiagent`) at their exact versions.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Anthropic } from '@anthropic-ai/sdk';
import type { HarnessAgent } from '../../src/core/harness/harnessAgent.ts';
import { resolveToolset, allowListToolset } from '../../src/core/tools/toolConfig.ts';
import { syncAgents } from '../../src/node/managed/agentSync.ts';
import { ManagedStateFile } from '../../src/node/managed/managedState.ts';
import { PlatformStandIn } from '../../src/testkit/managed/platformStandIn.ts';

const agent = (name: string, system: string, callable: string[] = []): HarnessAgent => ({
  name,
  version: 1,
  model: 'claude-sonnet-4-6',
  maxTokens: 1024,
  system,
  tools: resolveToolset(allowListToolset(['read', 'bash'])),
  callableAgents: callable,
  network: false,
  access: 'read_only',
});

test('agent sync creates each platform agent once, re-sends nothing unchanged, and versions only what changed', async () => {
  const root = mkdtempSync(join(tmpdir(), 'agent-os-sync-'));
  const platform = await PlatformStandIn.start({ modelUrl: 'http://127.0.0.1:9' });
  try {
    const client = new Anthropic({ apiKey: 'stand-in-key', baseURL: platform.url });
    const state = ManagedStateFile.inStore(root, platform.url);
    const agents = new Map([
      ['Lead', agent('Lead', 'lead the work', ['Helper'])],
      ['Helper', agent('Helper', 'help')],
    ]);
    const first = await syncAgents({ client, state, agents, primary: 'Lead' });
    assert.deepEqual([first.created, first.updated], [2, 0]);
    assert.deepEqual([first.byName.Lead?.version, first.byName.Helper?.version], [1, 1]);
    const lead = platform.agentOf(first.byName.Lead?.id as string);
    assert.deepEqual(lead.multiagent, {
      type: 'coordinator',
      agents: [{ type: 'agent', id: first.byName.Helper?.id, version: 1 }],
    });

    const again = await syncAgents({ client, state, agents, primary: 'Lead' });
    assert.deepEqual([again.created, again.updated], [0, 0]);
    assert.deepEqual(again.byName, first.byName);
    const writes = platform.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/v1/agents'));
    assert.equal(writes.length, 2, 'the second sync sent nothing');

    // The callee changes: it gets version 2, and so does its caller, whose roster names the new version.
    agents.set('Helper', agent('Helper', 'help, carefully'));
    const changed = await syncAgents({ client, state, agents, primary: 'Lead' });
    assert.deepEqual([changed.created, changed.updated], [0, 2]);
    assert.deepEqual(
      [changed.byName.Lead?.id, changed.byName.Helper?.id],
      [first.byName.Lead?.id, first.byName.Helper?.id],
    );
    assert.deepEqual([changed.byName.Lead?.version, changed.byName.Helper?.version], [2, 2]);
    assert.deepEqual(platform.agentOf(changed.byName.Lead?.id as string).multiagent, {
      type: 'coordinator',
      agents: [{ type: 'agent', id: first.byName.Helper?.id, version: 2 }],
    });
    // The old versions stay as they were: a session pinned to them runs them still.
    assert.equal(platform.agentOf(first.byName.Helper?.id as string, 1).system?.includes('carefully'), false);

    // A fresh process reads the same state: nothing is sent.
    const reread = await syncAgents({
      client,
      state: ManagedStateFile.inStore(root, platform.url),
      agents,
      primary: 'Lead',
    });
    assert.deepEqual([reread.created, reread.updated], [0, 0]);
  } finally {
    await platform.close();
    rmSync(root, { recursive: true, force: true });
  }
});
