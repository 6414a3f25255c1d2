import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createChildWorktree, createCleanRoom, mergeChild } from './cleanRoom.ts';
import { removeWorktree } from './sessionWorktree.ts';

const root = mkdtempSync(path.join(tmpdir(), 'agent-os-cleanroom-'));
after(() => rmSync(root, { recursive: true, force: true }));

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
  }).trim();
}

let counter = 0;
/** A repository with a session branch checked out in its own worktree, as the worktree sandbox makes it. */
function sessionRepo(): { repository: string; session: string; dir: string } {
  const dir = path.join(root, `r${++counter}`);
  const repository = path.join(dir, 'repo');
  mkdirSync(repository, { recursive: true });
  git(repository, 'init', '-q', '-b', 'main');
  writeFileSync(path.join(repository, 'a.txt'), 'one\ntwo\nthree\n');
  // The project's test: passes only when lib.sh exists and says ok.
  writeFileSync(path.join(repository, 'test.sh'), 'set -e\n. ./lib.sh\n[ "$(check)" = ok ]\n');
  writeFileSync(path.join(repository, '.gitignore'), 'build/\n');
  git(repository, 'add', '-A');
  git(repository, 'commit', '-qm', 'initial');
  const session = path.join(dir, 'session');
  git(repository, 'worktree', 'add', '-q', '-b', 'agent-os/s1', session);
  return { repository, session, dir };
}

function runTests(dir: string): boolean {
  return spawnSync('bash', ['test.sh'], { cwd: dir }).status === 0;
}

describe('clean room', () => {
  test("the clean room catches a pass that relied on a file the Coder left uncommitted", async () => {
    const { repository, session, dir } = sessionRepo();
    // The Coder commits a change that calls `check`, but leaves lib.sh (which defines it) uncommitted.
    writeFileSync(path.join(session, 'a.txt'), 'one\ntwo\nthree\nfour\n');
    git(session, 'commit', '-qam', 'coder change');
    writeFileSync(path.join(session, 'lib.sh'), 'check() { echo ok; }\n');
    assert.equal(runTests(session), true, "in the Coder's worktree the tests pass");

    const room = await createCleanRoom({ repository, commit: git(session, 'rev-parse', 'HEAD'), dir: path.join(dir, 'review') });
    assert.equal(room.commit, git(session, 'rev-parse', 'HEAD'));
    assert.equal(existsSync(path.join(room.worktree, 'lib.sh')), false);
    assert.equal(readFileSync(path.join(room.worktree, 'a.txt'), 'utf8'), 'one\ntwo\nthree\nfour\n');
    assert.equal(runTests(room.worktree), false, 'in the clean room they fail: the evidence is honest');
    assert.equal(git(room.worktree, 'status', '--porcelain'), '');
    assert.equal(spawnSync('git', ['symbolic-ref', '-q', 'HEAD'], { cwd: room.worktree }).status, 1, 'detached');
    assert.equal(readFileSync(path.join(session, 'lib.sh'), 'utf8'), 'check() { echo ok; }\n', "the Coder's worktree is untouched");
  });

  test('a reused clean room is moved to the new commit and loses every leftover, ignored build output too', async () => {
    const { repository, session, dir } = sessionRepo();
    const first = git(session, 'rev-parse', 'HEAD');
    const roomDir = path.join(dir, 'review');
    await createCleanRoom({ repository, commit: first, dir: roomDir });
    writeFileSync(path.join(roomDir, 'lib.sh'), 'check() { echo ok; }\n');
    mkdirSync(path.join(roomDir, 'build'));
    writeFileSync(path.join(roomDir, 'build', 'out.o'), 'x');
    writeFileSync(path.join(roomDir, 'a.txt'), 'edited in the room\n');

    writeFileSync(path.join(session, 'b.txt'), 'b\n');
    git(session, 'add', 'b.txt');
    git(session, 'commit', '-qm', 'second');
    const second = git(session, 'rev-parse', 'HEAD');
    const room = await createCleanRoom({ repository, commit: 'agent-os/s1', dir: roomDir });
    assert.equal(room.commit, second);
    assert.equal(git(roomDir, 'rev-parse', 'HEAD'), second);
    for (const leftover of ['lib.sh', 'build']) assert.equal(existsSync(path.join(roomDir, leftover)), false, leftover);
    assert.equal(readFileSync(path.join(roomDir, 'a.txt'), 'utf8'), 'one\ntwo\nthree\n');
    assert.equal(existsSync(path.join(roomDir, 'b.txt')), true);
    await removeWorktree(repository, roomDir);
    assert.equal(existsSync(roomDir), false);
  });

  test("the repository's hooks do not run when a clean room is made", async () => {
    const { repository, session, dir } = sessionRepo();
    const marker = path.join(dir, 'hook-ran');
    const hook = path.join(repository, '.git', 'hooks', 'post-checkout');
    writeFileSync(hook, `#!/bin/sh\ntouch ${marker}\n`);
    chmodSync(hook, 0o755);
    await createCleanRoom({ repository, commit: git(session, 'rev-parse', 'HEAD'), dir: path.join(dir, 'review') });
    assert.equal(existsSync(marker), false);
  });
});

