import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { makeTempRepo, type TempRepo } from '../support/gitRepo.ts';
import { startScriptedRuntime, type ScriptedRuntime } from '../support/scriptedRuntime.ts';

let repo: TempRepo;
let rt: ScriptedRuntime;

before(async () => {
  repo = makeTempRepo({ 'README.md': '# sample\n', 'src/a.js': 'module.exports = 1;\n' });
  rt = await startScriptedRuntime(repo.root, {
    agents: {
      Coder: [
        {
          content: [
            { type: 'text', text: 'Writing the file.' },
            { type: 'tool_use', name: 'write', input: { file_path: 'hello.txt', content: 'hi\n' } },
          ],
        },
        {
          content: [{ type: 'tool_use', name: 'bash', input: { command: 'cat hello.txt && echo done' } }],
          expect: { last_user_text_includes: '' },
        },
        { content: [{ type: 'tool_use', name: 'read', input: { file_path: '../outside.txt' } }] },
        { content: [{ type: 'text', text: 'Finished: hello.txt written.' }] },
      ],
    },
  });
});

after(async () => {
  await rt.close();
  repo.cleanup();
});

test('a single-agent session runs tools in its worktree through the real SDK and ends idle', async () => {
  const meta = await rt.runtime.startSingleAgent({ repository: repo.repo, agent: 'Coder', prompt: 'Write hello.txt' });
  const reason = await rt.runtime.settled(meta.id);
  assert.deepEqual(reason, { type: 'end_turn' });

  const events: SessionEvent[] = await rt.store.read(meta.id);
  const state = foldSession(meta.id, events);
  assert.equal(state.status, 'idle');
  assert.equal(state.usage.model_requests, 4);

  const results = events.filter((e) => e.type === 'agent.tool_result');
  assert.equal(results.length, 3);
  assert.equal(results[0]?.is_error, false);
  assert.match(results[1]?.content[0]?.text ?? '', /hi\s+done/);
  assert.equal(results[2]?.is_error, true, 'a path outside the sandbox is refused');

  // The file is in the session's worktree, not in the person's checkout.
  assert.equal(existsSync(join(repo.repo, 'hello.txt')), false);
  const worktrees = join(rt.storeDir, '.worktrees');
  const found = events.find((e) => e.type === 'agent_os.session_configured');
  assert.ok(found);
  const { worktree } = await rt.runtime.changes(meta.id);
  assert.ok(worktree.startsWith(worktrees));
  assert.equal(readFileSync(join(worktree, 'hello.txt'), 'utf8'), 'hi\n');

  // Every tool_use sent to the model was answered (the scripted server would have refused otherwise).
  assert.ok(rt.server.requests.every((r) => r.outcome.kind === 'turn'));
});
