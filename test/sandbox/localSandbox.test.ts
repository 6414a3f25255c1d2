// A session's sandboxes on this machine — the OS sandbox and unconfined — on real repositories and real
// processes: a repository of the session's own, tools inside the confinement, work taken over verified.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Sandbox, SandboxRequest } from '../../src/core/sandbox/sandbox.ts';
import { BUILTIN_TOOL_NAMES } from '../../src/core/tools/toolConfig.ts';
import { chosenSessionSandboxes } from '../../src/node/sandbox/chosenSessionSandboxes.ts';
import type { SessionSandboxes } from '../../src/core/sandbox/sessionSandboxes.ts';
import { chooseSandbox } from '../../src/node/sandbox/sandboxChoice.ts';
import { git, makeTestRepo, type TestRepo } from '../git/gitTestRepo.ts';
import { requireOsSandbox } from '../support/requirements.ts';
import { waitUntilGone } from './processes.ts';

const ALL = [...BUILTIN_TOOL_NAMES];
const bash = async (sandbox: Sandbox, command: string, timeout_ms?: number) =>
  sandbox.runTool({ name: 'bash', input: { command, ...(timeout_ms ? { timeout_ms } : {}) } }, {});

for (const mode of ['os', 'worktree'] as const) {
  describe(`local sandbox (${mode === 'os' ? 'OS sandbox' : 'unconfined'})`, () => {
    let repo: TestRepo;
    let storage: string;
    let sandboxes: SessionSandboxes;
    let counter = 0;
    let why: string | false = false;
    const opened: Sandbox[] = [];
    const open = async (request: Partial<SandboxRequest> & { sessionId: string }) => {
      const sandbox = await sandboxes.open({
        threadId: 'coder',
        access: 'read_write',
        network: false,
        enabledTools: ALL,
        ...request,
      });
      opened.push(sandbox);
      return sandbox;
    };
    const newSession = () => `s${mode[0]}${++counter}`;

    before(async () => {
      why = mode === 'os' ? await requireOsSandbox() : false;
      repo = makeTestRepo({ 'README.md': '# test\n', 'src/a.txt': 'a\n' });
      storage = join(repo.root, 'store', '.worktrees');
      mkdirSync(storage, { recursive: true });
      const choice = await chooseSandbox({ setting: mode, repository: repo.work, dockerAvailable: false });
      sandboxes = chosenSessionSandboxes(choice, { storageDir: storage, repository: repo.work });
    });
    after(async () => {
      for (const s of opened) await s.dispose();
      repo?.cleanup();
    });

    it('works in a repository of its own on the session branch, says how it is confined', async (t) => {
      if (why) return t.skip(why);
      const sessionId = newSession();
      const sandbox = await open({ sessionId });
      assert.equal(sandbox.kind, mode);
      assert.equal(sandbox.confined, mode === 'os');
      const out = await bash(sandbox, 'git branch --show-current && git rev-parse HEAD && git remote -v | wc -l');
      const [branch, head, remotes] = out.content.split('\n');
      assert.equal(branch, `agent-os/${sessionId}`);
      assert.equal(head, git(repo.work, 'rev-parse', 'HEAD').trim());
      assert.equal(remotes, '0', 'no remote: the person’s remotes and their URLs stay theirs');
      // Its objects are its own: the person's repository has no such branch.
      assert.equal(git(repo.work, 'branch', '--list', `agent-os/${sessionId}`).trim(), '');
    });

    it('file tools and bash see the same files; shell state lasts between calls', async (t) => {
      if (why) return t.skip(why);
      const sandbox = await open({ sessionId: newSession() });
      const w = await sandbox.runTool({ name: 'write', input: { file_path: 'notes/n.txt', content: 'hello\n' } }, {});
      assert.equal(w.is_error, false, w.content);
      assert.equal((await bash(sandbox, 'cat notes/n.txt')).content, 'hello');
      await bash(sandbox, 'cd notes && export X=1');
      assert.equal((await bash(sandbox, 'pwd | xargs basename; echo $X')).content, 'notes\n1');
      const r = await sandbox.runTool({ name: 'read', input: { file_path: 'src/a.txt' } }, {});
      assert.match(r.content, /a/);
      const g = await sandbox.runTool({ name: 'grep', input: { pattern: 'hello' } }, {});
      assert.match(g.content, /notes\/n.txt/);
      const outside = await sandbox.runTool({ name: 'read', input: { file_path: join(repo.work, 'README.md') } }, {});
      assert.equal(outside.is_error, true, 'the person’s checkout is not the sandbox’s');
      const gitMeta = await sandbox.runTool(
        { name: 'write', input: { file_path: '.git/config', content: '[core]\n' } },
        {},
      );
      assert.equal(gitMeta.is_error, true);
    });

    it('takes work over into the vault, verified, and diffs it from there', async (t) => {
      if (why) return t.skip(why);
      const sessionId = newSession();
      const sandbox = await open({ sessionId });
      await bash(sandbox, 'echo changed > src/a.txt && echo new > b.txt');
      const changes = await sandboxes.changes(sessionId);
      assert.deepEqual(changes.diff.files.map((f) => `${f.status} ${f.path}`).sort(), ['A b.txt', 'M src/a.txt']);
      assert.equal(changes.head, git(repo.work, 'rev-parse', 'HEAD').trim(), 'nothing was committed');
      const cp = await sandboxes.checkpoint(sessionId, 'Coder: work');
      assert.equal(cp.committed, true);
      const after = await sandboxes.changes(sessionId);
      assert.equal(after.head, cp.commit);
      assert.equal(after.diff.sha256, changes.diff.sha256, 'the same change committed has the same hash');
      assert.equal(git(changes.gitDir, 'show', `${cp.commit}:b.txt`), 'new\n');
      assert.equal((await sandboxes.checkpoint(sessionId, 'again')).committed, false);
    });

    // Unconfined, readers get no bash at all (src/core/tools/unconfinedTools.ts): only the OS sandbox's readers have one.
    if (mode === 'os')
      it('a read-only agent changes nothing of the session, even through bash', async (t) => {
        if (why) return t.skip(why);
        const sessionId = newSession();
        const writer = await open({ sessionId });
        await bash(writer, 'echo mine > mine.txt');
        const reader = await open({ sessionId, threadId: 'planner', access: 'read_only' });
        const attack = await bash(reader, 'echo x > mine.txt; echo y > new.txt; git commit -qam x; cat mine.txt');
        assert.match(attack.content, /mine/);
        assert.equal((await bash(writer, 'cat mine.txt; ls new.txt 2>&1 | grep -c "No such"')).content, 'mine\n1');
        const write = await reader.runTool({ name: 'write', input: { file_path: 'w.txt', content: 'x' } }, {});
        assert.equal(write.is_error, true);
      });

    it('a clean room holds exactly one commit, fresh each time', async (t) => {
      if (why) return t.skip(why);
      const sessionId = newSession();
      const writer = await open({ sessionId });
      await bash(writer, 'echo committed > c.txt && git add c.txt && git commit -qm c && echo loose > loose.txt');
      const head = (await sandboxes.changes(sessionId)).head;
      const room = await open({
        sessionId,
        threadId: 'reviewer',
        access: 'read_only',
        workspace: { kind: 'clean_room', commit: head },
      });
      assert.equal(
        (await bash(room, 'cat c.txt; ls loose.txt 2>/dev/null | wc -l; echo out > build.txt && echo ok')).content,
        'committed\n0\nok',
      );
      await room.dispose();
      const again = await open({
        sessionId,
        threadId: 'reviewer',
        access: 'read_only',
        workspace: { kind: 'clean_room', commit: head },
      });
      assert.equal((await bash(again, 'ls build.txt 2>/dev/null | wc -l')).content, '0');
    });

    it('merges a parallel Coder’s repository back, or reports the conflict with nothing lost', async (t) => {
      if (why) return t.skip(why);
      const sessionId = newSession();
      const main = await open({ sessionId });
      const left = await open({ sessionId, threadId: 'left', workspace: { kind: 'child', key: 'left' } });
      const right = await open({ sessionId, threadId: 'right', workspace: { kind: 'child', key: 'right' } });
      await bash(left, 'echo left > src/a.txt && echo l > l.txt');
      await bash(right, 'echo right > src/a.txt');
      const first = await sandboxes.mergeChild(sessionId, 'left', 'Coder [left]');
      assert.equal(first.status, 'merged');
      assert.equal((await bash(main, 'cat src/a.txt l.txt')).content, 'left\nl');
      const second = await sandboxes.mergeChild(sessionId, 'right', 'Coder [right]');
      assert.equal(second.status, 'conflict');
      assert.equal(second.status === 'conflict' && second.files.join(), 'src/a.txt');
      assert.equal(
        (await bash(main, 'cat src/a.txt; git status --porcelain | wc -l')).content,
        'left\n0',
        'the session is unchanged',
      );
    });

    it('kills a runaway command with everything it started, setsid included', async (t) => {
      if (why) return t.skip(why);
      const sandbox = await open({ sessionId: newSession() });
      const marker = `agent-os-runaway-${mode}-${process.pid}`;
      const result = await bash(
        sandbox,
        `(setsid bash -c 'sleep 300' ${marker} &) ; bash -c 'sleep 300' ${marker}`,
        1500,
      );
      assert.equal(result.is_error, true);
      assert.match(result.content, /timed out/);
      assert.deepEqual(await waitUntilGone(marker), [], 'nothing it started is alive');
      assert.match((await bash(sandbox, 'echo alive')).content, /alive$/);
    });

    it('re-makes a deleted repository from the vault, keeping what was taken over', async (t) => {
      if (why) return t.skip(why);
      const sessionId = newSession();
      const first = await open({ sessionId });
      await bash(first, 'echo kept > k.txt');
      const { commit } = await sandboxes.checkpoint(sessionId, 'keep');
      await first.dispose();
      rmSync(first.workdir, { recursive: true, force: true });
      const second = await open({ sessionId });
      assert.equal((await bash(second, 'git rev-parse HEAD; cat k.txt')).content, `${commit}\nkept`);
    });

    it('a ref lock a killed git left in the vault does not stop the next take-over; a held one is waited for', async (t) => {
      if (why) return t.skip(why);
      const sessionId = newSession();
      const sandbox = await open({ sessionId });
      await bash(sandbox, 'echo one > one.txt');
      await sandboxes.checkpoint(sessionId, 'one');
      const vault = join(storage, 'vault', `${sessionId}.git`);
      const refs = git(vault, 'for-each-ref', '--format=%(refname)').trim().split('\n');
      const snapshotLock = join(vault, `${refs.find((r) => r.startsWith('refs/agent-os/snapshots/'))}.lock`);
      const branchLocks = refs.filter((r) => r.startsWith('refs/heads/')).map((r) => join(vault, `${r}.lock`));
      assert.ok(branchLocks.length > 0);
      // What a git SIGKILLed with its run leaves: its locks, and nobody working in the vault.
      for (const lock of [snapshotLock, ...branchLocks]) writeFileSync(lock, '');
      await bash(sandbox, 'echo two > two.txt');
      const second = await sandboxes.checkpoint(sessionId, 'two');
      assert.equal(git(vault, 'show', `${second.commit}:two.txt`), 'two\n');
      assert.deepEqual(
        [snapshotLock, ...branchLocks].filter((lock) => existsSync(lock)),
        [],
      );

      // A git that outlived its killed run is still working in the vault and lets go of its lock soon after.
      writeFileSync(snapshotLock, '');
      const holder = spawn('sh', ['-c', 'sleep 2; [ -e "$1" ] && rm "$1" && echo released', 'sh', snapshotLock], {
        cwd: vault,
      });
      const said = new Promise<string>((resolve) => {
        let out = '';
        holder.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        holder.on('close', () => resolve(out.trim()));
      });
      await bash(sandbox, 'echo three > three.txt');
      const third = await sandboxes.checkpoint(sessionId, 'three');
      assert.equal(await said, 'released', 'the lock was left to the git holding it');
      assert.equal(git(vault, 'show', `${third.commit}:three.txt`), 'three\n');

      // A delivery killed in its ref update left our branch's lock in the person's repository.
      const delivered = join(repo.work, '.git', 'refs', 'heads', 'agent-os', `${sessionId}.lock`);
      mkdirSync(dirname(delivered), { recursive: true });
      writeFileSync(delivered, '');
      await sandboxes.deliver(sessionId, third.commit);
      assert.equal(git(repo.work, 'rev-parse', `agent-os/${sessionId}`).trim(), third.commit);
      git(repo.work, 'branch', '-D', `agent-os/${sessionId}`);
    });

    it('a clone made before temps were excluded gets the line when it opens again, once', async (t) => {
      if (why) return t.skip(why);
      const sessionId = newSession();
      const first = await open({ sessionId });
      const exclude = join(first.workdir, '.git', 'info', 'exclude');
      const line = (text: string) => text.split('\n').filter((l) => l.startsWith('.tmp-[0-9]*-')).length;
      assert.equal(line(readFileSync(exclude, 'utf8')), 1);
      writeFileSync(exclude, '# an older clone\n');
      await first.dispose();
      await (await open({ sessionId })).dispose();
      await open({ sessionId });
      const text = readFileSync(exclude, 'utf8');
      assert.equal(line(text), 1);
      assert.match(text, /^# an older clone\n/);
    });

    it('removes everything of the session', async (t) => {
      if (why) return t.skip(why);
      const sessionId = newSession();
      const sandbox = await open({ sessionId });
      await sandboxes.checkpoint(sessionId, 'x');
      await sandboxes.removeSession(sessionId);
      assert.equal(existsSync(sandbox.workdir), false);
      assert.equal(existsSync(join(storage, 'vault', `${sessionId}.git`)), false);
    });
  });
}

describe('OS sandbox: what a confined command cannot reach', () => {
  it('hides the home, the checkout and the store; writes nowhere else; no network', async (t) => {
    const why = await requireOsSandbox();
    if (why) return t.skip(why);
    const repo = makeTestRepo({ 'README.md': '# test\n' });
    const storage = join(repo.root, 'store', '.worktrees');
    mkdirSync(storage, { recursive: true });
    const outside = mkdtempSync(join(tmpdir(), 'agent-os-outside-'));
    try {
      writeFileSync(join(repo.root, 'store', 'events.jsonl'), 'SECRET-LOG\n');
      const sandboxes = chosenSessionSandboxes(
        await chooseSandbox({ setting: 'os', repository: repo.work, dockerAvailable: false }),
        { storageDir: storage, repository: repo.work },
      );
      const sandbox = await sandboxes.open({
        sessionId: 'hide',
        threadId: 'coder',
        access: 'read_write',
        network: false,
        enabledTools: ALL,
      });
      try {
        const home = process.env['HOME'] ?? '/root';
        const out = await bash(
          sandbox,
          [
            `ls ${home} 2>&1 | wc -l`,
            `cat ${join(repo.work, 'README.md')} 2>&1 | grep -c '# test'`,
            `cat ${join(repo.root, 'store', 'events.jsonl')} 2>&1 | grep -c SECRET`,
            `echo x > ${join(outside, 'x')} 2>/dev/null; echo $?`,
            `(exec 3<>/dev/tcp/127.0.0.1/22) 2>/dev/null; echo $?`,
          ].join('; '),
        );
        const [homeEntries, readme, log, write, net] = out.content.split('\n');
        assert.equal(homeEntries, '0', 'the home is empty inside');
        assert.equal(readme, '0', 'the checkout is not visible');
        assert.equal(log, '0', 'the store is not visible');
        assert.notEqual(write, '0');
        assert.notEqual(net, '0');
        assert.equal(existsSync(join(outside, 'x')), false);
        const read = await sandbox.runTool(
          { name: 'read', input: { file_path: join(repo.root, 'store', 'events.jsonl') } },
          {},
        );
        assert.equal(read.is_error, true);
        assert.doesNotMatch(read.content, /SECRET-LOG/);
        assert.equal(readFileSync(join(repo.root, 'store', 'events.jsonl'), 'utf8'), 'SECRET-LOG\n');
      } finally {
        await sandbox.dispose();
      }
    } finally {
      rmSync(outside, { recursive: true, force: true });
      repo.cleanup();
    }
  });
});
