// The dev container sandbox against a real Docker engine (scripts/docker/start.sh) and the real
// @devcontainers/cli. One session's container serves most tests of this file, to keep it quick.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { SandboxRequest } from '../../src/core/sandbox/sandbox.ts';
import type {
  DevcontainerSandbox,
  DevcontainerSandboxProvider,
} from '../../src/node/sandbox/devcontainer/devcontainerSandboxProvider.ts';
import { pruneOrphanContainers, STORE_LABEL, storeId } from '../../src/node/sandbox/devcontainer/sessionContainers.ts';
import { acquireEngine, BASE_IMAGE, type Engine } from './dockerEngine.ts';
import { fixtureProvider, fixtureRepositories, git, makeFixtureRepo, type FixtureRepo } from './fixtureRepo.ts';

const SECRET = 'ghp_agentOsTestSecret0123456789';
const API_KEY = 'sk-ant-agentOsTestKey0123456789';

// The repository's own configuration asks for things Agent OS must not give: a host secret by
// `${localEnv:…}`, a bind mount of a host folder, host networking.
const DEVCONTAINER = `{
  "image": "${BASE_IMAGE}",
  "remoteUser": "root",
  "updateRemoteUserUID": false,
  "containerEnv": { "GH_TOKEN": "\${localEnv:GITHUB_TOKEN}", "FROM_REPO": "plain-value" },
  "remoteEnv": { "API_KEY_COPY": "\${localEnv:ANTHROPIC_API_KEY}" },
  "mounts": ["type=bind,source=/etc,target=/host-etc"],
  "runArgs": ["--network=host", "-e", "MY_TOKEN=${SECRET}"],
}
`;

const ALL_TOOLS = ['bash', 'read', 'write', 'edit', 'glob', 'grep'];

function request(sessionId: string, overrides: Partial<SandboxRequest> = {}): SandboxRequest {
  return { sessionId, threadId: 'coder', access: 'read_write', network: false, enabledTools: ALL_TOOLS, ...overrides };
}

