// Clear errors, one line with the next step, and a session that opens once the cause is fixed: Docker
// missing, its engine not running, an invalid configuration, an image that cannot be found.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { AgentOsError } from '../../src/core/errors.ts';
import type { SandboxRequest } from '../../src/core/sandbox/sandbox.ts';
import type { DevcontainerSandboxProvider } from '../../src/node/sandbox/devcontainer/devcontainerSandboxProvider.ts';
import { requireTool } from '../support/requirements.ts';
import { acquireEngine, BASE_IMAGE, type Engine } from './dockerEngine.ts';
import { fixtureProvider, makeFixtureRepo, type FixtureRepo } from './fixtureRepo.ts';

const request: SandboxRequest = {
  sessionId: 'e1',
  threadId: 'coder',
  access: 'read_write',
  network: false,
  enabledTools: ['bash', 'read'],
};

function providerFor(
  fixture: FixtureRepo,
  env: NodeJS.ProcessEnv,
  extra: { dockerPath?: string } = {},
): DevcontainerSandboxProvider {
  return fixtureProvider(fixture, { parentEnv: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, ...extra });
}

async function openError(provider: DevcontainerSandboxProvider): Promise<AgentOsError> {
  try {
    const sandbox = await provider.open(request);
    await sandbox.dispose();
  } catch (error) {
    assert.ok(error instanceof AgentOsError, `an AgentOsError, got ${String(error)}`);
    assert.doesNotMatch(error.message, /\n/, 'one line');
    assert.match(error.message, /then resume the session|and resume the session/, 'says the next step');
    return error;
  }
  assert.fail('open should have failed');
}

describe('dev container sandbox: errors without an engine', () => {
  const fixtures: FixtureRepo[] = [];
  after(() => fixtures.forEach((f) => f.cleanup()));

  test('Docker missing: MISSING_TOOL, and no repository is made', async () => {
    const fixture = makeFixtureRepo();
    fixtures.push(fixture);
    const error = await openError(providerFor(fixture, {}, { dockerPath: path.join(fixture.root, 'no-docker-here') }));
    assert.equal(error.code, 'MISSING_TOOL');
    assert.match(error.message, /Docker is not installed.*install it/);
    assert.equal(existsSync(path.join(fixture.storageDir, 'repos')), false);
  });

  test(
    'engine not running (DOCKER_HOST at a missing socket): SANDBOX_UNAVAILABLE naming the socket',
    { skip: requireTool('docker') },
    async () => {
      const fixture = makeFixtureRepo();
      fixtures.push(fixture);
      const socket = `unix://${path.join(fixture.root, 'missing.sock')}`;
      const error = await openError(providerFor(fixture, { DOCKER_HOST: socket }));
      assert.equal(error.code, 'SANDBOX_UNAVAILABLE');
      assert.match(error.message, /engine does not answer/);
      assert.ok(error.message.includes(socket));
    },
  );
});

describe('dev container sandbox: errors with a real engine', () => {
  let engine: Engine;
  const fixtures: FixtureRepo[] = [];
  let env: NodeJS.ProcessEnv;

  before(async () => {
    engine = await acquireEngine();
    env = { DOCKER_HOST: engine.dockerHost ?? '' };
  });
  after(async () => {
    if (engine.dockerHost) {
      for (const fixture of fixtures)
        await providerFor(fixture, env)
          .removeSession(request.sessionId)
          .catch(() => undefined);
      try {
        execFileSync('docker', ['rmi', 'agent-os-missing:1'], { env, stdio: 'ignore' });
      } catch {
        // the test failed before tagging it
      }
    }
    fixtures.forEach((f) => f.cleanup());
    await engine.release();
  });

  test('invalid devcontainer.json: the error names the file and the place; fixed, the session opens', async (t) => {
    if (engine.skip) return t.skip(engine.skip);
    const fixture = makeFixtureRepo(`{\n  "image": "${BASE_IMAGE}"\n  "remoteUser": "root"\n}\n`);
    fixtures.push(fixture);
    const provider = providerFor(fixture, env);
    const error = await openError(provider);
    assert.equal(error.code, 'SANDBOX_UNAVAILABLE');
    const worktree = path.join(fixture.storageDir, 'repos', request.sessionId);
    const file = path.join(worktree, '.devcontainer', 'devcontainer.json');
    assert.ok(error.message.includes(file), error.message);
    assert.match(error.message, /Expected ',' or '}' after property value at line 3, column 3/);

    writeFileSync(file, `{ "image": "${BASE_IMAGE}", "remoteUser": "root", "updateRemoteUserUID": false }`);
    const sandbox = await provider.open(request);
    assert.equal((await sandbox.runTool({ name: 'bash', input: { command: 'echo ok' } }, {})).content, 'ok');
    await sandbox.dispose();
  });

  test('a configuration without image or build, and a Compose one, are refused with the reason', async (t) => {
    if (engine.skip) return t.skip(engine.skip);
    for (const [json, reason] of [
      ['{ "name": "nothing" }', /neither an "image" nor a "build.dockerfile"/],
      ['{ "dockerComposeFile": "compose.yml", "service": "app" }', /Docker Compose/],
    ] as const) {
      const fixture = makeFixtureRepo(json);
      fixtures.push(fixture);
      const error = await openError(providerFor(fixture, env));
      assert.match(error.message, reason);
    }
  });

  test('a repository without a configuration: SANDBOX_UNAVAILABLE saying what to add', async (t) => {
    if (engine.skip) return t.skip(engine.skip);
    const fixture = makeFixtureRepo(null);
    fixtures.push(fixture);
    const error = await openError(providerFor(fixture, env));
    assert.match(error.message, /has no dev container configuration/);
  });

  test('an image that cannot be found: the error names it; once it exists, the session opens', async (t) => {
    if (engine.skip) return t.skip(engine.skip);
    const fixture = makeFixtureRepo(
      `{ "image": "agent-os-missing:1", "remoteUser": "root", "updateRemoteUserUID": false }`,
    );
    fixtures.push(fixture);
    const provider = providerFor(fixture, env);
    const error = await openError(provider);
    assert.equal(error.code, 'SANDBOX_UNAVAILABLE');
    assert.match(error.message, /image "agent-os-missing:1" cannot be found.*docker pull agent-os-missing:1/);

    execFileSync('docker', ['tag', BASE_IMAGE, 'agent-os-missing:1'], { env });
    const sandbox = await provider.open(request);
    assert.equal((await sandbox.runTool({ name: 'bash', input: { command: 'echo ok' } }, {})).content, 'ok');
    await sandbox.dispose();
  });
});
