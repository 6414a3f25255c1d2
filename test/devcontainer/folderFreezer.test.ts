// The freezer behind the host's file tools where no OS sandbox works (folderFreezer.ts), against a real
// engine: the folder's containers are paused for the whole call and resumed after; and a container that runs
// while the call does (resumed by someone else, as `docker stop` does to deliver its signal) makes the call
// fail with what it read withheld, through the engine's socket and through the `docker` command alike.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DockerCli } from '../../src/node/sandbox/devcontainer/dockerCli.ts';
import { FolderFreezer, frozenFileTools } from '../../src/node/sandbox/devcontainer/folderFreezer.ts';
import { acquireEngine, BASE_IMAGE, type Engine } from './dockerEngine.ts';

const SECRET = 'read while the container ran';

describe('the folder freezer, on a real engine', () => {
  let engine: Engine;
  let env: NodeJS.ProcessEnv;
  /** The `docker` command through a context of its own (no DOCKER_HOST): the freezer then has no socket to call. */
  let contextEnv: NodeJS.ProcessEnv;
  const config = mkdtempSync(join(tmpdir(), 'agent-os-freezer-docker-'));
  const labels = { 'agent-os.test-freezer': randomUUID() };
  let id = '';
  const docker = (...args: string[]): string => execFileSync('docker', args, { env, encoding: 'utf8' }).trim();
  const state = (): string => docker('inspect', '--format', '{{.State.Status}}', id);

  before(async () => {
    engine = await acquireEngine();
    if (engine.skip) return;
    env = { ...process.env, DOCKER_HOST: engine.dockerHost };
    const [label, value] = Object.entries(labels)[0] as [string, string];
    id = docker('run', '-d', '--label', `${label}=${value}`, BASE_IMAGE, 'sleep', 'infinity');
    const { DOCKER_HOST: host, ...rest } = env;
    contextEnv = { ...rest, DOCKER_CONFIG: config, DOCKER_CONTEXT: 'freezer-test' };
    execFileSync('docker', ['context', 'create', 'freezer-test', '--docker', `host=${host}`], {
      env: { ...rest, DOCKER_CONFIG: config },
      stdio: 'ignore',
    });
  });
  after(async () => {
    if (id) docker('rm', '-f', id);
    rmSync(config, { recursive: true, force: true });
    await engine.release();
  });

  // The engine's socket (DOCKER_HOST), and the `docker` command (a context: no socket to call).
  for (const via of ['socket', 'command'] as const) {
    const freezer = (): FolderFreezer =>
      new FolderFreezer(new DockerCli({ env: via === 'socket' ? env : contextEnv }), labels);

    it(`pauses the folder's containers for the whole call and resumes them after (${via})`, async (t) => {
      if (engine.skip) return t.skip(engine.skip);
      const during = await freezer().during(async () => state());
      assert.equal(during, 'paused');
      assert.equal(state(), 'running');
    });

    it(`withholds what a call read while its container ran, and resumes it (${via})`, async (t) => {
      if (engine.skip) return t.skip(engine.skip);
      const tools = frozenFileTools(
        {
          root: '/',
          run: async () => {
            docker('unpause', id); // someone else resumes it while the tool reads
            return { content: SECRET, is_error: false };
          },
        },
        freezer(),
      );
      const outcome = await tools.run({ name: 'read', input: { file_path: 'x' } });
      assert.equal(outcome.is_error, true);
      assert.ok(!outcome.content.includes(SECRET), outcome.content);
      assert.match(outcome.content, /was resumed while the call ran; what it read is withheld/);
      assert.equal(state(), 'running');
    });
  }
});
