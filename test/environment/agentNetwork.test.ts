// The environment file's `network.agents` becomes the agents' network allowlist: in the OS sandbox an agent's
// bash reaches a named domain's stand-in (a local server, by the name on the list) through the proxy, and
// neither another name nor an address; the Reviewer's clean room gets the same list. Without the list agents
// are offline; a dev container, whose network cannot be limited to domains, keeps its agents offline and the
// ready event says why.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { agentNetwork, withAgentNetwork } from '../../src/node/environment/agentNetwork.ts';
import { readyEventIn } from '../../src/node/environment/sessionEnvironment.ts';
import { requireOsSandbox } from '../support/requirements.ts';
import { devcontainerJson, kindUnavailable, openCleanRoom, removeSessions } from './environmentKinds.ts';
import { bashResults, sandboxesFor, startEnvironmentRuntime } from './environmentWorld.ts';
import { fixtureRepo } from './fixtureRepos.ts';

async function serve(text: string, host: string): Promise<Server> {
  const server = createServer((_request, response) => response.end(`${text}\n`));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return server;
}
const portOf = (server: Server): number => (server.address() as AddressInfo).port;

test("the agents' domains: as named for the OS sandbox, none (and why) for a dev container, only for sandboxes without network of their own", () => {
  assert.deepEqual(agentNetwork([], 'os'), { domains: [] });
  assert.deepEqual(agentNetwork(['api.example.com'], 'os'), { domains: ['api.example.com'] });
  const container = agentNetwork(['api.example.com'], 'devcontainer');
  assert.deepEqual(container.domains, []);
  assert.match(container.note ?? '', /api\.example\.com.*cannot be limited to domains: agents stay offline/);
  const request = {
    sessionId: 's',
    threadId: 't',
    access: 'read_only' as const,
    network: false,
    enabledTools: ['bash'],
  };
  assert.deepEqual(withAgentNetwork(request, ['api.example.com']), {
    ...request,
    network: true,
    allowedDomains: ['api.example.com'],
  });
  assert.equal(withAgentNetwork(request, []), request);
  assert.equal(withAgentNetwork(request, undefined), request);
  const own = { ...request, network: true };
  assert.deepEqual(
    withAgentNetwork(own, ['api.example.com']),
    { ...own, allowedDomains: ['api.example.com'] },
    'an agent whose definition gives it the network gets the named domains (the OS sandbox has no other network)',
  );
  assert.equal(withAgentNetwork(own, []), own);
  const listed = { ...own, allowedDomains: ['registry.example.com'] };
  assert.equal(withAgentNetwork(listed, ['api.example.com']), listed, 'a request with its own list keeps it');
});

