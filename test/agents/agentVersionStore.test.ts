import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { AgentDefinition } from '../../src/core/agents/agentDefinition.ts';
import { builtinAgents } from '../../src/core/agents/builtinAgents.ts';
import { allowListToolset } from '../../src/core/tools/toolConfig.ts';
import { loadAgents } from '../../src/node/agents/agentLoader.ts';
import { AgentVersionStore } from '../../src/node/agents/agentVersionStore.ts';
import { isAgentOsError } from '../../src/core/errors.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tempDir(prefix: string): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

const coder = (): AgentDefinition => builtinAgents().find((a) => a.name === 'Coder')!;

test('unchanged content keeps its version; a change is a new version; old versions stay retrievable', async () => {
  const store = new AgentVersionStore(await tempDir('versions-'));
  const v1 = await store.resolve(coder());
  assert.equal(v1.version, 1);
  assert.equal((await store.resolve(coder())).version, 1);

  const edited = { ...coder(), system: coder().system + '\nAlso write a changelog entry.' };
  const v2 = await store.resolve(edited);
  assert.equal(v2.version, 2);
  assert.equal((await store.get('Coder', 1)).system, coder().system);
  assert.equal((await store.get('Coder', 2)).system, edited.system);

  // Going back to the first content is a change too: a new version, not a silent switch to 1.
  assert.equal((await store.resolve(coder())).version, 3);
  assert.deepEqual(
    (await store.list('Coder')).map((v) => v.version),
    [1, 2, 3],
  );
});

test('the same permissions spelled differently are the same version; where the file lives is not content', async () => {
  const store = new AgentVersionStore(await tempDir('versions-'));
  const base: AgentDefinition = {
    ...coder(),
    name: 'x',
    toolset: allowListToolset(['read', 'grep']),
    source: { kind: 'file', path: '/a/.agents/x.md', folder: 'agents' },
  };
  const v1 = await store.resolve(base);
  const respelled: AgentDefinition = {
    ...base,
    toolset: {
      type: 'agent_toolset_20260401',
      default_config: { enabled: false },
      configs: [
        { name: 'grep', enabled: true },
        { name: 'read', enabled: true },
      ],
    },
    source: { kind: 'file', path: '/b/.claude/agents/x.md', folder: 'claude' },
  };
  assert.equal((await store.resolve(respelled)).version, v1.version);
  assert.equal((await store.resolve({ ...base, network: true })).version, 2);
});

test('versions survive reopening the store, and a session gets exactly the versions it recorded', async () => {
  const dir = await tempDir('versions-');
  const workspace = await tempDir('workspace-');
  const file = join(workspace, '.agents', 'helper.md');
  await writeFile(
    join(await mkdirp(join(workspace, '.agents')), 'helper.md'),
    '---\nname: helper\ndescription: helps\ntools: read\n---\nFirst prompt.\n',
  );

  const first = await loadAgents(workspace);
  const recorded = Object.fromEntries(
    [...(await new AgentVersionStore(dir).resolveAll(first.agents.values()))].map(([name, v]) => [name, v.version]),
  );
  assert.equal(recorded.helper, 1);

  // The file is edited mid-session; a new load gets a new version...
  await writeFile(file, '---\nname: helper\ndescription: helps\ntools: read\n---\nSecond prompt.\n');
  const reopened = new AgentVersionStore(dir);
  const second = await loadAgents(workspace);
  assert.equal((await reopened.resolve(second.agents.get('helper')!)).version, 2);
  // ...but waking the session loads what it recorded.
  const woken = await reopened.get('helper', recorded.helper!);
  assert.equal(woken.system, 'First prompt.');
  assert.equal(woken.version, 1);
  assert.equal((await reopened.get('Coder', recorded.Coder!)).system, coder().system);
  const pinned = await reopened.getAll(recorded);
  assert.deepEqual([...pinned.keys()].sort(), ['Coder', 'Coordinator', 'Planner', 'Reviewer', 'helper']);
  assert.equal(pinned.get('helper')!.system, 'First prompt.');

  // Atomic writes leave neither temp files nor locks behind.
  assert.deepEqual((await readdir(dir)).sort(), [
    'coder.json',
    'coordinator.json',
    'helper.json',
    'planner.json',
    'reviewer.json',
  ]);
  const stored = JSON.parse(await readFile(join(dir, 'helper.json'), 'utf8'));
  assert.equal(stored.versions.length, 2);
});

test('an unknown version is AGENT_NOT_FOUND; a damaged file is a clear error', async () => {
  const dir = await tempDir('versions-');
  const store = new AgentVersionStore(dir);
  await store.resolve(coder());
  await assert.rejects(
    store.get('Coder', 7),
    (e: unknown) => isAgentOsError(e) && e.code === 'AGENT_NOT_FOUND' && /version 7/.test(e.message),
  );
  await assert.rejects(store.get('Nobody', 1), (e: unknown) => isAgentOsError(e) && e.code === 'AGENT_NOT_FOUND');
  await writeFile(join(dir, 'coder.json'), '{"name":"Coder","versions":[{"version":"x"}]}');
  await assert.rejects(
    store.get('Coder', 1),
    (e: unknown) => isAgentOsError(e) && e.code === 'INVALID_AGENT' && /damaged/.test(e.message),
  );
});

test('concurrent resolves of one new content make exactly one version', async () => {
  const dir = await tempDir('versions-');
  const a = new AgentVersionStore(dir);
  const b = new AgentVersionStore(dir);
  const edited = { ...coder(), description: 'changed' };
  const results = await Promise.all([a.resolve(edited), b.resolve(edited), a.resolve(edited), b.resolve(edited)]);
  assert.deepEqual(
    results.map((r) => r.version),
    [1, 1, 1, 1],
  );
  assert.equal((await a.list('Coder')).length, 1);
});

async function mkdirp(path: string): Promise<string> {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(path, { recursive: true });
  return path;
}
