// Interrupting a session that waits for a tool confirmation stops the waiting, as on the platform:
// the asking call is answered "interrupted before completion" without running, and the session idles;
// resumed, the agent goes on from there.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { askerAgent, ofType, resultOf, startWorld, type HarnessWorld } from './harnessWorld.ts';

const ASKER = askerAgent(['bash', 'read']);

let world: HarnessWorld;

before(async () => {
  world = await startWorld(
    {
      agents: {
        asker: [
          { content: [{ type: 'tool_use', name: 'bash', input: { command: 'echo ran > ran.txt' } }] },
          {
            content: [{ type: 'text', text: 'Stopped as asked.' }],
            expect: { last_user_text_includes: 'interrupted before completion' },
          },
        ],
      },
    },
    { files: { '.agents/asker.md': ASKER } },
  );
});

after(async () => {
  await world.close();
});

test('an interrupt while a call waits for confirmation closes the call unrun and idles the session', async () => {
  const runtime = world.rt.runtime;
  const { id, reason } = await world.run('asker');
  assert.equal(reason?.type, 'requires_action');
  await runtime.interrupt(id);
  let events = await world.events(id);
  const [use] = ofType(events, 'agent.tool_use');
  const result = resultOf(events, use!);
  assert.equal(result?.is_error, true);
  assert.match(result?.content[0]?.text ?? '', /interrupted before completion/);
  assert.deepEqual(ofType(events, 'session.status_idle').at(-1)?.stop_reason, { type: 'end_turn' });
  assert.equal(existsSync(join(await world.worktree(id), 'ran.txt')), false, 'the call never ran');

  // Resumed, the model sees the interruption and carries on.
  await runtime.resume(id);
  events = await world.events(id);
  assert.equal(ofType(events, 'agent.message').at(-1)?.content[0]?.text, 'Stopped as asked.');
  assert.deepEqual(ofType(events, 'session.status_idle').at(-1)?.stop_reason, { type: 'end_turn' });
});
