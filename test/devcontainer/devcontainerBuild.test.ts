// A dev container built from the repository's Dockerfile (paths resolve from the repository's
// devcontainer.json, although the CLI reads Agent OS's hardened copy), against a real engine.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { DevcontainerSandbox } from '../../src/node/sandbox/devcontainer/devcontainerSandboxProvider.ts';
import { acquireEngine, BASE_IMAGE, type Engine } from './dockerEngine.ts';
import { fixtureProvider, git, makeFixtureRepo, type FixtureRepo } from './fixtureRepo.ts';

let engine: Engine;
let fixture: FixtureRepo;

before(async () => {
  engine = await acquireEngine();
  fixture = makeFixtureRepo(
    '{ "build": { "dockerfile": "Dockerfile", "context": ".." }, "remoteUser": "root", "updateRemoteUserUID": false }',
  );
  writeFileSync(
    path.join(fixture.repository, '.devcontainer', 'Dockerfile'),
    `FROM ${BASE_IMAGE}\nCOPY README.md /from-context.md\nRUN echo built > /built.txt\n`,
  );
  git(fixture.repository, 'add', '-A');
  git(fixture.repository, 'commit', '-qm', 'Dockerfile');
});

after(async () => {
  fixture.cleanup();
  await engine.release();
});

test('a Dockerfile-built dev container: built from the session’s repository, network off, tools inside', async (t) => {
  if (engine.skip) return t.skip(engine.skip);
  const env = { ...process.env, DOCKER_HOST: engine.dockerHost };
  const provider = fixtureProvider(fixture, { parentEnv: env });
  const sandbox = (await provider.open({
    sessionId: 'b1',
    threadId: 'coder',
    access: 'read_write',
    network: false,
    enabledTools: ['bash'],
  })) as DevcontainerSandbox;
  const image = execFileSync('docker', ['inspect', '--format', '{{.Config.Image}}', sandbox.containerId], {
    env,
    encoding: 'utf8',
  }).trim();
  try {
    assert.match(sandbox.detail, /built from its Dockerfile/);
    const out = await sandbox.runTool({ name: 'bash', input: { command: 'cat /built.txt /from-context.md' } }, {});
    assert.equal(out.content, 'built\n# fixture');
    assert.equal(
      execFileSync('docker', ['inspect', '--format', '{{.HostConfig.NetworkMode}}', sandbox.containerId], {
        env,
        encoding: 'utf8',
      }).trim(),
      'none',
    );
  } finally {
    await sandbox.dispose();
    await provider.removeSession('b1');
    execFileSync('docker', ['rmi', '-f', image], { env, stdio: 'ignore' });
  }
});