describe('child worktrees merged back', () => {
  test('two Coder threads in parallel worktrees: both branches are merged into the session branch', async () => {
    const { repository, session, dir } = sessionRepo();
    const left = await createChildWorktree({ repository, parentBranch: 'agent-os/s1', childBranch: 'agent-os/s1-left', dir: path.join(dir, 'left') });
    const right = await createChildWorktree({ repository, parentBranch: 'agent-os/s1', childBranch: 'agent-os/s1-right', dir: path.join(dir, 'right') });
    assert.equal(left.base, git(session, 'rev-parse', 'HEAD'));
    writeFileSync(path.join(left.worktree, 'left.txt'), 'left\n');
    git(left.worktree, 'add', '-A');
    git(left.worktree, 'commit', '-qm', 'left work');
    writeFileSync(path.join(right.worktree, 'a.txt'), 'one\ntwo\nthree\nright\n');
    git(right.worktree, 'commit', '-qam', 'right work');

    const first = await mergeChild({ parentWorktree: session, child: left, label: 'Coder (left)' });
    assert.equal(first.status, 'merged');
    const second = await mergeChild({ parentWorktree: session, child: right, label: 'Coder (right)' });
    assert.equal(second.status, 'merged');
    assert.equal(readFileSync(path.join(session, 'left.txt'), 'utf8'), 'left\n');
    assert.equal(readFileSync(path.join(session, 'a.txt'), 'utf8'), 'one\ntwo\nthree\nright\n');
    assert.match(git(session, 'log', '--format=%s', '-2'), /Merge Coder \(right\)\nMerge Coder \(left\)/);
    // Merging again changes nothing.
    const again = await mergeChild({ parentWorktree: session, child: left });
    assert.deepEqual(again.status === 'merged' && [again.upToDate, again.commit], [true, git(session, 'rev-parse', 'HEAD')]);
  });

  test('a conflict is reported as data and a task; the session worktree is as before and no commit is lost', async () => {
    const { repository, session, dir } = sessionRepo();
    const left = await createChildWorktree({ repository, parentBranch: 'agent-os/s1', childBranch: 'l', dir: path.join(dir, 'left') });
    const right = await createChildWorktree({ repository, parentBranch: 'agent-os/s1', childBranch: 'r', dir: path.join(dir, 'right') });
    writeFileSync(path.join(left.worktree, 'a.txt'), 'one\nLEFT\nthree\n');
    git(left.worktree, 'commit', '-qam', 'left');
    writeFileSync(path.join(right.worktree, 'a.txt'), 'one\nRIGHT\nthree\n');
    git(right.worktree, 'commit', '-qam', 'right');
    const rightHead = git(right.worktree, 'rev-parse', 'HEAD');

    assert.equal((await mergeChild({ parentWorktree: session, child: left })).status, 'merged');
    const head = git(session, 'rev-parse', 'HEAD');
    const result = await mergeChild({ parentWorktree: session, child: right });
    assert.equal(result.status, 'conflict');
    if (result.status !== 'conflict') return;
    assert.deepEqual(result.files, ['a.txt']);
    assert.equal(result.parentHead, head);
    assert.equal(result.childHead, rightHead);
    assert.match(result.task, /git merge r/);
    assert.equal(git(session, 'rev-parse', 'HEAD'), head);
    assert.equal(git(session, 'status', '--porcelain'), '', 'no half-merged state left');
    assert.equal(readFileSync(path.join(session, 'a.txt'), 'utf8'), 'one\nLEFT\nthree\n');
    assert.equal(git(repository, 'rev-parse', 'r'), rightHead, 'the child branch keeps its commit');
  });

  test('uncommitted work: a dirty child is reported (or committed when asked); a dirty session worktree is reported', async () => {
    const { repository, session, dir } = sessionRepo();
    const child = await createChildWorktree({ repository, parentBranch: 'agent-os/s1', childBranch: 'c', dir: path.join(dir, 'child') });
    writeFileSync(path.join(child.worktree, 'new.txt'), 'left behind\n');
    assert.deepEqual(await mergeChild({ parentWorktree: session, child }), { status: 'child_dirty', files: ['new.txt'] });

    writeFileSync(path.join(session, 'wip.txt'), 'session wip\n');
    const dirty = await mergeChild({ parentWorktree: session, child, commitLeftovers: true });
    assert.deepEqual(dirty, { status: 'parent_dirty', files: ['wip.txt'] });
    rmSync(path.join(session, 'wip.txt'));

    const merged = await mergeChild({ parentWorktree: session, child, commitLeftovers: true });
    assert.equal(merged.status, 'merged');
    assert.equal(readFileSync(path.join(session, 'new.txt'), 'utf8'), 'left behind\n');
  });
});
