// Waking a session whose delegation was cut between its two answering records: a delegated Coder finished
// and its reply to the Coordinator is on disk (`agent.thread_message_sent` with the call's
// delegation_tool_use_id), but the Coordinator's `agent.tool_result` for that `send_to_agent` call is not
// (one appendMany is not atomic in the file store). The log is written with the file store's own writer, as
// a killed harness leaves it; `resume` wakes it through the real SDK against the scripted model server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventInput, SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { newId } from '../../src/core/events/ids.ts';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { toolUseId } from '../../src/testkit/model/scriptedModelServer.ts';
import { lastUserText, ofType, resultOf, resultText, startWorld, type HarnessWorld } from './harnessWorld.ts';

const REPLY = 'Coder: src/add.js is written.';
const usage = { input_tokens: 10, output_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };

async function appendAsCrashed(world: HarnessWorld, sessionId: string, events: EventInput[]): Promise<SessionEvent[]> {
  const writer = await world.rt.store.openWriter(sessionId);
  try {
    return await writer.appendMany(events);
  } finally {
    await writer.close();
  }
}

/** A model turn of `thread`: its start and end (the end's content as given), as the harness records it. */
async function turnAsCrashed(
  world: HarnessWorld,
  sessionId: string,
  thread: string,
  model: string,
  content: NonNullable<Extract<EventInput, { type: 'span.model_request_end' }>['content']>,
  stopReason: 'tool_use' | 'end_turn',
): Promise<SessionEvent[]> {
  const [start] = await appendAsCrashed(world, sessionId, [{ type: 'span.model_request_start', thread, model }]);
  return appendAsCrashed(world, sessionId, [
    {
      type: 'span.model_request_end',
      thread,
      model_request_start_id: start!.id,
      is_error: false,
      model_usage: usage,
      cost_usd: 0.0001,
      content,
      stop_reason: stopReason,
    },
    ...content.flatMap((b): EventInput[] =>
      b.type === 'text' ? [{ type: 'agent.message', thread, content: [{ type: 'text', text: b.text }] }] : [],
    ),
  ]);
}

test("a delegated thread's reply on disk without the caller's tool result: on wake only the result is owed", async () => {
  const call = { agent_name: 'Coder', message: 'Write src/add.js' };
  const world = await startWorld({
    agents: {
      Coordinator: [
        {
          // Refused once, so the session starts and stops without a harness; the turn is then written by hand.
          content: [{ type: 'tool_use', name: 'send_to_agent', input: call }],
          faults: [{ kind: 'invalid_request', message: 'refused once' }],
        },
        { content: [{ type: 'text', text: 'All done.' }], expect: { last_user_text_includes: REPLY } },
      ],
      // The Coder's turn is on disk already: a request for it would be a second run of its work.
      Coder: [{ content: [{ type: 'text', text: 'asked again' }] }],
    },
  });
  try {
    const { id, reason } = await world.run('Coordinator', 'Get src/add.js written.');
    assert.deepEqual(reason, { type: 'retries_exhausted' });
    const started = await world.events(id);
    const coordinator = ofType(started, 'session.thread_created')[0]!.session_thread_id;
    const model = ofType(started, 'span.model_request_start')[0]!.model;
    const coordinatorStatus = { thread: coordinator, session_thread_id: coordinator, agent_name: 'Coordinator' };

    await appendAsCrashed(world, id, [
      { type: 'session.status_running', thread: coordinator },
      { type: 'session.thread_status_running', ...coordinatorStatus },
    ]);
    const block = { type: 'tool_use' as const, id: toolUseId('Coordinator', 0, 0), name: 'send_to_agent', input: call };
    await turnAsCrashed(world, id, coordinator, model, [block], 'tool_use');
    const [use, created] = await appendAsCrashed(world, id, [
      {
        type: 'agent.tool_use',
        thread: coordinator,
        name: 'send_to_agent',
        input: call,
        model_tool_use_id: block.id,
        evaluated_permission: 'allow',
      },
      {
        type: 'session.thread_created',
        thread: coordinator,
        session_thread_id: newId('sthr'),
        agent_name: 'Coder',
        agent_version: 1,
        parent_thread_id: coordinator,
      },
    ]);
    const coder = created?.type === 'session.thread_created' ? created.session_thread_id : '';
    const coderStatus = { thread: coder, session_thread_id: coder, agent_name: 'Coder' };
    await appendAsCrashed(world, id, [
      {
        type: 'agent.thread_message_sent',
        thread: coordinator,
        to_session_thread_id: coder,
        to_agent_name: 'Coder',
        content: [{ type: 'text', text: call.message }],
        delegation_tool_use_id: use!.id,
      },
      {
        type: 'agent.thread_message_received',
        thread: coder,
        from_session_thread_id: coordinator,
        content: [{ type: 'text', text: call.message }],
      },
      { type: 'session.thread_status_running', ...coderStatus },
    ]);
    await turnAsCrashed(world, id, coder, model, [{ type: 'text', text: REPLY }], 'end_turn');
    await appendAsCrashed(world, id, [
      { type: 'session.thread_status_idle', ...coderStatus, stop_reason: { type: 'end_turn' } },
      // The first of the two answering records; the process died before the Coordinator's tool result.
      {
        type: 'agent.thread_message_sent',
        thread: coder,
        to_session_thread_id: coordinator,
        content: [{ type: 'text', text: REPLY }],
        delegation_tool_use_id: use!.id,
      },
    ]);
    const before = await world.events(id);
    assert.equal(foldSession(id, before).status, 'running', 'the log says a run was under way');
    assert.equal(resultOf(before, use!), undefined);
    const coordinatorRequests = world.requests('Coordinator').length;

    await world.rt.runtime.resume(id);
    const events = await world.events(id);
    const replies = ofType(events, 'agent.thread_message_sent').filter(
      (e) => e.delegation_tool_use_id === use!.id && e.to_session_thread_id === coordinator,
    );
    assert.equal(replies.length, 1, 'one reply to the Coordinator for the delegation');
    const results = ofType(events, 'agent.tool_result').filter((r) => r.tool_use_id === use!.id);
    assert.equal(results.length, 1, 'one tool result for the send_to_agent call');
    assert.equal(results[0]!.is_error, false);
    assert.equal(resultText(results[0]), REPLY, "the result is the reply's text");
    assert.equal(results[0]!.seq > replies[0]!.seq, true);

    assert.equal(world.requests('Coder').length, 0, "the Coder's finished turn is not asked of the model again");
    assert.equal(world.requests('Coordinator').length, coordinatorRequests + 1, 'the Coordinator goes on once');
    assert.match(lastUserText(world.requests('Coordinator').at(-1)), /src\/add\.js is written/);
    assert.equal(ofType(events, 'agent.message').at(-1)?.content[0]?.text, 'All done.');
    assert.deepEqual(ofType(events, 'session.status_idle').at(-1)?.stop_reason, { type: 'end_turn' });
    assert.deepEqual(foldSession(id, events).stopReason, { type: 'end_turn' });
  } finally {
    await world.close();
  }
});

