// The set-up in a dev container: detection runs `npm ci` inside the container (the set-up's container has the
// network), the Coder's `npm test` passes there without network, the Reviewer's clean room (a container of its
// own) passes too, and a second session takes node_modules from the cache (keyed by the container's image). The
// dev container's own lifecycle commands (postCreateCommand: npm ci) are the set-up when there is no environment
// file: run once by Agent OS in the set-up's container, never by the dev container CLI in agents' offline ones.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { readyEventIn } from '../../src/node/environment/sessionEnvironment.ts';
import type { Requirement } from '../support/requirements.ts';
import { devcontainerJson, kindUnavailable, openCleanRoom, removeSessions } from './environmentKinds.ts';
import { bashResults, eventsOf, startEnvironmentRuntime } from './environmentWorld.ts';
import { fixtureRepo, npmProjectFiles, registryProbeCommand, registryUnavailable } from './fixtureRepos.ts';
import type { ScriptedRuntime } from '../support/scriptedRuntime.ts';

async function useEngine(t: TestContext): Promise<Requirement> {
  return (await kindUnavailable('devcontainer', t)) || (await registryUnavailable());
}

/** The Reviewer's clean room at the session's head runs the test command and sees it pass, offline. */
async function cleanRoomPasses(rt: ScriptedRuntime, repository: string, sessionId: string): Promise<void> {
  const room = await openCleanRoom(rt, repository, sessionId, 'devcontainer');
  try {
    assert.equal(room.network, false);
    const result = await room.runTool({ name: 'bash', input: { command: 'npm test', timeout_ms: 120_000 } }, {});
    assert.equal(result.is_error, false, result.content);
    assert.match(result.content, /Passed:\s+1/);
  } finally {
    await room.dispose();
  }
}

test('dev container: npm ci in the container, npm test passes offline for the Coder and the clean room, the cache serves the next session', async (t) => {
  const why = await useEngine(t);
  if (why) return t.skip(why);
  const repo = fixtureRepo({ ...(await npmProjectFiles()), '.devcontainer/devcontainer.json': devcontainerJson() });
  const probe = await registryProbeCommand();
  const rt = await startEnvironmentRuntime(repo.root, [['npm test', probe]], {
    sandbox: 'devcontainer',
    environment: { acceptDetected: true },
  });
  try {
    const first = await rt.runtime.startSingleAgent({ repository: repo.repo, agent: 'Coder', prompt: 'run the tests' });
    await rt.runtime.settled(first.id);
    const events = await rt.store.read(first.id);
    const failed = eventsOf(events, 'agent_os.environment_failed')[0];
    assert.equal(failed, undefined, `${failed?.message}\n${failed?.output_tail}`);
    assert.equal(eventsOf(events, 'agent_os.session_configured')[0]?.sandbox.kind, 'devcontainer');
    assert.deepEqual(readyEventIn(events)?.dependency_dirs, ['node_modules']);
    const [tests, offline] = bashResults(events);
    assert.equal(tests?.isError, false, tests?.text);
    assert.match(tests?.text ?? '', /Passed:\s+1/);
    assert.equal(offline?.isError, true, `an agent reached the registry: ${offline?.text}`);
    await cleanRoomPasses(rt, repo.repo, first.id);

    const second = await rt.runtime.startSingleAgent({ repository: repo.repo, agent: 'Coder', prompt: 'again' });
    await rt.runtime.settled(second.id);
    const events2 = await rt.store.read(second.id);
    assert.equal(readyEventIn(events2)?.cached, true);
    assert.equal(bashResults(events2)[0]?.isError, false, bashResults(events2)[0]?.text);
  } finally {
    await rt.close();
    await removeSessions(rt);
    repo.cleanup();
  }
});

test('dev container lifecycle commands: postCreateCommand is the set-up, run once with the network and cached', async (t) => {
  const why = await useEngine(t);
  if (why) return t.skip(why);
  const repo = fixtureRepo({
    ...(await npmProjectFiles()),
    '.devcontainer/devcontainer.json': devcontainerJson({ postCreateCommand: 'npm ci --no-audit --no-fund' }),
  });
  const rt = await startEnvironmentRuntime(repo.root, [['npm test']], { sandbox: 'devcontainer' });
  try {
    const first = await rt.runtime.startSingleAgent({ repository: repo.repo, agent: 'Coder', prompt: 'run the tests' });
    await rt.runtime.settled(first.id);
    const events = await rt.store.read(first.id);
    const failed = eventsOf(events, 'agent_os.environment_failed')[0];
    assert.equal(failed, undefined, `${failed?.message}\n${failed?.output_tail}`);
    assert.equal(eventsOf(events, 'session.error')[0], undefined, JSON.stringify(eventsOf(events, 'session.error')[0]));
    const started = eventsOf(events, 'agent_os.environment_setup_started')[0];
    assert.equal(started?.source, 'devcontainer');
    assert.deepEqual(started?.commands, ['npm ci --no-audit --no-fund']);
    assert.ok(
      eventsOf(events, 'agent_os.environment_output').some((e) => /added \d+ packages?/.test(e.text)),
      'its output streamed into the log',
    );
    const tests = bashResults(events)[0];
    assert.equal(tests?.isError, false, tests?.text);
    assert.match(tests?.text ?? '', /Passed:\s+1/);
    await cleanRoomPasses(rt, repo.repo, first.id);

    const second = await rt.runtime.startSingleAgent({ repository: repo.repo, agent: 'Coder', prompt: 'again' });
    await rt.runtime.settled(second.id);
    const events2 = await rt.store.read(second.id);
    assert.equal(readyEventIn(events2)?.cached, true, 'the lifecycle command did not run again');
    assert.equal(eventsOf(events2, 'agent_os.environment_setup_started').length, 0);
    assert.equal(bashResults(events2)[0]?.isError, false, bashResults(events2)[0]?.text);
  } finally {
    await rt.close();
    await removeSessions(rt);
    repo.cleanup();
  }
});
