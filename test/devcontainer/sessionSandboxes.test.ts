// A dev container session as the runtime composes it (chosenSessionSandboxes), against the real engine:
// the session's repository, a Reviewer's clean room at the commit Agent OS took over, and parallel Coders in
// child repositories each get a container of their own, read git inside through the borrowed object stores,
// and their work crosses to the host only as Agent OS's verified takeover (checkpoint, merge). Attacks on it
// (symlinks the container swaps in against the file tools among them) are the attack suite's
// (test/sandbox/attackConformance.test.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import type { Sandbox, SandboxRequest } from '../../src/core/sandbox/sandbox.ts';
import { BUILTIN_TOOL_NAMES } from '../../src/core/tools/toolConfig.ts';
import { chosenSessionSandboxes } from '../../src/node/sandbox/chosenSessionSandboxes.ts';
import type { SessionSandboxes } from '../../src/core/sandbox/sessionSandboxes.ts';
import type { DevcontainerSandbox } from '../../src/node/sandbox/devcontainer/devcontainerSandboxProvider.ts';
import { shutdownOsSandbox } from '../../src/node/sandbox/osSandbox.ts';
import { STORE_LABEL, storeId } from '../../src/node/sandbox/devcontainer/sessionContainers.ts';
import { chooseSandbox, devcontainerStateDir, type SandboxChoice } from '../../src/node/sandbox/sandboxChoice.ts';
import { acquireEngine, type Engine } from './dockerEngine.ts';
import { git, makeFixtureRepo, type FixtureRepo } from './fixtureRepo.ts';

const ALL = [...BUILTIN_TOOL_NAMES];
const coder = (sessionId: string, rest: Partial<SandboxRequest> = {}): SandboxRequest => ({
  sessionId,
  threadId: 'coder',
  access: 'read_write',
  network: false,
  enabledTools: ALL,
  ...rest,
});

async function bash(sandbox: Sandbox, command: string): Promise<{ content: string; is_error: boolean }> {
  return sandbox.runTool({ name: 'bash', input: { command } }, {});
}

