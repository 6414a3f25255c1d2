// `always_ask`: a call of an asking tool stops the thread with `requires_action` on the call's event;
// an allow runs it, a deny sends the person's message to the model as an error result.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { askerAgent, ofType, resultOf, resultText, startWorld, type HarnessWorld } from './harnessWorld.ts';

const ASKER = askerAgent();

const DENY_MESSAGE = 'not now please, use the read tool instead';

let world: HarnessWorld;

before(async () => {
  world = await startWorld(
    {
      agents: {
        asker: [
          {
            content: [
              { type: 'text', text: 'Running it.' },
              { type: 'tool_use', name: 'bash', input: { command: 'echo ran > ran.txt' } },
            ],
          },
          { content: [{ type: 'tool_use', name: 'bash', input: { command: 'echo no > denied.txt' } }] },
          { content: [{ type: 'text', text: 'Understood.' }], expect: { last_user_text_includes: DENY_MESSAGE } },
        ],
      },
    },
    { files: { '.agents/asker.md': ASKER } },
  );
});

after(async () => {
  await world.close();
});

test('an asking bash call waits for the person; allowed it runs, denied the model gets the deny message', async () => {
  const runtime = world.rt.runtime;
  const { id, reason } = await world.run('asker');
  let events = await world.events(id);
  const [first] = ofType(events, 'agent.tool_use');
  assert.equal(first?.name, 'bash');
  assert.equal(first?.evaluated_permission, 'ask');
  assert.deepEqual(reason, { type: 'requires_action', event_ids: [first!.id] });
  assert.deepEqual(ofType(events, 'session.thread_status_idle').at(-1)?.stop_reason, {
    type: 'requires_action',
    event_ids: [first!.id],
  });
  assert.equal(resultOf(events, first!), undefined, 'not run, not answered');
  const worktree = await world.worktree(id);
  assert.equal(existsSync(join(worktree, 'ran.txt')), false);
  assert.equal(world.requests('asker').length, 1);

  // Allow: it runs, and the model's next call asks again.
  await runtime.confirmTool(id, first!.id, true);
  events = await world.events(id);
  const allowed = resultOf(events, first!);
  assert.equal(allowed?.is_error, false, resultText(allowed));
  assert.equal(readFileSync(join(worktree, 'ran.txt'), 'utf8'), 'ran\n');
  const second = ofType(events, 'agent.tool_use')[1];
  assert.equal(second?.evaluated_permission, 'ask');
  assert.deepEqual(ofType(events, 'session.status_idle').at(-1)?.stop_reason, {
    type: 'requires_action',
    event_ids: [second!.id],
  });
  assert.equal(ofType(events, 'user.tool_confirmation').length, 1);

  // Deny with a message: an error result carrying it; the command never ran.
  await runtime.confirmTool(id, second!.id, false, DENY_MESSAGE);
  events = await world.events(id);
  const denied = resultOf(events, second!);
  assert.equal(denied?.is_error, true);
  assert.ok(resultText(denied).includes(DENY_MESSAGE), resultText(denied));
  assert.equal(existsSync(join(worktree, 'denied.txt')), false);
  assert.deepEqual(ofType(events, 'session.status_idle').at(-1)?.stop_reason, { type: 'end_turn' });
  assert.deepEqual(
    ofType(events, 'user.tool_confirmation').map((c) => [c.tool_use_id, c.result, c.deny_message]),
    [
      [first!.id, 'allow', undefined],
      [second!.id, 'deny', DENY_MESSAGE],
    ],
  );

  // On the wire: the next request answered the denied call with an error result holding the message.
  const requests = world.requests('asker');
  assert.equal(requests.length, 3);
  const body = requests[2]?.body as {
    messages: {
      role: string;
      content: { type: string; tool_use_id?: string; is_error?: boolean; content?: unknown }[];
    }[];
  };
  const lastUser = body.messages.at(-1);
  assert.equal(lastUser?.role, 'user');
  const toolResult = lastUser?.content.find((b) => b.type === 'tool_result');
  assert.equal(toolResult?.is_error, true);
  assert.equal(toolResult?.tool_use_id, second!.model_tool_use_id);
  assert.ok(JSON.stringify(toolResult?.content).includes(DENY_MESSAGE));
});

test('a confirmation is refused for an event that is not an asking call', async () => {
  const { id } = await world.run('asker');
  const events = await world.events(id);
  const message = ofType(events, 'user.message')[0];
  await assert.rejects(world.rt.runtime.confirmTool(id, message!.id, true), {
    code: 'STATE_CONFLICT',
    message: /not a tool call waiting for confirmation/,
  });
  await world.rt.runtime.confirmTool(id, ofType(events, 'agent.tool_use')[0]!.id, false, 'no');
});
