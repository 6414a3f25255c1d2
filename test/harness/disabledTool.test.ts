// A tool the agent's configuration does not enable is not offered to the model, and when the model
// calls it anyway the call is refused: an error result goes back, the call is recorded with
// `evaluated_permission: 'deny'`, and nothing happens to the files.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { lastUserText, ofType, resultOf, resultText, startWorld, type HarnessWorld } from './harnessWorld.ts';

const READER = `---
name: reader
description: Reads files and nothing else.
tools: [read]
---
You read files and report what they say.
`;

let world: HarnessWorld;

before(async () => {
  world = await startWorld(
    {
      agents: {
        Planner: [
          {
            content: [{ type: 'tool_use', name: 'write', input: { file_path: 'plan.md', content: '# plan\n' } }],
            expect: { tool_names: ['bash', 'read', 'glob', 'grep'] },
          },
          {
            content: [{ type: 'text', text: 'I cannot write; here is the plan in text.' }],
            expect: { last_user_text_includes: 'not enabled' },
          },
        ],
        reader: [
          {
            content: [
              { type: 'tool_use', name: 'bash', input: { command: 'touch pwned.txt' } },
              { type: 'tool_use', name: 'read', input: { file_path: 'README.md' } },
            ],
            expect: { tool_names: ['read'] },
          },
          { content: [{ type: 'text', text: 'Only reading.' }], expect: { last_user_text_includes: 'not enabled' } },
        ],
      },
    },
    { files: { '.agents/reader.md': READER } },
  );
});

after(async () => {
  await world.close();
});

test('the read-only Planner calling write is refused, recorded as deny, and no file is written', async () => {
  const { id, reason } = await world.run('Planner');
  assert.deepEqual(reason, { type: 'end_turn' });
  const events = await world.events(id);
  const [use] = ofType(events, 'agent.tool_use');
  assert.equal(use?.name, 'write');
  assert.equal(use?.evaluated_permission, 'deny');
  const result = resultOf(events, use!);
  assert.equal(result?.is_error, true);
  assert.match(resultText(result), /not enabled for agent 'Planner'/);
  assert.match(lastUserText(world.requests('Planner')[1]), /not enabled/, 'the model was told');

  const worktree = await world.worktree(id);
  assert.equal(existsSync(join(worktree, 'plan.md')), false);
  assert.equal(existsSync(join(world.repo.repo, 'plan.md')), false);
  assert.deepEqual((await world.rt.runtime.changes(id)).files, []);
});

test('an agent file with only read enabled: its bash call is refused, its read runs', async () => {
  const { id, reason } = await world.run('reader');
  assert.deepEqual(reason, { type: 'end_turn' });
  const events = await world.events(id);
  const uses = ofType(events, 'agent.tool_use');
  assert.deepEqual(
    uses.map((u) => [u.name, u.evaluated_permission]),
    [
      ['bash', 'deny'],
      ['read', 'allow'],
    ],
  );
  const refused = resultOf(events, uses[0]!);
  assert.equal(refused?.is_error, true);
  assert.match(resultText(refused), /'bash' is not enabled for agent 'reader'/);
  const read = resultOf(events, uses[1]!);
  assert.equal(read?.is_error, false);
  assert.match(resultText(read), /# sample/);

  assert.equal(existsSync(join(await world.worktree(id), 'pwned.txt')), false);
  assert.equal(existsSync(join(world.repo.repo, 'pwned.txt')), false);
  assert.deepEqual((await world.rt.runtime.changes(id)).files, []);
});