describe('dev container sessions through chosenSessionSandboxes (real engine)', () => {
  let engine: Engine;
  let fixture: FixtureRepo;
  let env: NodeJS.ProcessEnv;
  let choice: SandboxChoice;
  let sandboxes: SessionSandboxes;
  const opened: Sandbox[] = [];
  const open = async (request: SandboxRequest): Promise<DevcontainerSandbox> => {
    const sandbox = (await sandboxes.open(request)) as DevcontainerSandbox;
    opened.push(sandbox);
    return sandbox;
  };
  const docker = (...args: string[]): string => execFileSync('docker', args, { env, encoding: 'utf8' }).trim();

  before(async () => {
    engine = await acquireEngine();
    if (!engine.dockerHost) return;
    fixture = makeFixtureRepo();
    env = { ...process.env, DOCKER_HOST: engine.dockerHost };
    choice = await chooseSandbox({ setting: 'devcontainer', repository: fixture.repository, env });
    sandboxes = chosenSessionSandboxes(choice, { storageDir: fixture.storageDir, repository: fixture.repository, env });
  });
  after(async () => {
    for (const s of opened) await s.dispose();
    if (engine.dockerHost) {
      for (const id of ['cr1', 'ch1', 're1']) await sandboxes.removeSession(id).catch(() => undefined);
    }
    fixture?.cleanup();
    await engine.release();
    // The OS sandbox's proxies (started for Agent OS's git and the file tools) keep a process alive.
    await shutdownOsSandbox();
  });

  test('a clean room at the commit Agent OS took over: its own container, the committed files only, fresh at each opening', async (t) => {
    if (engine.skip) return t.skip(engine.skip);
    assert.equal(choice.kind, 'devcontainer');
    const session = await open(coder('cr1'));
    assert.equal(session.kind, 'devcontainer');
    // The Coder's test needs lib.sh; Agent OS commits the test (a checkpoint), the Coder adds lib.sh after.
    assert.equal(
      (await bash(session, `printf 'set -e\\n. ./lib.sh\\n[ "$(check)" = ok ]\\n' > test.sh && echo ok`)).content,
      'ok',
    );
    const { commit, committed } = await sandboxes.checkpoint('cr1', 'Coder: add test');
    assert.equal(committed, true);
    assert.equal(
      (await bash(session, "echo 'check() { echo ok; }' > lib.sh && bash test.sh && echo PASS")).content,
      'PASS',
    );
    // The container reads what Agent OS committed on the host, through its read-only .git.
    assert.equal(
      (await bash(session, 'git log -1 --format=%s; git status --porcelain')).content,
      'Coder: add test\n?? lib.sh',
    );
    assert.equal((await sandboxes.changes('cr1')).head, commit);

    const reviewer = coder('cr1', {
      threadId: 'reviewer',
      access: 'read_only',
      workspace: { kind: 'clean_room', commit },
    });
    const room = await open(reviewer);
    assert.equal(room.kind, 'devcontainer');
    assert.notEqual(room.containerId, session.containerId, 'a container of its own');
    assert.notEqual(room.workdir, session.workdir);
    const run = await bash(room, 'git rev-parse HEAD; git status --porcelain | wc -l; bash test.sh && echo PASS');
    assert.equal(run.is_error, true, 'the clean room catches the uncommitted lib.sh');
    assert.match(run.content, new RegExp(`^${commit}\\n0\\n`));
    assert.doesNotMatch(run.content, /PASS/);
    // A test run may write build output there; the reader's own file tools stay read-only.
    assert.equal((await bash(room, 'mkdir -p build && echo x > build/out && echo ok')).content, 'ok');
    // What a reader plants in its container outside the folder must not meet the next run there.
    assert.equal(
      (
        await bash(
          room,
          'printf "#!/bin/sh\\necho all tests passed\\n" > /usr/local/bin/npm && chmod +x /usr/local/bin/npm && npm test',
        )
      ).content,
      'all tests passed',
    );
    assert.equal(
      (await room.runTool({ name: 'write', input: { file_path: 'w.txt', content: 'x' } }, {})).is_error,
      true,
    );
    await room.dispose();

    // Opened again, the clean room is a new folder in a new container, with nothing left over in either.
    const again = await open(reviewer);
    assert.notEqual(again.containerId, room.containerId);
    assert.equal(
      (
        await bash(
          again,
          'ls build 2>/dev/null | wc -l; git log -1 --format=%s; ls /usr/local/bin/npm 2>/dev/null | wc -l',
        )
      ).content,
      '0\nCoder: add test\n0',
    );
    assert.equal(existsSync(path.join(session.workdir, 'lib.sh')), true, "the Coder's files are untouched");

    await sandboxes.removeSession('cr1');
    // This store's containers only: the engine is shared with other stores' tests.
    const store = `label=${STORE_LABEL}=${storeId(devcontainerStateDir(fixture.storageDir))}`;
    for (const name of ['cr1', `cr1-clean-${commit.slice(0, 12)}`])
      assert.equal(
        docker('ps', '-aq', '--filter', store, '--filter', `label=agent-os.session=${name}`),
        '',
        `${name}: its containers are gone`,
      );
    assert.equal(existsSync(again.workdir), false);
  });

  test('parallel Coders each in a child repository and container; merged back by Agent OS; a conflict comes back as data', async (t) => {
    if (engine.skip) return t.skip(engine.skip);
    const session = await open(coder('ch1'));
    const [a, b, c] = await Promise.all(
      ['a', 'b', 'c'].map((key) => open(coder('ch1', { threadId: `coder-${key}`, workspace: { kind: 'child', key } }))),
    );
    assert.ok(a && b && c);
    assert.equal(
      new Set([session.containerId, a.containerId, b.containerId, c.containerId]).size,
      4,
      'four containers',
    );
    assert.equal(new Set([session.workdir, a.workdir, b.workdir, c.workdir]).size, 4);
    assert.equal(
      (await bash(a, 'git branch --show-current; git log -1 --format=%s')).content,
      'agent-os/ch1-child-a\ninitial',
    );
    const [ra, rb, rc] = await Promise.all([
      bash(a, 'echo a > a.txt && echo done'),
      bash(b, 'echo b > b.txt && echo "# from b" > README.md && echo done'),
      bash(c, 'echo "# from c" > README.md && echo done'),
    ]);
    for (const r of [ra, rb, rc]) assert.equal(r.content, 'done', r.content);

    assert.equal((await sandboxes.mergeChild('ch1', 'a', 'Coder [a]')).status, 'merged');
    assert.equal((await sandboxes.mergeChild('ch1', 'b', 'Coder [b]')).status, 'merged');
    assert.equal(
      (await bash(session, 'cat a.txt b.txt README.md; git log -1 --format=%s')).content,
      'a\nb\n# from b\nMerge Coder [b]',
    );
    const head = (await sandboxes.changes('ch1')).head;

    const conflict = await sandboxes.mergeChild('ch1', 'c', 'Coder [c]');
    assert.equal(conflict.status, 'conflict');
    assert.deepEqual(conflict.status === 'conflict' && conflict.files, ['README.md']);
    assert.equal(
      (await bash(session, 'git rev-parse HEAD; git status --porcelain | wc -l')).content,
      `${head}\n0`,
      'the session is as it was',
    );
    const vault = (await sandboxes.changes('ch1')).gitDir;
    assert.equal(
      git(vault, 'log', '-1', '--format=%s', 'agent-os/ch1-child-c'),
      'Uncommitted work of Coder [c]',
      "coder-c's work is kept",
    );
    assert.equal(
      git(fixture.repository, 'branch', '--list', 'agent-os/*'),
      '',
      'nothing reached the person’s repository',
    );

    await sandboxes.removeSession('ch1');
    // This store's containers only: the engine is shared with other stores' tests.
    const store = `label=${STORE_LABEL}=${storeId(devcontainerStateDir(fixture.storageDir))}`;
    assert.equal(docker('ps', '-aq', '--filter', store), '', 'every container of the session is gone');
    assert.equal(existsSync(c.workdir), false);
  });

  test('a repository deleted under a running container is made again from the vault, in a container that mounts the new one', async (t) => {
    if (engine.skip) return t.skip(engine.skip);
    const first = await open(coder('re1'));
    await bash(first, 'echo kept > k.txt');
    const { commit } = await sandboxes.checkpoint('re1', 'keep');
    // Still open, so its container keeps running (the last sandbox to close stops it).
    rmSync(first.workdir, { recursive: true, force: true });
    const second = await open(coder('re1'));
    assert.notEqual(second.containerId, first.containerId, 'the old container had the deleted folder mounted');
    assert.equal((await bash(second, 'git rev-parse HEAD; cat k.txt')).content, `${commit}\nkept`);
    await sandboxes.removeSession('re1');
  });
});
