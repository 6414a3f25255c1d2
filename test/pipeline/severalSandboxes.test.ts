// Several sandboxes in one session (issue 7): the Reviewer tests a clean checkout of the Coder's
// committed work, and parallel Coder threads work in worktrees of their own, merged back when done.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { EventOfType, SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { makeTempRepo } from '../support/gitRepo.ts';
import { startScriptedRuntime } from '../support/scriptedRuntime.ts';

const text = (t: string) => ({ type: 'text', text: t });
const tool = (name: string, input: Record<string, unknown>) => ({ type: 'tool_use', name, input });
const send = (agent_name: string, message: string, thread_key?: string) =>
  tool('send_to_agent', { agent_name, message, ...(thread_key ? { thread_key } : {}) });

const project = {
  'package.json': '{ "name": "p", "version": "1.0.0" }\n',
  '.gitignore': 'src/generated.js\n',
  'src/index.js': 'module.exports = () => 1;\n',
  'test/index.test.js':
    "const test = require('node:test');\nconst assert = require('node:assert');\nconst f = require('../src/index.js');\ntest('f', () => assert.equal(f(), 2));\n",
};

function resultOf(events: SessionEvent[], use: EventOfType<'agent.tool_use'>): EventOfType<'agent.tool_result'> {
  const r = events.find(
    (e): e is EventOfType<'agent.tool_result'> => e.type === 'agent.tool_result' && e.tool_use_id === use.id,
  );
  assert.ok(r, `no result for ${use.name}`);
  return r;
}

function bashUses(events: SessionEvent[], agent: string): EventOfType<'agent.tool_use'>[] {
  const threads = new Set(
    events
      .filter((e) => e.type === 'session.thread_created' && e.agent_name === agent)
      .map((e) => (e as EventOfType<'session.thread_created'>).session_thread_id),
  );
  return events.filter(
    (e): e is EventOfType<'agent.tool_use'> =>
      e.type === 'agent.tool_use' && e.name === 'bash' && threads.has(e.thread),
  );
}

/** The Coder makes the test pass through a file git ignores; the Reviewer runs the suite. */
function leftoverScript() {
  return {
    agents: {
      Coordinator: [
        { content: [send('Coder', 'Make the test pass.')] },
        { content: [send('Reviewer', 'Review: run the full suite.')] },
        { content: [text('Stopping here.')] },
      ],
      Coder: [
        { content: [tool('write', { file_path: 'src/generated.js', content: 'module.exports = 2;\n' })] },
        {
          content: [
            tool('write', {
              file_path: 'src/index.js',
              content: "module.exports = () => require('./generated.js');\n",
            }),
          ],
        },
        { content: [tool('bash', { command: 'node --test --test-reporter=tap 2>&1 | tail -12' })] },
        { content: [text('The suite passes.')] },
      ],
      Reviewer: [
        { content: [tool('bash', { command: 'node --test --test-reporter=tap 2>&1 | grep -E "^# (pass|fail)"' })] },
        {
          content: [
            text(
              '```json\n{"decision":"REJECT","summary":"the suite fails on a clean checkout","fixes":[{"file":"src/index.js","problem":"requires src/generated.js, which git ignores","fix":"commit the code it needs"}]}\n```',
            ),
          ],
        },
      ],
    },
  };
}