test('a delegation sent but not received by the child (a crash between the two records): on wake the child gets it once and works once', async () => {
  const call = { agent_name: 'Coder', message: 'Write src/add.js' };
  const world = await startWorld({
    agents: {
      Coordinator: [
        {
          content: [{ type: 'tool_use', name: 'send_to_agent', input: call }],
          faults: [{ kind: 'invalid_request', message: 'refused once' }],
        },
        { content: [{ type: 'text', text: 'All done.' }], expect: { last_user_text_includes: REPLY } },
      ],
      Coder: [{ content: [{ type: 'text', text: REPLY }], expect: { last_user_text_includes: call.message } }],
    },
  });
  try {
    const { id } = await world.run('Coordinator', 'Get src/add.js written.');
    const started = await world.events(id);
    const coordinator = ofType(started, 'session.thread_created')[0]!.session_thread_id;
    const model = ofType(started, 'span.model_request_start')[0]!.model;
    await appendAsCrashed(world, id, [
      { type: 'session.status_running', thread: coordinator },
      {
        type: 'session.thread_status_running',
        thread: coordinator,
        session_thread_id: coordinator,
        agent_name: 'Coordinator',
      },
    ]);
    const block = { type: 'tool_use' as const, id: toolUseId('Coordinator', 0, 0), name: 'send_to_agent', input: call };
    await turnAsCrashed(world, id, coordinator, model, [block], 'tool_use');
    const coder = newId('sthr');
    const [use] = await appendAsCrashed(world, id, [
      {
        type: 'agent.tool_use',
        thread: coordinator,
        name: 'send_to_agent',
        input: call,
        model_tool_use_id: block.id,
        evaluated_permission: 'allow',
      },
      {
        type: 'session.thread_created',
        thread: coordinator,
        session_thread_id: coder,
        agent_name: 'Coder',
        agent_version: 1,
        parent_thread_id: coordinator,
      },
    ]);
    await appendAsCrashed(world, id, [
      {
        type: 'agent.thread_message_sent',
        thread: coordinator,
        to_session_thread_id: coder,
        to_agent_name: 'Coder',
        content: [{ type: 'text', text: call.message }],
        delegation_tool_use_id: use!.id,
      },
      // The process died before the Coder's thread_message_received.
    ]);

    await world.rt.runtime.resume(id);
    const events = await world.events(id);
    const sent = ofType(events, 'agent.thread_message_sent').filter((e) => e.delegation_tool_use_id === use!.id);
    assert.equal(sent.filter((e) => e.to_session_thread_id === coder).length, 1, 'the delegation is sent once');
    assert.equal(sent.filter((e) => e.to_session_thread_id === coordinator).length, 1, 'one reply');
    const received = ofType(events, 'agent.thread_message_received').filter((e) => e.thread === coder);
    assert.equal(received.length, 1, 'the Coder receives the delegation once');
    assert.equal(received[0]!.content[0]?.text, call.message);
    assert.equal(world.requests('Coder').length, 1, 'the Coder works once');
    const results = ofType(events, 'agent.tool_result').filter((r) => r.tool_use_id === use!.id);
    assert.equal(results.length, 1);
    assert.match(resultText(results[0]), /src\/add\.js is written/);
    assert.deepEqual(foldSession(id, events).stopReason, { type: 'end_turn' });
  } finally {
    await world.close();
  }
});
