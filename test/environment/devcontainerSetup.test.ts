// The set-up in a dev container: detection runs `npm ci` inside the container (the set-up's container has the
// network), the Coder's `npm test` passes there without network, and a second session takes node_modules from
// the cache (keyed by the container's image).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readyEventOf } from '../../src/node/environment/sessionEnvironment.ts';
import { BASE_IMAGE } from '../devcontainer/dockerEngine.ts';
import { dockerHost, requireDocker } from '../support/requirements.ts';
import { bashResults, eventsOf, startEnvironmentRuntime } from './environmentWorld.ts';
import { fixtureRepo, npmProjectFiles, registryProbeCommand, registryUnavailable } from './fixtureRepos.ts';

const devcontainer = JSON.stringify({ name: 'fixture', image: BASE_IMAGE, remoteUser: 'root', updateRemoteUserUID: false });

test('dev container: npm ci in the container, npm test passes offline, the cache serves the next session', async (t) => {
  const why = requireDocker() || (await registryUnavailable());
  if (why) return t.skip(why);
  const host = dockerHost();
  const previous = process.env.DOCKER_HOST;
  if (host) process.env.DOCKER_HOST = host;
  t.after(() => {
    if (previous === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = previous;
  });
  const repo = fixtureRepo({ ...(await npmProjectFiles()), '.devcontainer/devcontainer.json': devcontainer });
  const probe = await registryProbeCommand();
  const rt = await startEnvironmentRuntime(repo.root, [['npm test', probe], ['npm test']], { sandbox: 'devcontainer', environment: { acceptDetected: true } });
  try {
    const first = await rt.runtime.startSingleAgent({ repository: repo.repo, agent: 'Coder', prompt: 'run the tests' });
    await rt.runtime.settled(first.id);
    const events = await rt.store.read(first.id);
    const failed = eventsOf(events, 'agent_os.environment_failed')[0];
    assert.equal(failed, undefined, `${failed?.message}\n${failed?.output_tail}`);
    assert.equal(eventsOf(events, 'agent_os.session_configured')[0]?.sandbox.kind, 'devcontainer');
    assert.deepEqual(readyEventOf({ events })?.dependency_dirs, ['node_modules']);
    const [tests, offline] = bashResults(events);
    assert.equal(tests?.isError, false, tests?.text);
    assert.match(tests?.text ?? '', /Passed:\s+1/);
    assert.equal(offline?.isError, true, `an agent reached the registry: ${offline?.text}`);

    const second = await rt.runtime.startSingleAgent({ repository: repo.repo, agent: 'Coder', prompt: 'again' });
    await rt.runtime.settled(second.id);
    const events2 = await rt.store.read(second.id);
    assert.equal(readyEventOf({ events: events2 })?.cached, true);
    assert.equal(bashResults(events2)[0]?.isError, false, bashResults(events2)[0]?.text);
  } finally {
    await rt.close();
    for (const id of (await rt.store.list()).map((s) => s.id)) await rt.runtime.delete(id).catch(() => undefined);
    repo.cleanup();
  }
});
