// Security through the harness, probed as a model would, in the OS sandbox: file paths that escape the
// session's repository (`../`, absolute, through a symlink, into `.git`) are refused; secrets of the parent
// process are not in the shell's environment nor readable through /proc; a read-only agent's shell cannot
// change the session's repository; a runaway command is killed at its timeout; the shell cannot write
// outside. (Unconfined, bash asks the person first: test/harness/unconfinedConsent.test.ts.)
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { EventOfType, SessionEvent } from '../../src/core/events/sessionEvent.ts';
import type { TempRepo } from '../support/gitRepo.ts';
import { requireOsSandbox } from '../support/requirements.ts';
import {
  ofType,
  processesMatching,
  resultOf,
  resultText,
  startWorld,
  waitFor,
  type HarnessWorld,
} from './harnessWorld.ts';

const SECRET_FILE_TEXT = 'TOP-SECRET-CONTENT-7731';
const SECRETS: Record<string, string> = {
  MY_API_KEY: 'sk-test-my-api-key-5521',
  GITHUB_TOKEN: 'ghp_testgithubtoken8812',
  ANTHROPIC_API_KEY: 'sk-ant-test-anthropic-9934',
};
const SLEEP = `sleep ${50 + Math.floor(Math.random() * 1000) / 100}`;

/** Every way out of the session's repository through the file tools (it is <root>/store/.worktrees/repos/<id>). */
function escapes(root: string): { name: string; input: Record<string, unknown>; why: string }[] {
  return [
    { name: 'read', input: { file_path: '../../../../outside.txt' }, why: 'relative escape (read)' },
    { name: 'write', input: { file_path: '../escape.txt', content: 'x' }, why: 'relative escape (write)' },
    { name: 'read', input: { file_path: join(root, 'outside.txt') }, why: 'absolute path outside (read)' },
    {
      name: 'write',
      input: { file_path: join(root, 'abs-escape.txt'), content: 'x' },
      why: 'absolute path outside (write)',
    },
    { name: 'read', input: { file_path: 'link/outside.txt' }, why: 'symlink out (read)' },
    { name: 'write', input: { file_path: 'link/via-link.txt', content: 'x' }, why: 'symlink out (write)' },
    {
      name: 'edit',
      input: { file_path: 'link/outside.txt', old_string: 'TOP', new_string: 'OWNED' },
      why: 'symlink out (edit)',
    },
    {
      name: 'write',
      input: { file_path: '.git/hooks/pre-commit', content: '#!/bin/sh\necho owned\n' },
      why: '.git/hooks',
    },
    { name: 'write', input: { file_path: '.git', content: 'gitdir: /tmp/elsewhere\n' }, why: 'the .git link file' },
    { name: 'grep', input: { pattern: 'TOP-SECRET', path: '../../../..' }, why: 'grep outside' },
    { name: 'glob', input: { pattern: '*.txt', path: root }, why: 'glob outside' },
  ];
}

function prepare(repo: TempRepo): void {
  writeFileSync(join(repo.root, 'outside.txt'), `${SECRET_FILE_TEXT}\n`);
  symlinkSync(repo.root, join(repo.repo, 'link'));
  repo.git('add', 'link');
  repo.git('commit', '-qm', 'a link out of the repository');
}

const coderScript = (repo: TempRepo) => ({
  agents: {
    Coder: [
      { content: escapes(repo.root).map((e) => ({ type: 'tool_use', name: e.name, input: e.input })) },
      { content: [{ type: 'tool_use', name: 'bash', input: { command: 'env' } }] },
      {
        content: [
          {
            type: 'tool_use',
            name: 'bash',
            input: { command: 'echo owned > "$(git rev-parse --git-common-dir)/hooks/pre-commit"' },
          },
        ],
      },
      {
        content: [
          { type: 'tool_use', name: 'bash', input: { command: `echo owned > ${join(repo.root, 'bash-escape.txt')}` } },
        ],
      },
      {
        content: [
          { type: 'tool_use', name: 'bash', input: { command: `echo before; ${SLEEP}; echo after`, timeout_ms: 400 } },
        ],
      },
      { content: [{ type: 'tool_use', name: 'bash', input: { command: 'echo still-usable' } }] },
      // A symlink the agent makes itself, pointing out; then the file tools through it.
      {
        content: [
          { type: 'tool_use', name: 'bash', input: { command: `ln -s ${repo.root} made-link && echo linked` } },
        ],
      },
      {
        content: [
          { type: 'tool_use', name: 'read', input: { file_path: 'made-link/outside.txt' } },
          { type: 'tool_use', name: 'write', input: { file_path: 'made-link/through-made-link.txt', content: 'x' } },
        ],
      },
      // Other processes' environments (the harness holds the secrets).
      {
        content: [
          {
            type: 'tool_use',
            name: 'bash',
            input: { command: "for p in /proc/[0-9]*; do tr '\\0' '\\n' < $p/environ; done 2>/dev/null; echo scanned" },
          },
        ],
      },
      { content: [{ type: 'text', text: 'Probing done.' }] },
    ],
    Reviewer: [
      {
        content: [
          {
            type: 'tool_use',
            name: 'bash',
            input: { command: 'echo x > f; echo changed > README.md; rm -f .gitignore; ls' },
          },
        ],
      },
      { content: [{ type: 'tool_use', name: 'write', input: { file_path: 'g.txt', content: 'x' } }] },
      { content: [{ type: 'text', text: 'Reviewed.' }] },
    ],
  },
});