describe('dev container sandbox (real Docker engine)', () => {
  let engine: Engine;
  let fixture: FixtureRepo;
  let dockerEnv: NodeJS.ProcessEnv;
  const providers: DevcontainerSandboxProvider[] = [];

  function docker(...args: string[]): string {
    return execFileSync('docker', args, { env: dockerEnv, encoding: 'utf8' }).trim();
  }

  /** A provider as a freshly started harness makes it (same storage, new objects). */
  function newProvider(): DevcontainerSandboxProvider {
    const provider = fixtureProvider(fixture, {
      parentEnv: { ...process.env, ...dockerEnv, GITHUB_TOKEN: SECRET, ANTHROPIC_API_KEY: API_KEY },
    });
    providers.push(provider);
    return provider;
  }

  async function bash(
    sandbox: DevcontainerSandbox,
    command: string,
    timeout_ms?: number,
  ): Promise<{ content: string; is_error: boolean }> {
    return sandbox.runTool({ name: 'bash', input: { command, ...(timeout_ms ? { timeout_ms } : {}) } }, {});
  }

  before(async () => {
    engine = await acquireEngine();
    dockerEnv = { DOCKER_HOST: engine.dockerHost ?? '' };
    fixture = makeFixtureRepo(DEVCONTAINER);
    // A token in a remote URL: the container's view of the repository config must not have it.
    git(fixture.repository, 'remote', 'add', 'origin', `https://x-access-token:${SECRET}@example.invalid/o/r.git`);
  });

  after(async () => {
    if (engine.dockerHost) {
      for (const p of providers) await p.pruneOrphans([]).catch(() => undefined);
    }
    fixture.cleanup();
    await engine.release();
  });

  let provider: DevcontainerSandboxProvider;
  let sandbox: DevcontainerSandbox;

  test("a session's tools run in its container, on the session's repository", async (t) => {
    if (engine.skip) return t.skip(engine.skip);
    provider = newProvider();
    sandbox = (await provider.open(request('s1'))) as DevcontainerSandbox;
    assert.equal(sandbox.kind, 'devcontainer');
    assert.equal(sandbox.confined, true);
    assert.match(sandbox.detail, /network off/);
    assert.notEqual(sandbox.workdir, fixture.repository, 'never the user checkout');

    const host = await bash(sandbox, 'hostname; pwd');
    assert.equal(host.is_error, false, host.content);
    const [hostname, pwd] = host.content.split('\n');
    assert.ok(sandbox.containerId.startsWith(hostname ?? '-'), `hostname ${hostname} is the container's`);
    assert.equal(pwd, sandbox.remoteWorkspaceFolder);
    assert.equal(
      docker('inspect', '--format', '{{.Config.Labels}}', sandbox.containerId).includes('agent-os.session:s1'),
      true,
    );

    // Files go both ways: bash in the container and the file tools see the same folder.
    assert.equal((await bash(sandbox, 'echo from-container > made-inside.txt')).is_error, false);
    assert.equal(readFileSync(path.join(sandbox.workdir, 'made-inside.txt'), 'utf8'), 'from-container\n');
    const write = await sandbox.runTool(
      { name: 'write', input: { file_path: `${sandbox.remoteWorkspaceFolder}/from-tool.txt`, content: 'tool\n' } },
      {},
    );
    assert.equal(write.is_error, false, write.content);
    assert.equal((await bash(sandbox, 'cat from-tool.txt')).content, 'tool');
    // The persistent shell keeps its directory between calls.
    await bash(sandbox, 'mkdir -p sub && cd sub');
    assert.equal((await bash(sandbox, 'pwd')).content, `${sandbox.remoteWorkspaceFolder}/sub`);
  });

  test("no secret from the parent environment or the repository's configuration is in the container", async (t) => {
    if (engine.skip) return t.skip(engine.skip);
    const env = await bash(sandbox, 'env; cat /proc/1/environ | tr "\\0" "\\n"');
    assert.equal(env.is_error, false, env.content);
    assert.doesNotMatch(env.content, new RegExp(SECRET));
    assert.doesNotMatch(env.content, new RegExp(API_KEY));
    assert.doesNotMatch(env.content, /GH_TOKEN|API_KEY_COPY|MY_TOKEN|DOCKER_HOST/);
    assert.match(env.content, /FROM_REPO=plain-value/, 'harmless configuration variables stay');
    const inspect = docker('inspect', '--format', '{{json .Config.Env}} {{json .Mounts}}', sandbox.containerId);
    assert.doesNotMatch(inspect, new RegExp(SECRET));
    assert.doesNotMatch(inspect, /host-etc/, 'the host bind mount of the repository configuration is left out');
    assert.match(sandbox.detail, /left out of devcontainer\.json/);
  });

  // What an agent's git can change there (metadata, objects, hooks) is the attack suite's
  // (test/sandbox/attackConformance.test.ts).
  test('git reads the session repository inside (log, status, diff through the borrowed objects)', async (t) => {
    if (engine.skip) return t.skip(engine.skip);
    await bash(sandbox, `cd ${sandbox.remoteWorkspaceFolder} && echo changed >> README.md`);
    // README.md's blob is in the person's objects only: found through the clone's alternates (the vault) and
    // the vault's (the person's objects), both mounted at their host paths.
    const read = await bash(
      sandbox,
      'git log --oneline -1 && git status --short && git diff --stat && git show HEAD:README.md && git branch --show-current',
    );
    assert.equal(read.is_error, false, read.content);
    assert.match(read.content, /^[0-9a-f]+ initial\n/);
    assert.match(read.content, / M README\.md/);
    assert.match(read.content, /\?\? made-inside\.txt/);
    assert.match(read.content, /README\.md \| 1 \+/);
    assert.match(read.content, /# fixture\nagent-os\/s1$/);
    git(fixture.repository, 'fsck', '--strict', '--no-progress');
  });

  test('a command that times out is killed inside the container, with what it started', async (t) => {
    if (engine.skip) return t.skip(engine.skip);
    const slow = await bash(sandbox, 'sleep 311 & sleep 312', 1500);
    assert.equal(slow.is_error, true);
    assert.match(slow.content, /timed out/);
    // The kill runs through `docker exec`; the next call waits for nothing, so poll the process table briefly.
    let left = '';
    for (let i = 0; i < 50; i++) {
      left = docker('exec', sandbox.containerId, 'sh', '-c', 'ps -eo args | grep "^sleep 31[12]" || true');
      if (!left) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(left, '', 'no sleep left running');
    const after = await bash(sandbox, 'echo alive');
    assert.match(after.content, /alive/);
  });

  test('a killed harness: a new provider re-attaches to the same container; a removed container is made again', async (t) => {
    if (engine.skip) return t.skip(engine.skip);
    const firstId = sandbox.containerId;
    await sandbox.dispose();
    // Simulate the harness dying: new provider objects over the same storage, nothing shared in memory.
    const woken = (await newProvider().open(request('s1'))) as DevcontainerSandbox;
    assert.equal(woken.containerId, firstId);
    assert.equal((await bash(woken, 'cat made-inside.txt')).content, 'from-container');
    await woken.dispose();

    docker('rm', '-f', firstId);
    // Even with the repository's devcontainer.json changed (an agent could edit it), the saved one is used.
    writeFileSync(
      path.join(woken.workdir, '.devcontainer', 'devcontainer.json'),
      '{ "image": "other", "runArgs": ["--privileged"] }',
    );
    provider = newProvider();
    const remade = (await provider.open(request('s1'))) as DevcontainerSandbox;
    assert.notEqual(remade.containerId, firstId);
    assert.equal(
      docker(
        'inspect',
        '--format',
        '{{.Config.Image}} {{.HostConfig.NetworkMode}} {{.HostConfig.Privileged}}',
        remade.containerId,
      ),
      `${BASE_IMAGE} none false`,
    );
    assert.equal((await bash(remade, 'cat made-inside.txt')).content, 'from-container', 'the folder is mounted again');
    sandbox = remade;
  });

  test("what a killed harness left running in the container ends on re-attach; this harness' live shells do not", async (t) => {
    if (engine.skip) return t.skip(engine.skip);
    // What a killed harness leaves: its shell busy, and a daemon that shell started in a session of its own.
    const busyBefore = bash(sandbox, 'setsid sleep 7777 & sleep 7778');
    const running = (): string =>
      docker('exec', sandbox.containerId, 'sh', '-c', 'ps -eo args | grep "^sleep 77" | sort || true');
    for (let i = 0; i < 50 && running().split('\n').length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(running(), 'sleep 7777\nsleep 7778');
    // A new harness (new provider objects over the same storage) opens the session again: nothing of the old
    // one runs on. Its own live shell, busy in one thread's sandbox, is not cut off when another thread opens.
    provider = newProvider();
    const woken = (await provider.open(request('s1'))) as DevcontainerSandbox;
    assert.equal(woken.containerId, sandbox.containerId, 'the same container, its files kept');
    assert.equal(running(), '');
    assert.equal((await busyBefore).is_error, true, 'the dead harness’s shell was ended');
    const busy = bash(woken, 'sleep 2; echo survived');
    await new Promise((r) => setTimeout(r, 300));
    const other = (await provider.open(request('s1', { threadId: 'coder-2' }))) as DevcontainerSandbox;
    assert.equal(other.containerId, woken.containerId);
    assert.equal((await busy).content, 'survived');
    await other.dispose();
    assert.equal((await bash(woken, 'echo alive')).content, 'alive', 'a sandbox still open keeps the container');
    sandbox = woken;
  });

  test('a container stopped behind our back is started again by the next command', async (t) => {
    if (engine.skip) return t.skip(engine.skip);
    docker('stop', '-t', '1', sandbox.containerId);
    let result = await bash(sandbox, 'cat made-inside.txt');
    // The shell that was running died with the container: at most that one call reports it.
    if (result.is_error) result = await bash(sandbox, 'cat made-inside.txt');
    assert.equal(result.content.split('\n').at(-1), 'from-container', result.content);
    assert.equal(docker('inspect', '--format', '{{.State.Running}}', sandbox.containerId), 'true');
  });

  test('a non-root container user reads the repository with git, and still cannot write its metadata', async (t) => {
    if (engine.skip) return t.skip(engine.skip);
    const { workdir: worktree } = await fixtureRepositories(fixture).ensureSession('s4');
    writeFileSync(
      path.join(worktree, '.devcontainer', 'devcontainer.json'),
      `{ "image": "${BASE_IMAGE}", "remoteUser": "nobody", "containerUser": "nobody", "updateRemoteUserUID": false }`,
    );
    const other = (await provider.open(request('s4'))) as DevcontainerSandbox;
    try {
      const who = await bash(other, 'id -un; git log --oneline -1');
      assert.equal(who.is_error, false, who.content);
      assert.match(who.content, /^nobody\n[0-9a-f]+ initial$/);
      assert.equal((await bash(other, 'touch .git/hooks/x')).is_error, true);
      assert.equal(existsSync(path.join(worktree, '.git', 'hooks', 'x')), false);
    } finally {
      await other.dispose();
      await provider.removeSession('s4');
    }
  });

  test("a read-only thread gets a container of its own on the Coder's files", async (t) => {
    if (engine.skip) return t.skip(engine.skip);
    const reader = (await provider.open(
      request('s1', { threadId: 'reviewer', access: 'read_only' }),
    )) as DevcontainerSandbox;
    try {
      assert.notEqual(reader.containerId, sandbox.containerId);
      assert.equal((await bash(reader, 'cat made-inside.txt')).content, 'from-container');
    } finally {
      await reader.dispose();
    }
  });

  test('stopSession stops the containers; opening again starts the same one', async (t) => {
    if (engine.skip) return t.skip(engine.skip);
    const id = sandbox.containerId;
    await provider.stopSession('s1');
    assert.equal(docker('inspect', '--format', '{{.State.Running}}', id), 'false');
    assert.match((await bash(sandbox, 'true')).content, /closed/, 'the stopped session’s sandbox is closed');
    sandbox = (await provider.open(request('s1'))) as DevcontainerSandbox;
    assert.equal(sandbox.containerId, id);
    assert.equal(docker('inspect', '--format', '{{.State.Running}}', id), 'true');
  });

  test('removeSession removes its containers and repository; pruneOrphans removes only gone sessions’ containers', async (t) => {
    if (engine.skip) return t.skip(engine.skip);
    const other = (await provider.open(request('s2'))) as DevcontainerSandbox;
    await other.dispose();
    const worktree = sandbox.workdir;
    // This store's containers of a session only: the engine is shared with other stores' tests.
    const ofSession = (id: string) =>
      docker(
        'ps',
        '-aq',
        '--filter',
        `label=${STORE_LABEL}=${storeId(path.join(fixture.storageDir, 'devcontainer'))}`,
        '--filter',
        `label=agent-os.session=${id}`,
      );
    await provider.removeSession('s1');
    assert.equal(ofSession('s1'), '');
    assert.equal(existsSync(worktree), false);

    const keep = (await provider.open(request('s3'))) as DevcontainerSandbox;
    await keep.dispose();
    // Another storage's pruning never touches this storage's containers.
    assert.deepEqual(
      await pruneOrphanContainers(
        { stateDir: path.join(fixture.root, 'another-storage'), parentEnv: { ...process.env, ...dockerEnv } },
        [],
      ),
      [],
    );
    const removed = await pruneOrphanContainers(
      { stateDir: path.join(fixture.storageDir, 'devcontainer'), parentEnv: { ...process.env, ...dockerEnv } },
      ['s3'],
    );
    assert.deepEqual(removed, [other.containerId]);
    assert.equal(ofSession('s2'), '');
    assert.notEqual(ofSession('s3'), '');
  });
});
