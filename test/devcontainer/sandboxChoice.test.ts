// The `sandbox` setting: `auto` on machines with and without Docker and the OS sandbox (absence simulated by
// configuration), explicit kinds, and the sandboxes built for each choice.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { AgentOsError } from '../../src/core/errors.ts';
import { chosenSessionSandboxes } from '../../src/node/sandbox/chosenSessionSandboxes.ts';
import { chooseSandbox, parseSandboxSetting, type SandboxChoiceOptions } from '../../src/node/sandbox/sandboxChoice.ts';
import { requireTool } from '../support/requirements.ts';
import { acquireEngine } from './dockerEngine.ts';
import { makeFixtureRepo, type FixtureRepo } from './fixtureRepo.ts';

const withContainer = makeFixtureRepo();
const without = makeFixtureRepo(null);
after(() => {
  withContainer.cleanup();
  without.cleanup();
});

function options(repo: FixtureRepo, rest: Partial<SandboxChoiceOptions>): SandboxChoiceOptions {
  return { setting: 'auto', repository: repo.repository, ...rest };
}

describe('auto', () => {
  test('dev container when the repository has one and Docker answers', async () => {
    const choice = await chooseSandbox(options(withContainer, { dockerAvailable: true, osSandboxAvailable: true }));
    assert.equal(choice.kind, 'devcontainer');
    assert.equal(choice.confined, true);
    assert.match(choice.detail, /^dev container: the repository has .*devcontainer\.json/);
    assert.equal(choice.problem, undefined);
  });

  test('the OS sandbox when Docker does not answer, saying why the container was not used', async () => {
    const choice = await chooseSandbox(options(withContainer, { dockerAvailable: false, osSandboxAvailable: true }));
    assert.equal(choice.kind, 'os');
    assert.match(choice.detail, /Docker does not answer/);
  });

  test('the OS sandbox when the repository has no dev container (Docker is not even asked)', async () => {
    let asked = false;
    const choice = await chooseSandbox(
      options(without, {
        osSandboxAvailable: true,
        probes: { docker: async () => ((asked = true), { available: true }) },
      }),
    );
    assert.equal(choice.kind, 'os');
    assert.match(choice.detail, /no dev container/);
    assert.equal(asked, false);
  });

  test('unconfined, with consent per command, when neither works', async () => {
    for (const repo of [withContainer, without]) {
      const choice = await chooseSandbox(options(repo, { dockerAvailable: false, osSandboxAvailable: false }));
      assert.equal(choice.kind, 'worktree');
      assert.equal(choice.confined, false);
      assert.match(choice.detail, /^unconfined: .*the OS sandbox not available.*every command asks you first/);
    }
  });

  test('probes can be replaced by functions; their reasons reach the detail line', async () => {
    const choice = await chooseSandbox(
      options(withContainer, {
        probes: {
          docker: async () => ({ available: false, reason: 'engine asleep' }),
          os: async () => ({ available: false, reason: 'user namespaces disabled' }),
        },
      }),
    );
    assert.equal(choice.kind, 'worktree');
    assert.match(choice.detail, /engine asleep.*user namespaces disabled/);
  });

  test('the real probes: Docker at a missing socket does not answer', { skip: requireTool('docker') }, async () => {
    const choice = await chooseSandbox(
      options(withContainer, {
        env: { PATH: process.env.PATH, DOCKER_HOST: `unix://${path.join(withContainer.root, 'none.sock')}` },
        osSandboxAvailable: false,
      }),
    );
    assert.equal(choice.kind, 'worktree');
    assert.match(choice.detail, /engine does not answer/);
  });

  test('the real probes: the engine started by the test set-up answers', async (t) => {
    const engine = await acquireEngine();
    try {
      if (engine.skip) return t.skip(engine.skip);
      const choice = await chooseSandbox(
        options(withContainer, { env: { PATH: process.env.PATH, DOCKER_HOST: engine.dockerHost } }),
      );
      assert.equal(choice.kind, 'devcontainer');
      assert.match(choice.detail, /Docker \S+ answers/);
    } finally {
      await engine.release();
    }
  });
});

describe('explicit settings', () => {
  test('worktree is always the plain worktree', async () => {
    const choice = await chooseSandbox({
      setting: 'worktree',
      repository: withContainer.repository,
      dockerAvailable: true,
      osSandboxAvailable: true,
    });
    assert.deepEqual([choice.kind, choice.confined, choice.problem], ['worktree', false, undefined]);
  });

  test('devcontainer without Docker, or without a configuration, keeps the kind and states the problem', async () => {
    const noDocker = await chooseSandbox({
      setting: 'devcontainer',
      repository: withContainer.repository,
      dockerAvailable: false,
    });
    assert.equal(noDocker.kind, 'devcontainer');
    assert.match(noDocker.problem ?? '', /Docker not available/);
    const noConfig = await chooseSandbox({
      setting: 'devcontainer',
      repository: without.repository,
      dockerAvailable: true,
    });
    assert.match(noConfig.problem ?? '', /no dev container configuration.*resume the session/);
  });

  test('the OS sandbox (or its older name bubblewrap) that does not work here states the problem and the next step', async () => {
    for (const setting of ['os', 'bubblewrap'] as const) {
      const choice = await chooseSandbox({ setting, repository: without.repository, osSandboxAvailable: false });
      assert.equal(choice.kind, 'os');
      assert.match(choice.problem ?? '', /not available.*set the sandbox to auto or worktree/);
    }
  });

  test('the setting parser accepts the five values and refuses others', () => {
    assert.equal(parseSandboxSetting('os'), 'os');
    assert.equal(parseSandboxSetting(undefined), 'auto');
    assert.equal(parseSandboxSetting(' devcontainer '), 'devcontainer');
    assert.throws(
      () => parseSandboxSetting('docker'),
      (e: unknown) => e instanceof AgentOsError && e.code === 'INVALID_ARGUMENT',
    );
  });
});

describe('sandboxes for a choice', () => {
  test('an unconfined choice opens unconfined sandboxes; a problem refuses to open, clearly', async () => {
    const storageDir = path.join(withContainer.root, 'storage-choice');
    const parts = { storageDir, repository: withContainer.repository };
    const unconfined = chosenSessionSandboxes(
      await chooseSandbox({ setting: 'worktree', repository: withContainer.repository }),
      parts,
    );
    const sandbox = await unconfined.open({
      sessionId: 'c1',
      threadId: 't',
      access: 'read_write',
      network: false,
      enabledTools: ['bash'],
    });
    assert.equal(sandbox.kind, 'worktree');
    assert.equal(sandbox.confined, false);
    await sandbox.dispose();

    const refused = chosenSessionSandboxes(
      await chooseSandbox({ setting: 'devcontainer', repository: without.repository, dockerAvailable: true }),
      parts,
    );
    await assert.rejects(
      refused.open({ sessionId: 'c2', threadId: 't', access: 'read_write', network: false, enabledTools: ['bash'] }),
      (e: unknown) =>
        e instanceof AgentOsError &&
        e.code === 'SANDBOX_UNAVAILABLE' &&
        /no dev container configuration/.test(e.message),
    );
    await unconfined.removeSession('c1');
  });
});