let world: HarnessWorld;
let skipped: string | false = false;
let session: {
  id: string;
  events: SessionEvent[];
  uses: EventOfType<'agent.tool_use'>[];
  worktree: string;
  confined: boolean;
};
const saved: Record<string, string | undefined> = {};

before(async () => {
  skipped = await requireOsSandbox();
  if (skipped) return;
  // Set before the session starts, as a person's shell would have them when launching Agent OS.
  for (const [k, v] of Object.entries(SECRETS)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  world = await startWorld(coderScript, { prepare });
  const { id, reason } = await world.run('Coder', 'Probe the sandbox.');
  assert.deepEqual(reason, { type: 'end_turn' });
  const events = await world.events(id);
  const configured = ofType(events, 'agent_os.session_configured')[0];
  session = {
    id,
    events,
    uses: ofType(events, 'agent.tool_use'),
    worktree: await world.worktree(id),
    confined: configured?.sandbox.kind === 'os',
  };
});

after(async () => {
  await world?.close();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const result = (index: number) => resultOf(session.events, session.uses[index]!);

test('file tools: ../, absolute paths, a symlink out, .git/hooks and the .git file are all refused', (t) => {
  if (skipped) return t.skip(skipped);
  const root = world.repo.root;
  const probes = escapes(root);
  for (let i = 0; i < probes.length; i++) {
    const r = result(i);
    assert.equal(session.uses[i]?.name, probes[i]!.name);
    assert.equal(r?.is_error, true, `${probes[i]!.why} was not refused: ${resultText(r)}`);
    assert.ok(!resultText(r).includes(SECRET_FILE_TEXT), `${probes[i]!.why} leaked the outside file`);
  }
  assert.equal(existsSync(join(root, 'store', '.worktrees', 'repos', 'escape.txt')), false);
  assert.equal(existsSync(join(root, 'abs-escape.txt')), false);
  assert.equal(existsSync(join(root, 'via-link.txt')), false);
  assert.equal(readFileSync(join(root, 'outside.txt'), 'utf8'), `${SECRET_FILE_TEXT}\n`);
  assert.equal(existsSync(join(world.repo.repo, '.git', 'hooks', 'pre-commit')), false);
  assert.ok(statSync(join(session.worktree, '.git')).isDirectory(), 'the .git folder was not replaced');
  assert.equal(existsSync(join(session.worktree, '.git', 'hooks', 'pre-commit')), false);
});

test('no secret of the parent environment reaches bash', (t) => {
  if (skipped) return t.skip(skipped);
  const index = escapes('').length;
  assert.equal(session.uses[index]?.name, 'bash');
  const env = resultText(result(index));
  assert.match(env, /^PATH=/m, 'the env output is there');
  for (const [name, value] of Object.entries(SECRETS)) {
    assert.ok(!env.includes(value), `${name}'s value is visible inside bash`);
    assert.ok(!JSON.stringify(session.events).includes(value), `${name}'s value reached the log`);
    assert.ok(!new RegExp(`^${name}=`, 'm').test(env), `${name} is set inside bash`);
  }
  const home = /^HOME=(.*)$/m.exec(env)?.[1];
  assert.ok(home && home !== process.env.HOME, `HOME inside is a scratch folder, not the person's (${home})`);
});

test('in the OS sandbox, bash can write neither the repository hooks nor outside the session repository', (t) => {
  if (skipped) return t.skip(skipped);
  if (!session.confined) {
    t.skip('the OS sandbox is not available here: commands run unconfined (the session says so)');
    return;
  }
  const index = escapes('').length + 1;
  assert.equal(result(index)?.is_error, true, resultText(result(index)));
  assert.equal(existsSync(join(world.repo.repo, '.git', 'hooks', 'pre-commit')), false);
  assert.equal(existsSync(join(session.worktree, '.git', 'hooks', 'pre-commit')), false);
  // /tmp inside is a throw-away tmpfs: the write may "succeed" there, but nothing reaches the host.
  assert.equal(existsSync(join(world.repo.root, 'bash-escape.txt')), false);
});

test('a runaway command is killed at its timeout_ms; the next command gets a fresh shell', async (t) => {
  if (skipped) return t.skip(skipped);
  const index = escapes('').length + 3;
  const r = result(index);
  assert.equal(r?.is_error, true);
  assert.match(resultText(r), /timed out after 400 ms/);
  assert.match(resultText(r), /before/);
  assert.doesNotMatch(resultText(r), /^after$/m);
  await waitFor('the timed-out sleep to be gone', () => processesMatching(SLEEP).length === 0, 5000);
  const next = result(index + 1);
  assert.equal(next?.is_error, false);
  assert.match(resultText(next), /new shell/);
  assert.match(resultText(next), /still-usable/);
});

test('a symlink the agent makes itself does not take the file tools out of the worktree', (t) => {
  if (skipped) return t.skip(skipped);
  const index = escapes('').length + 5;
  assert.match(resultText(result(index)), /linked/);
  const read = result(index + 1);
  assert.equal(read?.is_error, true, resultText(read));
  assert.ok(!resultText(read).includes(SECRET_FILE_TEXT));
  assert.equal(result(index + 2)?.is_error, true, resultText(result(index + 2)));
  assert.equal(existsSync(join(world.repo.root, 'through-made-link.txt')), false);
});

test("in the OS sandbox, no process the shell can see holds the parent's secrets", (t) => {
  if (skipped) return t.skip(skipped);
  if (!session.confined) {
    t.skip('unconfined: the shell runs as the same user as the harness and could read its /proc environ');
    return;
  }
  const scan = resultText(result(escapes('').length + 8));
  assert.match(scan, /scanned/);
  assert.match(scan, /^PATH=/m, 'the scan read environments');
  for (const [name, value] of Object.entries(SECRETS))
    assert.ok(!scan.includes(value), `${name} visible through /proc`);
});

for (const bubblewrap of ['auto', 'off'] as const) {
  test(`a read-only agent's "echo x > f" leaves the session worktree unchanged (bubblewrap ${bubblewrap})`, async (t) => {
    if (skipped) return t.skip(skipped);
    const own = bubblewrap === 'auto' ? world : await startWorld(coderScript, { prepare, runtime: { bubblewrap } });
    try {
      const { id, reason } = await own.run('Reviewer', 'Review.');
      assert.deepEqual(reason, { type: 'end_turn' });
      const events = await own.events(id);
      const [bash, write] = ofType(events, 'agent.tool_use');
      const confined = ofType(events, 'agent_os.session_configured')[0]?.sandbox.confined;
      if (confined) {
        assert.equal(bash?.evaluated_permission, 'allow');
        // The command did run, in the Reviewer's own throw-away clean room: nothing reached the session.
        assert.match(resultText(resultOf(events, bash!)), /^f$/m);
      } else {
        // Unconfined, a read-only agent gets no bash at all: the command never ran.
        assert.equal(bash?.evaluated_permission, 'deny');
        assert.equal(resultOf(events, bash!)?.is_error, true);
      }
      assert.equal(write?.evaluated_permission, 'deny', 'write is not a Reviewer tool');
      assert.equal(resultOf(events, write!)?.is_error, true);

      const worktree = await own.worktree(id);
      assert.equal(existsSync(join(worktree, 'f')), false);
      assert.equal(existsSync(join(worktree, 'g.txt')), false);
      assert.equal(readFileSync(join(worktree, 'README.md'), 'utf8'), '# sample\n');
      assert.deepEqual((await own.rt.runtime.changes(id)).files, []);
      assert.equal(own.repo.git('status', '--porcelain'), '', "the person's checkout is untouched");
    } finally {
      if (own !== world) await own.close();
    }
  });
}
