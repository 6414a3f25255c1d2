// The platform's failures, each one clear line, and nothing lost: no key, a refused key, a key without
// access, an unknown environment, 429s (retried, and past the retries), a lost lease.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { createManagedRuntime } from '../../src/node/managed/createManagedRuntime.ts';
import { PlatformStandIn } from '../../src/testkit/managed/platformStandIn.ts';
import { startManagedWorld } from './managedWorld.ts';

const oneTurn = { agents: { Coordinator: [{ content: [{ type: 'text', text: 'Nothing to do.' }] }] } };

test('no key, a refused key, a key without access, an unknown environment: each a clear error before anything is made', async () => {
  const root = mkdtempSync(join(tmpdir(), 'agent-os-managed-errors-'));
  const platform = await PlatformStandIn.start({
    modelUrl: 'http://127.0.0.1:9',
    apiKeys: { good: 'ok', outsider: 'no_access' },
  });
  try {
    const runtimeWith = (apiKey: string, environmentId?: string) =>
      createManagedRuntime({
        storeDir: join(root, 'store'),
        platform: { apiKey, baseURL: platform.url, ...(environmentId ? { environmentId } : {}) },
      }).runtime;
    assert.throws(() => runtimeWith(''), /needs ANTHROPIC_API_KEY/);
    await assert.rejects(
      runtimeWith('wrong').environmentId(),
      /refused the API key while .*\(401 authentication_error/,
    );
    await assert.rejects(
      runtimeWith('outsider').environmentId(),
      /no access to Claude Managed Agents \(403 organization_not_enrolled_in_beta\) while .*Use a key of an organization in the beta/,
    );
    await assert.rejects(
      runtimeWith('good', 'env_doesnotexist').environmentId(),
      /no such environment \(404 environment_not_found\) while looking up environment env_doesnotexist/,
    );
    assert.equal(platform.environments.size, 0, 'nothing was made on the way');
  } finally {
    await platform.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test('429s: retried by the SDK when brief; past the retries a clear error, and the next try works', async () => {
  const world = await startManagedWorld({ script: oneTurn });
  try {
    const { runtime, store } = world.setup;
    world.platform.rateLimit(/^POST \/v1\/sessions$/, 2);
    const meta = await runtime.start({ task: 'Nothing.', repository: world.sample.workdir });
    assert.equal((await runtime.settled(meta.id))?.type, 'end_turn');

    // One more than the SDK's retries (4): every attempt is refused.
    world.platform.rateLimit(/^POST \/v1\/sessions$/, 5);
    await assert.rejects(
      runtime.start({ task: 'Nothing.', repository: world.sample.workdir }),
      /rate limiting requests \(429\) while creating the session/,
    );
    assert.equal((await store.list()).length, 1, 'no half-made session is left');

    // A stream refused with 429 many times over: the mirror keeps re-attaching and the session still ends.
    world.platform.rateLimit(/^GET \/v1\/sessions\/[^/]+\/events\/stream$/, 6);
    const later = await runtime.start({ task: 'Nothing.', repository: world.sample.workdir });
    assert.equal((await runtime.settled(later.id))?.type, 'end_turn');
    const ids = (await store.read(later.id)).flatMap((e) => (e.platform_event_id ? [e.platform_event_id] : []));
    assert.equal(new Set(ids).size, ids.length);
  } finally {
    await world.close();
  }
});

test('a lost lease (412 heartbeat_precondition_failed): the worker says so, the call is not re-run, the session carries on', async () => {
  const script = {
    agents: {
      Coordinator: [
        { content: [{ type: 'tool_use', name: 'send_to_agent', input: { agent_name: 'Coder', message: 'Run it.' } }] },
        { content: [{ type: 'text', text: 'Done.' }] },
      ],
      Coder: [
        { content: [{ type: 'tool_use', name: 'bash', input: { command: 'echo ran >> lease.log && sleep 4' } }] },
        {
          content: [{ type: 'text', text: 'Reported.' }],
          expect: { last_user_text_includes: 'interrupted before completion' },
        },
      ],
    },
  };
  const world = await startManagedWorld({ script, platform: { leaseTtlSeconds: 2 } });
  try {
    const worker = await world.startWorker('lessee');
    const { runtime, store } = world.setup;
    const meta = await runtime.start({ task: 'Run it.', repository: world.sample.workdir });
    for (let i = 0; i < 400 && !worker.lines.some((l) => l.includes('Coder: bash')); i++)
      await new Promise((r) => setTimeout(r, 25));
    world.platform.expireLeases(meta.id);
    const stop = await runtime.settled(meta.id);
    assert.equal(stop?.type, 'end_turn', worker.lines.join('\n'));
    assert.ok(
      worker.lines.some((l) => /lost the lease of work work_\w+ \(412 heartbeat_precondition_failed\)/.test(l)),
      worker.lines.join('\n'),
    );
    const events = await store.read(meta.id);
    const result = events.find((e) => e.type === 'agent.tool_result' && e.is_error);
    assert.match(
      result?.type === 'agent.tool_result' ? (result.content[0]?.text ?? '') : '',
      /interrupted before completion/,
    );
    assert.equal(foldSession(meta.id, events).errors, 0);
  } finally {
    await world.close();
  }
});