test("OS sandbox: an agent reaches the named domain's stand-in and nothing else; the clean room too", async (t) => {
  const why = await requireOsSandbox();
  if (why) return t.skip(why);
  // `localhost` stands in for the named domain (the proxy dials it on this machine); the proxy sees every
  // name, as it does a real domain's, once curl is told to use it for localhost too (`--noproxy ''`).
  const allowed = await serve('the allowed stand-in', '127.0.0.1');
  const other = await serve('another server', '127.0.0.1');
  const curl = (url: string): string => `curl -s -m 10 --noproxy '' ${url}; echo " [exit $?]"`;
  const commands = [
    curl(`http://localhost:${portOf(allowed)}/`),
    curl(`http://127.0.0.1:${portOf(other)}/`),
    curl(`http://other.example:${portOf(other)}/`),
  ];
  const repo = fixtureRepo({
    '.agents/environment.yaml': 'test: "true"\nnetwork:\n  agents: [localhost]\n',
    'README.md': '# x\n',
  });
  const rt = await startEnvironmentRuntime(repo.root, [commands], { sandbox: 'os' });
  try {
    const meta = await rt.runtime.startSingleAgent({ repository: repo.repo, agent: 'Coder', prompt: 'reach out' });
    assert.equal((await rt.runtime.settled(meta.id))?.type, 'end_turn');
    const events = await rt.store.read(meta.id);
    const ready = readyEventIn(events);
    assert.deepEqual(ready?.agent_domains, ['localhost']);
    const [reached, byAddress, byOtherName] = bashResults(events).map((r) => r.text);
    assert.match(reached ?? '', /the allowed stand-in/);
    for (const refused of [byAddress, byOtherName]) {
      assert.doesNotMatch(refused ?? '', /another server/);
      assert.match(refused ?? '', /blocked by network allowlist/);
    }

    const room = await openCleanRoom(rt, repo.repo, meta.id, 'os');
    try {
      assert.equal(room.network, true);
      assert.match(
        (await room.runTool({ name: 'bash', input: { command: commands[0] } }, {})).content,
        /the allowed stand-in/,
      );
      assert.doesNotMatch(
        (await room.runTool({ name: 'bash', input: { command: commands[1] } }, {})).content,
        /another server/,
      );
    } finally {
      await room.dispose();
    }

    // Without the list, the same agent is offline.
    const offline = rt.environment!.wrap(await sandboxesFor(rt.storeDir, repo.repo, 'os'), repo.repo, meta.id, () => ({
      ...ready!,
      agent_domains: [],
    }));
    const planner = await offline.open({
      sessionId: meta.id,
      threadId: 'planner',
      access: 'read_only',
      network: false,
      enabledTools: ['bash'],
    });
    try {
      assert.equal(planner.network, false);
      assert.doesNotMatch(
        (await planner.runTool({ name: 'bash', input: { command: commands[0] } }, {})).content,
        /the allowed stand-in/,
      );
    } finally {
      await planner.dispose();
    }

    // An agent whose definition gives it the network: the named domains, as any agent gets them there.
    const networked = await rt
      .environment!.wrap(await sandboxesFor(rt.storeDir, repo.repo, 'os'), repo.repo, meta.id, () => ready!)
      .open({ sessionId: meta.id, threadId: 'networked', access: 'read_write', network: true, enabledTools: ['bash'] });
    try {
      const reachedOwn = await networked.runTool({ name: 'bash', input: { command: commands[0] } }, {});
      assert.match(reachedOwn.content, /the allowed stand-in/);
      const notOther = await networked.runTool({ name: 'bash', input: { command: commands[1] } }, {});
      assert.doesNotMatch(notOther.content, /another server/);
    } finally {
      await networked.dispose();
    }
    // Without named domains, the OS sandbox has no network to give it, and opening its sandbox says what to do.
    await assert.rejects(
      offline.open({
        sessionId: meta.id,
        threadId: 'networked-2',
        access: 'read_write',
        network: true,
        enabledTools: ['bash'],
      }),
      /opens it only to named domains: list them under network\.agents/,
    );
  } finally {
    await rt.close();
    allowed.close();
    other.close();
    repo.cleanup();
  }
});

test('a dev container session records that its agents stay offline, and why', async (t) => {
  const why = await kindUnavailable('devcontainer', t);
  if (why) return t.skip(why);
  const repo = fixtureRepo({
    '.agents/environment.yaml': 'test: "true"\nnetwork:\n  agents: [api.example.com]\n',
    '.devcontainer/devcontainer.json': devcontainerJson(),
  });
  const rt = await startEnvironmentRuntime(repo.root, [['true']], { sandbox: 'devcontainer' });
  try {
    const meta = await rt.runtime.startSingleAgent({ repository: repo.repo, agent: 'Coder', prompt: 'x' });
    assert.equal((await rt.runtime.settled(meta.id))?.type, 'end_turn');
    const ready = readyEventIn(await rt.store.read(meta.id));
    assert.equal(ready?.agent_domains, undefined);
    assert.match(ready?.agent_network_note ?? '', /api\.example\.com.*agents stay offline/);
    const sandboxes = rt.environment!.wrap(
      await sandboxesFor(rt.storeDir, repo.repo, 'devcontainer'),
      repo.repo,
      meta.id,
      () => ready,
    );
    const coder = await sandboxes.open({
      sessionId: meta.id,
      threadId: 'coder',
      access: 'read_write',
      network: false,
      enabledTools: ['bash'],
    });
    try {
      assert.equal(coder.network, false);
    } finally {
      await coder.dispose();
    }
  } finally {
    await rt.close();
    await removeSessions(rt);
    repo.cleanup();
  }
});
