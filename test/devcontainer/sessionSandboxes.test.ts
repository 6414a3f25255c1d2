// Several sandboxes in one session. A Reviewer's clean-room sandbox at the Coder's head commit: the tests
// that passed in the Coder's worktree only because of a file it left uncommitted fail there (plain worktree
// kind, and the dev container kind against the real engine). Parallel Coder threads in child worktrees,
// merged back into the session worktree, a conflict coming back as data.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Sandbox, SandboxRequest } from '../../src/core/sandbox/sandbox.ts';
import { chooseSandbox, createSandboxProvider } from '../../src/node/sandbox/sandboxChoice.ts';
import { childSessionId, cleanRoomSessionId, createChildSandboxProvider, createCleanRoomSandboxProvider } from '../../src/node/sandbox/sessionSandboxes.ts';
import { acquireEngine, type Engine } from './dockerEngine.ts';
import { git, makeFixtureRepo, type FixtureRepo } from './fixtureRepo.ts';

const coder: SandboxRequest = { sessionId: 'cr1', threadId: 'coder', access: 'read_write', network: false, enabledTools: ['bash', 'write'] };
const reviewer: SandboxRequest = { ...coder, threadId: 'reviewer' };

async function bash(sandbox: Sandbox, command: string): Promise<{ content: string; is_error: boolean }> {
  return sandbox.runTool({ name: 'bash', input: { command } }, {});
}

/** The Coder commits a test that needs lib.sh, and leaves lib.sh itself uncommitted. */
async function coderLeavesAFileUncommitted(sandbox: Sandbox): Promise<string> {
  writeFileSync(path.join(sandbox.workdir, 'test.sh'), 'set -e\n. ./lib.sh\n[ "$(check)" = ok ]\n');
  writeFileSync(path.join(sandbox.workdir, 'lib.sh'), 'check() { echo ok; }\n');
  git(sandbox.workdir, 'add', 'test.sh');
  git(sandbox.workdir, 'commit', '-qm', 'coder: add test');
  assert.equal((await bash(sandbox, 'bash test.sh && echo PASS')).content, 'PASS', "passes in the Coder's worktree");
  return git(sandbox.workdir, 'rev-parse', 'HEAD');
}

describe('clean room sandbox', () => {
  const fixtures: FixtureRepo[] = [];
  let engine: Engine | undefined;
  before(async () => {
    engine = await acquireEngine();
  });
  after(async () => {
    fixtures.forEach((f) => f.cleanup());
    await engine?.release();
  });

  test('worktree kind: the clean room at the Coder head fails the tests, and is cleaned at every opening', async () => {
    const fixture = makeFixtureRepo(null);
    fixtures.push(fixture);
    const parts = { storageDir: fixture.storageDir, repository: fixture.repository };
    const choice = await chooseSandbox({ setting: 'worktree', repository: fixture.repository });
    const coderSandbox = await createSandboxProvider(choice, parts).open(coder);
    const opened: Sandbox[] = [coderSandbox];
    try {
      const head = await coderLeavesAFileUncommitted(coderSandbox);

      const rooms = createCleanRoomSandboxProvider(choice, parts, head);
      const room = await rooms.open(reviewer);
      opened.push(room);
      assert.notEqual(room.workdir, coderSandbox.workdir);
      assert.equal(git(room.workdir, 'rev-parse', 'HEAD'), head);
      const run = await bash(room, 'bash test.sh && echo PASS');
      assert.equal(run.is_error, true, 'the clean room catches it');
      assert.doesNotMatch(run.content, /PASS/);

      // Leftovers of a run (build output, an edit) are gone when the clean room opens again.
      await bash(room, 'echo leftover > lib.sh; mkdir -p build; echo x > build/out; echo changed >> README.md');
      await room.dispose();
      const again = await rooms.open(reviewer);
      opened.push(again);
      assert.equal(existsSync(path.join(again.workdir, 'lib.sh')), false);
      assert.equal(existsSync(path.join(again.workdir, 'build')), false);
      assert.equal(git(again.workdir, 'status', '--porcelain'), '');
      await again.dispose();

      await rooms.removeSession('cr1');
      assert.equal(existsSync(again.workdir), false);
      assert.equal(git(fixture.repository, 'branch', '--list', `agent-os/${cleanRoomSessionId('cr1', head)}`), '', 'its branch is gone');
      assert.equal(existsSync(path.join(coderSandbox.workdir, 'lib.sh')), true, "the Coder's worktree is untouched");
    } finally {
      for (const s of opened) await s.dispose();
    }
  });

  test('dev container kind: the clean room runs in its own container, on the committed files only', async (t) => {
    if (!engine?.dockerHost) return t.skip(engine?.skip ?? 'no engine');
    const fixture = makeFixtureRepo();
    fixtures.push(fixture);
    const env = { ...process.env, DOCKER_HOST: engine.dockerHost };
    const parts = { storageDir: fixture.storageDir, repository: fixture.repository, env };
    const choice = await chooseSandbox({ setting: 'auto', repository: fixture.repository, env, bwrapAvailable: false });
    assert.equal(choice.kind, 'devcontainer');
    const coders = createSandboxProvider(choice, parts);
    const coderSandbox = await coders.open(coder);
    let room: (Sandbox & { containerId: string }) | undefined;
    let head = '';
    const rooms = () => createCleanRoomSandboxProvider(choice, parts, head);
    try {
      head = await coderLeavesAFileUncommitted(coderSandbox);
      room = (await rooms().open(reviewer)) as Sandbox & { containerId: string };
      assert.equal(room.kind, 'devcontainer');
      assert.notEqual(room.containerId, (coderSandbox as Sandbox & { containerId: string }).containerId);
      const run = await bash(room, 'bash test.sh && echo PASS');
      assert.equal(run.is_error, true, 'the clean room catches it');
    } finally {
      await room?.dispose();
      await coderSandbox.dispose();
      if (head) await rooms().removeSession('cr1');
      await coders.removeSession('cr1');
    }
    const left = execFileSync('docker', ['ps', '-aq', '--filter', `label=agent-os.session=${cleanRoomSessionId('cr1', head)}`], { env, encoding: 'utf8' });
    assert.equal(left.trim(), '');
  });
});

