// The set-up's own network allowlist, in the OS sandbox: a set-up command reaches a domain on the list (a local
// stand-in server, by the name on the list, as agentNetwork.test.ts does for agents) and is refused another name
// and an address — judged by what it fetched, kept in files the Coder then reads. The list is the environment
// file's `network.setup` or, by default, the registries the ecosystem's tools are configured with
// (registryDomains.ts): here the project's .npmrc names the stand-in as its registry.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { requireOsSandbox } from '../support/requirements.ts';
import { bashResults, eventsOf, startEnvironmentRuntime } from './environmentWorld.ts';
import { fixtureRepo } from './fixtureRepos.ts';

async function serve(text: string): Promise<Server> {
  const server = createServer((_request, response) => response.end(`${text}\n`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}
const portOf = (server: Server): number => (server.address() as AddressInfo).port;

/** Set-up commands that fetch each URL into a file of the worktree (curl told to use the proxy for localhost
 * too, as agentNetwork.test.ts does); a refused fetch does not fail the set-up, so its file shows what came. */
function fetching(urls: readonly string[]): string[] {
  return urls.map((url, i) => `curl -s -m 10 --noproxy '' -o fetched-${i}.txt ${url}; echo "fetch ${i}: exit $?"`);
}

async function checkSetupNetwork(
  t: TestContext,
  repository: (allowed: Server) => { files: Record<string, string>; network?: string },
): Promise<void> {
  const why = await requireOsSandbox();
  if (why) return t.skip(why);
  const allowed = await serve('the allowed stand-in');
  const other = await serve('another server');
  const urls = [
    `http://localhost:${portOf(allowed)}/`,
    `http://127.0.0.1:${portOf(other)}/`,
    `http://other.example:${portOf(other)}/`,
  ];
  const { files, network } = repository(allowed);
  const setup = fetching(urls)
    .map((c) => `  - ${JSON.stringify(c)}\n`)
    .join('');
  const repo = fixtureRepo({
    ...files,
    '.agents/environment.yaml': `setup:\n${setup}test: "true"\n${network ?? ''}`,
  });
  const rt = await startEnvironmentRuntime(
    repo.root,
    [['for i in 0 1 2; do echo "== $i"; cat fetched-$i.txt 2>/dev/null || echo "(nothing fetched)"; done']],
    { sandbox: 'os' },
  );
  try {
    const meta = await rt.runtime.startSingleAgent({ repository: repo.repo, agent: 'Coder', prompt: 'look' });
    assert.equal((await rt.runtime.settled(meta.id))?.type, 'end_turn');
    const events = await rt.store.read(meta.id);
    const started = eventsOf(events, 'agent_os.environment_setup_started');
    assert.equal(started.length, 1);
    assert.deepEqual(started[0]?.allowed_domains, ['localhost']);
    assert.equal(eventsOf(events, 'agent_os.environment_ready').length, 1);
    const seen = bashResults(events)[0]?.text ?? '';
    const [, reached, byAddress, byOtherName] = seen.split(/^== \d$/m);
    assert.match(reached ?? '', /the allowed stand-in/, seen);
    for (const refused of [byAddress, byOtherName]) {
      assert.doesNotMatch(refused ?? '', /another server/, seen);
      assert.match(refused ?? '', /blocked by network allowlist|nothing fetched/, seen);
    }
  } finally {
    await rt.close();
    allowed.close();
    other.close();
    repo.cleanup();
  }
}

test("OS sandbox: a set-up command reaches a domain of the environment file's network.setup, and neither another name nor an address", async (t) => {
  await checkSetupNetwork(t, () => ({ files: { 'README.md': '# x\n' }, network: 'network:\n  setup: [localhost]\n' }));
});

test("OS sandbox: by default a set-up command reaches the registry the project's npm configuration names, and nothing else", async (t) => {
  // The runtime asks npm with this process's variables: one naming a registry (as `npm test` sets from the
  // person's configuration) would win over the project's file.
  const saved = Object.entries(process.env).filter(([k]) => /^(npm_config_registry|COREPACK_NPM_REGISTRY)$/i.test(k));
  for (const [k] of saved) delete process.env[k];
  try {
    await checkSetupNetwork(t, (allowed) => ({
      files: {
        'package.json': '{ "name": "fixture", "version": "1.0.0", "private": true }\n',
        '.npmrc': `registry=http://localhost:${portOf(allowed)}/\n`,
      },
    }));
  } finally {
    for (const [k, v] of saved) process.env[k] = v;
  }
});
