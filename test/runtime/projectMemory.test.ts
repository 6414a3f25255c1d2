// Project memory: the repository's AGENTS.md and CLAUDE.md (root and nested, size-capped) reach every
// agent's context, pinned with the session: a later change of the files does not reach a running session.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { EventOfType } from '../../src/core/events/sessionEvent.ts';
import { readProjectMemory } from '../../src/node/agents/projectMemory.ts';
import { startDemoWorld } from '../support/demoWorld.ts';
import { approveOnceScript, requestsOf, verdictsOf } from '../pipeline/scriptParts.ts';

function commit(dir: string, files: Record<string, string>, message: string): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  execFileSync('git', ['add', '-A'], { cwd: dir });
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', message], { cwd: dir });
}

const systemOf = (body: unknown): string => JSON.stringify((body as { system?: unknown }).system ?? '');

test('AGENTS.md and nested CLAUDE.md reach every agent, pinned with the session', async () => {
  const world = await startDemoWorld(approveOnceScript());
  try {
    const { rt, sample } = world;
    commit(
      sample.workdir,
      {
        'AGENTS.md': '# Rules\nAlways write durations in milliseconds.\n',
        'src/CLAUDE.md': 'Source files use strict mode.\n',
      },
      'memory',
    );
    const meta = await rt.runtime.start({ issue: world.issueRef, repository: sample.workdir });
    assert.equal((await rt.runtime.settled(meta.id))?.type, 'requires_action');
    let events = await rt.store.read(meta.id);
    const memory = events.find(
      (e): e is EventOfType<'agent_os.project_memory'> => e.type === 'agent_os.project_memory',
    );
    assert.deepEqual(
      memory?.files.map((f) => [f.path, f.truncated]),
      [
        ['AGENTS.md', false],
        ['src/CLAUDE.md', false],
      ],
    );
    for (const agent of ['Coordinator', 'Planner', 'Coder', 'Reviewer']) {
      const system = systemOf(requestsOf(rt.server, agent)[0]);
      assert.match(system, /Always write durations in milliseconds/, agent);
      assert.match(system, /project_memory path=\\"src\/CLAUDE.md\\"/, agent);
    }
    // The Planner and the Reviewer are told the repository's test command.
    assert.match(systemOf(requestsOf(rt.server, 'Planner')[0]), /full test command[^`]*`npm test`/);
    assert.match(systemOf(requestsOf(rt.server, 'Reviewer')[0]), /full test command[^`]*`npm test`/);
    assert.doesNotMatch(systemOf(requestsOf(rt.server, 'Coordinator')[0]), /`npm test`/);

    // The file changes while the session waits; the session keeps what it pinned.
    commit(sample.workdir, { 'AGENTS.md': '# Rules\nA NEW RULE.\n' }, 'memory changed');
    await rt.runtime.approve(meta.id, verdictsOf(events)[0]!.id);
    await rt.runtime.settled(meta.id);
    events = await rt.store.read(meta.id);
    assert.ok(events.some((e) => e.type === 'agent_os.pull_request_opened'));
    const last = systemOf(requestsOf(rt.server, 'Coordinator').at(-1));
    assert.match(last, /Always write durations in milliseconds/);
    assert.doesNotMatch(last, /A NEW RULE/);
  } finally {
    await world.close();
  }
});

test('project memory is capped: a long file is cut on a character boundary, the total cap cuts the files after it', async () => {
  const world = await startDemoWorld(approveOnceScript());
  try {
    const dir = world.sample.workdir;
    commit(dir, { 'AGENTS.md': 'é'.repeat(100), 'a/AGENTS.md': 'second\n', 'a/b/CLAUDE.md': 'third\n' }, 'memory');
    const files = await readProjectMemory(dir, { perFile: 51, total: 60, maxFiles: 16 });
    assert.deepEqual(
      files.map((f) => [f.path, f.truncated, f.bytes]),
      [
        ['AGENTS.md', true, 200],
        ['a/AGENTS.md', false, 7],
        ['a/b/CLAUDE.md', true, 6],
      ],
    );
    assert.equal(files[2]!.content, 'thi');
    assert.equal(
      (await readProjectMemory(dir, { perFile: 51, total: 57, maxFiles: 16 })).length,
      2,
      'nothing is left for a third file',
    );
    assert.equal(files[0]!.content, 'é'.repeat(25), 'no half character at the cut');
    assert.equal(files[0]!.sha256.length, 64);
  } finally {
    await world.close();
  }
});
