// The worktree sandbox on real repositories, real processes, with and without bubblewrap.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sandbox, SandboxRequest } from '../../src/core/sandbox/sandbox.ts';
import { BUILTIN_TOOL_NAMES } from '../../src/core/tools/toolConfig.ts';
import { probeBubblewrap } from '../../src/node/sandbox/bubblewrap.ts';
import { WorktreeSandboxProvider } from '../../src/node/sandbox/worktreeSandboxProvider.ts';
import { git, makeTestRepo, type TestRepo } from '../git/gitTestRepo.ts';
import { processesWithArgument, waitUntilGone } from './processes.ts';

const ALL = [...BUILTIN_TOOL_NAMES];
const bash = async (sandbox: Sandbox, command: string, timeout_ms?: number) =>
  sandbox.runTool({ name: 'bash', input: { command, ...(timeout_ms ? { timeout_ms } : {}) } }, {});

let bwrapAvailable = false;

for (const mode of ['bubblewrap', 'plain'] as const) {
  describe(`worktree sandbox (${mode})`, () => {
    let repo: TestRepo;
    let storage: string;
    let provider: WorktreeSandboxProvider;
    let sessionCounter = 0;
    const opened: Sandbox[] = [];
    const skip = (t: { skip: (why: string) => void }): boolean => {
      if (mode === 'bubblewrap' && !bwrapAvailable) {
        t.skip('bubblewrap cannot run here');
        return true;
      }
      return false;
    };
    const open = async (request: Partial<SandboxRequest> & { sessionId: string }) => {
      const sandbox = await provider.open({ threadId: 'coder', access: 'read_write', network: false, enabledTools: ALL, ...request });
      opened.push(sandbox);
      return sandbox;
    };
    const newSession = () => `s${mode[0]}${++sessionCounter}`;

    before(async () => {
      bwrapAvailable = (await probeBubblewrap()).available;
      repo = makeTestRepo({ 'README.md': '# test\n', 'src/a.ts': 'export const a = 1;\n' });
      storage = mkdtempSync(join(tmpdir(), 'agentos-sandbox-'));
      provider = new WorktreeSandboxProvider({ storageDir: storage, repository: repo.work, bubblewrap: mode === 'plain' ? 'off' : 'auto' });
    });
    after(async () => {
      for (const sandbox of opened) await sandbox.dispose();
      rmSync(storage, { recursive: true, force: true });
      repo.cleanup();
    });

    it('makes a worktree on a new branch from HEAD and says how it is confined', async (t) => {
      if (skip(t)) return;
      const sessionId = newSession();
      const sandbox = await open({ sessionId });
      assert.equal(sandbox.confined, mode === 'bubblewrap');
      assert.equal(sandbox.kind, mode === 'bubblewrap' ? 'bubblewrap' : 'worktree');
      if (mode === 'plain') assert.match(sandbox.detail, /^unconfined: /);
      const head = git(repo.work, 'rev-parse', 'HEAD').trim();
      assert.equal(git(sandbox.workdir, 'rev-parse', 'HEAD').trim(), head);
      assert.equal(git(sandbox.workdir, 'branch', '--show-current').trim(), `agent-os/${sessionId}`);
      const wt = await provider.ensureWorktree(sessionId);
      assert.equal(wt.baseCommit, head);
      assert.equal(wt.status, 'existing');
      const pwd = await bash(sandbox, 'pwd');
      assert.deepEqual(pwd, { content: sandbox.workdir, is_error: false });
      // The agent's own git works in its worktree.
      const commit = await bash(sandbox, 'echo hi > b.txt && git add b.txt && git commit -qm "agent commit" && git log --format=%s -1');
      assert.deepEqual(commit, { content: 'agent commit', is_error: false });
    });

    it('starts a session from a given base', async (t) => {
      if (skip(t)) return;
      git(repo.work, 'checkout', '-q', '-b', 'release');
      writeFileSync(join(repo.work, 'release.txt'), 'r\n');
      git(repo.work, 'add', 'release.txt');
      git(repo.work, 'commit', '-qm', 'release');
      const releaseHead = git(repo.work, 'rev-parse', 'HEAD').trim();
      git(repo.work, 'checkout', '-q', 'main');
      const sessionId = newSession();
      const made = await provider.ensureWorktree(sessionId, { baseRef: 'release' });
      assert.equal(made.status, 'created');
      assert.equal(made.baseCommit, releaseHead);
      const sandbox = await open({ sessionId });
      assert.deepEqual(await sandbox.runTool({ name: 'read', input: { file_path: 'release.txt' } }, {}), { content: 'r\n', is_error: false });
    });

    it('hides secrets of the parent environment from bash', async (t) => {
      if (skip(t)) return;
      const saved = { ...process.env };
      Object.assign(process.env, {
        ANTHROPIC_API_KEY: 'sk-ant-do-not-leak',
        GITHUB_TOKEN: 'ghp_do_not_leak',
        GH_TOKEN: 'gho_do_not_leak',
        MY_SECRET: 'do-not-leak-3',
        AWS_ACCESS_KEY_ID: 'AKIA_DO_NOT_LEAK',
        DB_PASSWORD: 'do-not-leak-4',
      });
      try {
        const sandbox = await open({ sessionId: newSession() });
        const env = await bash(sandbox, 'env');
        assert.equal(env.is_error, false);
        assert.doesNotMatch(env.content, /do.not.leak|DO_NOT_LEAK/i);
        assert.doesNotMatch(env.content, /ANTHROPIC|GITHUB_TOKEN|GH_TOKEN|MY_SECRET|AWS_|PASSWORD/);
        assert.match(env.content, /^PATH=/m);
        assert.match(env.content, /^HOME=/m);
        const home = /^HOME=(.*)$/m.exec(env.content)?.[1] ?? '';
        assert.notEqual(home, saved.HOME);
        if (mode === 'bubblewrap') {
          // No process of the harness is visible, so no /proc/<pid>/environ to read the key from.
          const procs = await bash(sandbox, 'grep -l do-not-leak /proc/[0-9]*/environ 2>/dev/null; ls /proc | grep -c "^[0-9]"');
          assert.doesNotMatch(procs.content, /environ/);
        }
      } finally {
        for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      }
    });

    it('keeps a read-only agent from changing the worktree, even through bash', async (t) => {
      if (skip(t)) return;
      const sessionId = newSession();
      const coder = await open({ sessionId });
      writeFileSync(join(coder.workdir, 'wip.txt'), 'uncommitted work\n');
      // Even with write and edit enabled by mistake, read-only access refuses them.
      const reviewer = await open({ sessionId, threadId: 'reviewer', access: 'read_only', enabledTools: ALL });
      assert.notEqual(reviewer.workdir, coder.workdir);
      // The reviewer sees the coder's current files, committed or not, and the same git status.
      assert.deepEqual(await reviewer.runTool({ name: 'read', input: { file_path: 'wip.txt' } }, {}), { content: 'uncommitted work\n', is_error: false });
      assert.deepEqual(await bash(reviewer, 'git status --short'), { content: '?? wip.txt', is_error: false });

      const attack = await bash(reviewer, 'echo x > README.md; echo y > wip.txt; echo z > new.txt; rm -f src/a.ts; cat README.md');
      assert.equal(attack.content.split('\n').pop(), 'x', 'its own copy changes: tests may write build output');
      assert.equal(readFileSync(join(coder.workdir, 'README.md'), 'utf8'), '# test\n');
      assert.equal(readFileSync(join(coder.workdir, 'wip.txt'), 'utf8'), 'uncommitted work\n');
      assert.equal(existsSync(join(coder.workdir, 'new.txt')), false);
      assert.equal(existsSync(join(coder.workdir, 'src/a.ts')), true);
      // Writing through its absolute path fails under bubblewrap; unconfined it cannot be stopped (hence the snapshot).
      if (mode === 'bubblewrap') {
        const direct = await bash(reviewer, `echo x > ${join(coder.workdir, 'README.md')}`);
        assert.equal(direct.is_error, true);
        // Read-only, or not even there when the worktree lies under the sandbox's own /tmp.
        assert.match(direct.content, /Read-only file system|No such file/);
        assert.equal(readFileSync(join(coder.workdir, 'README.md'), 'utf8'), '# test\n');
      }
      for (const call of [
        { name: 'write', input: { file_path: 'README.md', content: 'x' } },
        { name: 'edit', input: { file_path: 'README.md', old_string: 'test', new_string: 'x' } },
      ]) {
        const refused = await reviewer.runTool(call, {});
        assert.equal(refused.is_error, true);
        assert.match(refused.content, /read-only access/);
      }
      // Opening again refreshes the snapshot: the reviewer's changes are gone.
      await reviewer.dispose();
      const again = await open({ sessionId, threadId: 'reviewer', access: 'read_only', enabledTools: ['bash', 'read'] });
      assert.deepEqual(await bash(again, 'cat README.md wip.txt; ls new.txt 2>&1 >/dev/null | wc -l'), {
        content: '# test\nuncommitted work\n1',
        is_error: false,
      });
    });

    it('refuses a tool the agent does not have', async (t) => {
      if (skip(t)) return;
      const sandbox = await open({ sessionId: newSession(), enabledTools: ['read'] });
      const result = await sandbox.runTool({ name: 'bash', input: { command: 'touch pwned' } }, {});
      assert.equal(result.is_error, true);
      assert.match(result.content, /not enabled/);
      assert.equal(existsSync(join(sandbox.workdir, 'pwned')), false);
      const bad = await sandbox.runTool({ name: 'read', input: { file: 'x' } }, {});
      assert.equal(bad.is_error, true);
      assert.match(bad.content, /file_path: required/);
    });

    it('confines file tools to the worktree and keeps shell state between calls', async (t) => {
      if (skip(t)) return;
      const sandbox = await open({ sessionId: newSession() });
      const escapes = [
        { name: 'read', input: { file_path: '../../records/x.json' } },
        { name: 'read', input: { file_path: join(repo.work, 'README.md') } },
        { name: 'write', input: { file_path: '.git', content: 'gitdir: /tmp' } },
        { name: 'write', input: { file_path: join(repo.work, '.git', 'hooks', 'pre-commit'), content: 'x' } },
      ];
      for (const call of escapes) {
        const result = await sandbox.runTool(call, {});
        assert.equal(result.is_error, true, `${JSON.stringify(call)} → ${result.content}`);
      }
      assert.equal(existsSync(join(repo.work, '.git', 'hooks', 'pre-commit')), false);
      assert.deepEqual(await bash(sandbox, 'mkdir -p deep/er && cd deep/er && export STEP=two'), { content: '', is_error: false });
      assert.deepEqual(await bash(sandbox, 'echo "$STEP $(pwd)"'), { content: `two ${join(sandbox.workdir, 'deep/er')}`, is_error: false });
    });

    it('kills a runaway command with everything it started', async (t) => {
      if (skip(t)) return;
      const sandbox = await open({ sessionId: newSession() });
      const marker = mode === 'bubblewrap' ? '7654.3210' : '7654.3211';
      const result = await bash(sandbox, `sleep ${marker} & (sleep ${marker} &); while true; do sleep ${marker} & sleep 0.2; done`, 1000);
      assert.equal(result.is_error, true);
      assert.match(result.content, /timed out after 1000 ms/);
      assert.deepEqual(await waitUntilGone(marker), []);
      assert.deepEqual(await bash(sandbox, 'echo ok'), {
        content: '[new shell: the previous one ended because the command timed out after 1000 ms; the working directory and variables were reset]\nok',
        is_error: false,
      });
      assert.deepEqual(processesWithArgument(marker), []);
    });

    it('re-creates a deleted worktree from its branch, keeping its commits', async (t) => {
      if (skip(t)) return;
      const sessionId = newSession();
      const first = await open({ sessionId });
      const made = await bash(first, 'echo kept > kept.txt && git add kept.txt && git commit -qm "work to keep" && git rev-parse HEAD');
      assert.equal(made.is_error, false, made.content);
      const commit = made.content.trim();
      await first.dispose();
      rmSync(first.workdir, { recursive: true, force: true });

      const second = await open({ sessionId });
      assert.equal(provider.lastStatus.get(sessionId), 'recreated');
      assert.equal(second.workdir, first.workdir);
      assert.deepEqual(await second.runTool({ name: 'read', input: { file_path: 'kept.txt' } }, {}), { content: 'kept\n', is_error: false });
      assert.equal(git(second.workdir, 'rev-parse', 'HEAD').trim(), commit);

      // Branch gone too: back to the recorded base.
      await second.dispose();
      await provider.removeSession(sessionId, { deleteBranch: false });
      git(repo.work, 'branch', '-D', `agent-os/${sessionId}`);
      const third = await open({ sessionId });
      assert.equal(provider.lastStatus.get(sessionId), 'recreated_from_base');
      assert.equal(git(third.workdir, 'rev-parse', 'HEAD').trim(), git(repo.work, 'rev-parse', 'main').trim());
    });

    it('finds a branch again when the storage folder was wiped', async (t) => {
      if (skip(t)) return;
      const sessionId = newSession();
      const first = await open({ sessionId });
      const base = (await provider.ensureWorktree(sessionId)).baseCommit;
      assert.equal((await bash(first, 'echo w > w.txt && git add w.txt && git commit -qm wiped-but-kept')).is_error, false);
      await first.dispose();
      rmSync(storage, { recursive: true, force: true });
      const again = await open({ sessionId });
      assert.equal(provider.lastStatus.get(sessionId), 'recreated');
      assert.equal(git(again.workdir, 'log', '--format=%s', '-1').trim(), 'wiped-but-kept');
      assert.equal((await provider.ensureWorktree(sessionId)).baseCommit, base);
    });

    it('removes worktrees and snapshots but keeps the branch unless asked', async (t) => {
      if (skip(t)) return;
      const sessionId = newSession();
      const coder = await open({ sessionId });
      const reviewer = await open({ sessionId, threadId: 'rev', access: 'read_only', enabledTools: ['bash'] });
      await provider.removeSession(sessionId);
      assert.equal(existsSync(coder.workdir), false);
      assert.equal(existsSync(reviewer.workdir), false);
      assert.match(git(repo.work, 'worktree', 'list'), new RegExp(`^(?!.*${sessionId})`, 's'));
      assert.equal(git(repo.work, 'branch', '--list', `agent-os/${sessionId}`).trim(), `agent-os/${sessionId}`);
      // A disposed sandbox refuses further calls.
      assert.equal((await bash(coder, 'echo x')).is_error, true);
      await provider.removeSession(sessionId, { deleteBranch: true });
      assert.equal(git(repo.work, 'branch', '--list', `agent-os/${sessionId}`).trim(), '');
    });
  });
}