describe('child sandboxes for parallel Coder threads', () => {
  const fixture = makeFixtureRepo(null);
  after(() => fixture.cleanup());

  test('two Coder threads work in parallel worktrees; both are merged back; a conflict is reported, nothing lost', async () => {
    const parts = { storageDir: fixture.storageDir, repository: fixture.repository };
    const choice = await chooseSandbox({ setting: 'worktree', repository: fixture.repository });
    const sessions = createSandboxProvider(choice, parts);
    const children = createChildSandboxProvider(choice, parts);
    const opened: Sandbox[] = [];
    try {
      const a = await children.open({ ...coder, threadId: 'coder-a' });
      const b = await children.open({ ...coder, threadId: 'coder-b' });
      const c = await children.open({ ...coder, threadId: 'coder-c' });
      opened.push(a, b, c);
      assert.equal(new Set([a.workdir, b.workdir, c.workdir]).size, 3);
      const [ra, rb, rc] = await Promise.all([
        bash(a, 'echo a > a.txt && git add a.txt && git commit -qm "a" && echo done'),
        bash(b, 'echo b > b.txt && echo "# from b" > README.md && git add -A && git commit -qm "b" && echo done'),
        bash(c, 'echo "# from c" > README.md && git commit -qam "c" && echo done'),
      ]);
      for (const r of [ra, rb, rc]) assert.equal(r.content, 'done', r.content);

      assert.equal((await children.mergeBack('cr1', 'coder-a')).status, 'merged');
      assert.equal((await children.mergeBack('cr1', 'coder-b')).status, 'merged');
      const session = await sessions.open(coder);
      opened.push(session);
      assert.equal((await bash(session, 'cat a.txt b.txt README.md')).content, 'a\nb\n# from b');
      const head = git(session.workdir, 'rev-parse', 'HEAD');

      const conflict = await children.mergeBack('cr1', 'coder-c');
      assert.equal(conflict.status, 'conflict');
      assert.deepEqual(conflict.status === 'conflict' && conflict.files, ['README.md']);
      assert.equal(git(session.workdir, 'rev-parse', 'HEAD'), head, 'the session branch is as it was');
      assert.equal(git(session.workdir, 'status', '--porcelain'), '');
      assert.equal(git(fixture.repository, 'log', '-1', '--format=%s', `agent-os/${childSessionId('cr1', 'coder-c')}`), 'c', "coder-c's commit is kept");

      await children.removeSession('cr1');
      assert.equal(existsSync(c.workdir), false);
      assert.equal(git(fixture.repository, 'branch', '--list', 'agent-os/cr1-child-*'), '');
    } finally {
      for (const s of opened) await s.dispose();
    }
  });
});