test("the Reviewer's clean room catches a change that passed only thanks to a file the Coder left uncommitted", async () => {
  const repo = makeTempRepo(project);
  const rt = await startScriptedRuntime(repo.root, leftoverScript());
  try {
    const meta = await rt.runtime.start({ task: 'Make the test pass', repository: repo.repo });
    await rt.runtime.settled(meta.id);
    const events = await rt.store.read(meta.id);
    const [coderRun] = bashUses(events, 'Coder');
    const [reviewerRun] = bashUses(events, 'Reviewer');
    assert.ok(coderRun && reviewerRun);
    assert.match(
      resultOf(events, coderRun).content[0]?.text ?? '',
      /# pass 1/,
      "in the Coder's worktree the suite passes",
    );
    assert.match(resultOf(events, reviewerRun).content[0]?.text ?? '', /# fail 1/, 'in the clean room it fails');
    // Events say which sandbox ran each call.
    assert.match(coderRun.sandbox_id ?? '', /^(os|worktree):sesn_[A-Za-z0-9]+:/);
    assert.match(reviewerRun.sandbox_id ?? '', /-clean-[0-9a-f]{12}:/);
    // The clean room is the Coder's hand-off commit, which the verdict names as its head.
    const verdict = events.find(
      (e): e is EventOfType<'agent_os.verdict_submitted'> => e.type === 'agent_os.verdict_submitted',
    );
    assert.ok(verdict);
    assert.ok(reviewerRun.sandbox_id?.includes(`-clean-${verdict.evidence.head_commit.slice(0, 12)}:`));
    assert.notEqual(
      verdict.evidence.head_commit,
      verdict.evidence.base_commit,
      "the Coder's work was committed at hand-off",
    );
  } finally {
    await rt.close();
    repo.cleanup();
  }
});

test('without the clean room the same leftover goes unnoticed (why the clean room exists)', async () => {
  const repo = makeTempRepo(project);
  const rt = await startScriptedRuntime(repo.root, leftoverScript(), { settings: { cleanRoomReview: false } });
  try {
    const meta = await rt.runtime.start({ task: 'Make the test pass', repository: repo.repo });
    await rt.runtime.settled(meta.id);
    const events = await rt.store.read(meta.id);
    const [reviewerRun] = bashUses(events, 'Reviewer');
    assert.ok(reviewerRun);
    assert.match(resultOf(events, reviewerRun).content[0]?.text ?? '', /# pass 1/);
    assert.match(reviewerRun.sandbox_id ?? '', /^(os|worktree):sesn_[A-Za-z0-9]+:/);
  } finally {
    await rt.close();
    repo.cleanup();
  }
});

/** Two Coder threads at once; each writes a file named after its own worktree folder (`…-child-<key>`). */
function parallelScript(coderCommand: string) {
  return {
    agents: {
      Coordinator: [
        { content: [text('Fanning out.'), send('Coder', 'Do part A.', 'a'), send('Coder', 'Do part B.', 'b')] },
        { content: [text('Both parts are back.')] },
      ],
      Coder: [{ content: [tool('bash', { command: coderCommand })] }, { content: [text('Done with my part.')] }],
    },
  };
}

test('parallel Coder threads work in their own worktrees and their work is merged into the session branch', async () => {
  const repo = makeTempRepo(project);
  const rt = await startScriptedRuntime(
    repo.root,
    parallelScript('key=$(basename "$PWD" | sed "s/.*-child-//"); echo "part $key" > "part-$key.txt"'),
  );
  try {
    const meta = await rt.runtime.start({ task: 'Two parts', repository: repo.repo });
    const stop = await rt.runtime.settled(meta.id);
    const events = await rt.store.read(meta.id);
    assert.equal(stop?.type, 'end_turn', JSON.stringify(events.filter((e) => e.type === 'session.error')));
    const coders = events.filter(
      (e): e is EventOfType<'session.thread_created'> =>
        e.type === 'session.thread_created' && e.agent_name === 'Coder',
    );
    assert.deepEqual(coders.map((c) => c.thread_key).sort(), ['a', 'b']);
    const runs = bashUses(events, 'Coder');
    assert.ok(
      runs.every((r) => /-child-[ab]:/.test(r.sandbox_id ?? '')),
      runs.map((r) => r.sandbox_id).join(' '),
    );
    assert.notEqual(runs[0]?.sandbox_id, runs[1]?.sandbox_id);
    // Both parts reached the session branch.
    const { worktree } = await rt.runtime.changes(meta.id);
    assert.equal(readFileSync(join(worktree, 'part-a.txt'), 'utf8'), 'part a\n');
    assert.equal(readFileSync(join(worktree, 'part-b.txt'), 'utf8'), 'part b\n');
    const log = execFileSync('git', ['-C', worktree, 'log', '--format=%s'], { encoding: 'utf8' });
    assert.match(log, /Merge .*\ba\b/);
    assert.match(log, /Merge .*\bb\b/);
    const results = events.filter(
      (e): e is EventOfType<'agent.tool_result'> => e.type === 'agent.tool_result' && e.thread === events[0]?.thread,
    );
    assert.ok(results.every((r) => !r.is_error && /merged/.test(r.content[0]?.text ?? '')));
  } finally {
    await rt.close();
    repo.cleanup();
  }
});

// Both threads must branch off before either merges (a child branches off when its sandbox first opens),
// hence the pause before each writes.
test('a merge conflict between parallel Coders becomes a task for the Coordinator, and no work is lost', async () => {
  const repo = makeTempRepo(project);
  const rt = await startScriptedRuntime(
    repo.root,
    parallelScript('sleep 1; echo "written by $(basename "$PWD" | sed "s/.*-child-//")" > src/index.js'),
  );
  try {
    const meta = await rt.runtime.start({ task: 'Two parts', repository: repo.repo });
    await rt.runtime.settled(meta.id);
    const events = await rt.store.read(meta.id);
    const primary = events[0]?.thread;
    const results = events.filter(
      (e): e is EventOfType<'agent.tool_result'> => e.type === 'agent.tool_result' && e.thread === primary,
    );
    const texts = results.map((r) => r.content[0]?.text ?? '');
    assert.equal(texts.filter((t) => /MERGE CONFLICT/.test(t)).length, 1, texts.join('\n---\n'));
    const conflict = texts.find((t) => /MERGE CONFLICT/.test(t)) as string;
    assert.match(conflict, /src\/index\.js/);
    const branch = /branch (agent-os\/\S+-child-[ab])/.exec(conflict)?.[1];
    assert.ok(branch);
    // The losing side's work is on its branch, whole, in the session's repository (never the person's).
    const { worktree } = await rt.runtime.changes(meta.id);
    const content = execFileSync('git', ['-C', worktree, 'show', `${branch}:src/index.js`], { encoding: 'utf8' });
    assert.match(content, /written by [ab]/);
    assert.equal(
      execFileSync('git', ['-C', repo.repo, 'branch', '--list', branch as string], { encoding: 'utf8' }),
      '',
    );
    // The session repository is clean and holds the side that merged first.
    assert.equal(execFileSync('git', ['-C', worktree, 'status', '--porcelain'], { encoding: 'utf8' }), '');
    assert.match(readFileSync(join(worktree, 'src/index.js'), 'utf8'), /written by [ab]/);
    assert.equal(existsSync(join(worktree, '.git')), true);
  } finally {
    await rt.close();
    repo.cleanup();
  }
});