describe('worktree sandbox under bubblewrap: what stays out of reach', () => {
  let repo: TestRepo;
  let storage: string;
  let provider: WorktreeSandboxProvider;
  let server: Server;
  let port = 0;
  const opened: Sandbox[] = [];

  before(async () => {
    repo = makeTestRepo();
    storage = mkdtempSync(join(tmpdir(), 'agentos-bwrap-'));
    provider = new WorktreeSandboxProvider({ storageDir: storage, repository: repo.work });
    server = createServer((socket) => {
      socket.on('error', () => {});
      socket.end('hello\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  after(async () => {
    for (const sandbox of opened) await sandbox.dispose();
    server.close();
    rmSync(storage, { recursive: true, force: true });
    repo.cleanup();
  });
  const open = async (sessionId: string, network: boolean) => {
    const sandbox = await provider.open({ sessionId, threadId: 't', access: 'read_write', network, enabledTools: ALL });
    opened.push(sandbox);
    return sandbox;
  };
  const connect = `(exec 3<>/dev/tcp/127.0.0.1/PORT && echo connected) 2>/dev/null || echo refused`;

  it('turns the network off unless allowed', async (t) => {
    if (!(await provider.bubblewrap()).available) return t.skip('bubblewrap cannot run here');
    const off = await open('net-off', false);
    assert.equal(off.network, false);
    assert.deepEqual(await bash(off, connect.replace('PORT', String(port))), { content: 'refused', is_error: false });
    const on = await open('net-on', true);
    assert.deepEqual(await bash(on, connect.replace('PORT', String(port))), { content: 'connected', is_error: false });
    // Unconfined, the same command reaches the port: the refusal above is bubblewrap's doing.
    const plain = new WorktreeSandboxProvider({ storageDir: storage, repository: repo.work, bubblewrap: 'off' });
    const unconfined = await plain.open({ sessionId: 'net-plain', threadId: 't', access: 'read_write', network: false, enabledTools: ALL });
    opened.push(unconfined);
    assert.deepEqual(await bash(unconfined, connect.replace('PORT', String(port))), { content: 'connected', is_error: false });
  });

  it('keeps git hooks, config and other branches read-only for a writer, and the rest of the disk', async (t) => {
    if (!(await provider.bubblewrap()).available) return t.skip('bubblewrap cannot run here');
    const sandbox = await open('git-guard', false);
    const common = join(repo.work, '.git');
    const attempts = [
      `echo evil > ${join(common, 'hooks', 'pre-commit')}`,
      'echo evil > "$(git rev-parse --git-common-dir)/hooks/post-checkout"',
      'git config core.hooksPath /tmp',
      'git branch not-mine',
      'git update-ref refs/heads/main HEAD~0',
      'echo "gitdir: /tmp" > .git',
      'echo "ref: refs/heads/main" > "$(git rev-parse --git-dir)/HEAD"',
      'git checkout -q -b elsewhere',
      'echo /tmp > "$(git rev-parse --git-dir)/commondir"',
      'touch /usr/agentos-pwned',
    ];
    for (const command of attempts) {
      const result = await bash(sandbox, command);
      assert.equal(result.is_error, true, `${command} → ${result.content}`);
    }
    // The person's checkout lies under /tmp here, which the sandbox replaces by its own: a write lands there.
    await bash(sandbox, `echo x > ${join(repo.work, 'README.md')}`);
    assert.equal(existsSync(join(common, 'hooks', 'pre-commit')), false);
    assert.equal(existsSync(join(common, 'hooks', 'post-checkout')), false);
    assert.doesNotMatch(readFileSync(join(common, 'config'), 'utf8'), /hooksPath/);
    assert.equal(git(repo.work, 'branch', '--list', 'not-mine').trim(), '');
    assert.equal(readFileSync(join(repo.work, 'README.md'), 'utf8'), '# test\n');
    assert.match(readFileSync(join(sandbox.workdir, '.git'), 'utf8'), /^gitdir: /);
    assert.equal(git(sandbox.workdir, 'symbolic-ref', 'HEAD').trim(), 'refs/heads/agent-os/git-guard');
    // Its own work and its own branch still move.
    const commit = await bash(sandbox, 'echo ok > mine.txt && git add mine.txt && git commit -qm mine && git log --format=%s -1');
    assert.deepEqual(commit, { content: 'mine', is_error: false });
    assert.equal(git(repo.work, 'log', '--format=%s', '-1', 'agent-os/git-guard').trim(), 'mine');
  });
});
