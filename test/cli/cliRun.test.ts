// `agent-os run` through the built CLI: the whole pipeline with --approve, one agent on a prompt, and
// errors that are one readable line with a non-zero exit.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { demoModelScript } from '../../src/testkit/demo/demoScript.ts';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { ALLOW_SCRIPTED_COMMANDS, sessionIdIn, show, startCliWorld } from './cliWorld.ts';

/** One line on stderr, no stack trace. */
function assertOneLineError(result: { code: number | null; stderr: string; stdout: string }, pattern: RegExp): void {
  assert.notEqual(result.code, 0, show(result as never));
  assert.ok(result.code !== null && result.code > 0);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected:\n${result.stderr}`);
  assert.match(lines[0] ?? '', /^agent-os: /);
  assert.match(lines[0] ?? '', pattern);
  assert.doesNotMatch(result.stderr + result.stdout, /\n\s+at /, 'no stack trace');
}

test('run --issue --approve: progress, the verdict, and the pull request; exit 0', async () => {
  const world = await startCliWorld(demoModelScript());
  try {
    const result = await world.cli([
      'run',
      '--issue',
      world.issueRef,
      '--approve',
      ...ALLOW_SCRIPTED_COMMANDS,
      ...world.flags,
    ]);
    assert.equal(result.code, 0, show(result));
    assert.match(result.stdout, /Coordinator → send_to_agent Planner/, 'the primary thread is named too');
    assert.match(result.stdout, /Planner: plan accepted \(2 steps\)/);
    assert.match(result.stdout, /Coder → edit src\/parseDuration\.js/);
    assert.match(result.stdout, /Reviewer: verdict REJECT/);
    assert.match(result.stdout, /Reviewer: verdict APPROVE/);
    assert.match(result.stdout, /approving the verdict/);
    const prs = world.github.pullRequests();
    assert.equal(prs.length, 1);
    assert.match(
      result.stdout,
      new RegExp(
        `pull request #${prs[0]?.number}: http://127\\.0\\.0\\.1:\\d+/${world.sample.owner}/${world.sample.repo}/pull/${prs[0]?.number}`,
      ),
    );
    assert.match(result.stdout, /session sesn_\w+ finished/);
    const id = sessionIdIn(result.stdout);
    const state = foldSession(id, await new FileSessionStore(world.storeDir).read(id));
    assert.equal(state.stopReason?.type, 'end_turn');
    assert.equal(state.pullRequest?.number, prs[0]?.number);
  } finally {
    await world.close();
  }
});

test('run --agent Coder --prompt: one agent, one thread, in the session worktree', async () => {
  const world = await startCliWorld({
    agents: {
      Coder: [
        { content: [{ type: 'tool_use', name: 'write', input: { file_path: 'NOTES.md', content: 'notes\n' } }] },
        { content: [{ type: 'text', text: 'Wrote NOTES.md.' }] },
      ],
    },
  });
  try {
    const result = await world.cli(['run', '--agent', 'Coder', '--prompt', 'Write NOTES.md', ...world.flags]);
    assert.equal(result.code, 0, show(result));
    assert.match(result.stdout, /Coder → write NOTES\.md/);
    assert.match(result.stdout, /Coder: Wrote NOTES\.md\./);
    const id = sessionIdIn(result.stdout);
    const events = await new FileSessionStore(world.storeDir).read(id);
    const state = foldSession(id, events);
    assert.deepEqual(
      Object.values(state.threads).map((t) => t.agentName),
      ['Coder'],
    );
    assert.equal(existsSync(join(world.sample.workdir, 'NOTES.md')), false, 'the checkout is untouched');
    const worktree = join(world.storeDir, '.worktrees', 'repos', id);
    assert.equal(readFileSync(join(worktree, 'NOTES.md'), 'utf8'), 'notes\n');
    assert.equal(world.github.pullRequests().length, 0);
  } finally {
    await world.close();
  }
});

test('errors are one readable line and a non-zero exit', async () => {
  const world = await startCliWorld({ agents: { Coordinator: [{ content: [{ type: 'text', text: 'unused' }] }] } });
  const notRepo = mkdtempSync(join(tmpdir(), 'agent-os-not-a-repo-'));
  try {
    const run = ['run', '--issue', world.issueRef, '--approve'];
    assertOneLineError(await world.cli([...run, ...world.flags], {}), /ANTHROPIC_API_KEY is not set/);
    assertOneLineError(await world.cli([...run, '--frobnicate', ...world.flags]), /--frobnicate/);
    const flagsElsewhere = world.flags.map((f) => (f === world.sample.workdir ? notRepo : f));
    assertOneLineError(await world.cli([...run, ...flagsElsewhere]), /not inside a git repository/);
    assertOneLineError(
      await world.cli(['resume', 'sesn_doesNotExist1234', '--approve', ...world.flags]),
      /sesn_doesNotExist1234/,
    );
    assertOneLineError(
      await world.cli(['run', '--issue', `${world.sample.owner}/${world.sample.repo}#999`, ...world.flags]),
      /#999 not found/,
    );
    // None of these made a session or asked the model anything.
    assert.deepEqual(await new FileSessionStore(world.storeDir).list().catch(() => []), []);
    assert.equal(world.server.requests.length, 0);
  } finally {
    rmSync(notRepo, { recursive: true, force: true });
    await world.close();
  }
});
