// Waking a session from a log left as a crash leaves it: the log is written here with the file store's
// own writer, exactly as a killed harness would have left it, then `resume` wakes it. A side-effecting
// call without a result is answered "interrupted, outcome unknown" (never silently run twice), safe calls
// run again, an open model request is re-issued, an unanswered confirmation stays with the person.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { EventInput, SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { INTERRUPTED_OUTCOME_UNKNOWN } from '../../src/core/harness/toolResults.ts';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { toolUseId } from '../../src/testkit/model/scriptedModelServer.ts';
import {
  askerAgent,
  lastUserText,
  ofType,
  resultOf,
  resultText,
  startWorld,
  type HarnessWorld,
} from './harnessWorld.ts';

const ASKER = askerAgent();

/** A session whose first model request was refused (a 400), so it has its pinned agents, its worktree's
 * configuration and a user message, and no harness holds it: the starting point for a hand-made crash. */
async function refusedSession(
  world: HarnessWorld,
  agent: string,
): Promise<{ id: string; thread: string; model: string }> {
  const { id, reason } = await world.run(agent);
  assert.deepEqual(reason, { type: 'retries_exhausted' });
  const events = await world.events(id);
  const thread = ofType(events, 'session.thread_created')[0]!.session_thread_id;
  const model = ofType(events, 'span.model_request_start')[0]!.model;
  return { id, thread, model };
}

async function appendAsCrashed(world: HarnessWorld, sessionId: string, events: EventInput[]): Promise<SessionEvent[]> {
  const writer = await world.rt.store.openWriter(sessionId);
  try {
    return await writer.appendMany(events);
  } finally {
    await writer.close();
  }
}

const running = (thread: string, agent: string): EventInput[] => [
  { type: 'session.status_running', thread },
  { type: 'session.thread_status_running', thread, session_thread_id: thread, agent_name: agent },
];

const usage = { input_tokens: 10, output_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };

test('calls cut off by a crash: bash gets "interrupted, outcome unknown", read and write run again; agent_os.wake lists them', async () => {
  const world = await startWorld({
    agents: {
      Coder: [
        {
          content: [{ type: 'text', text: 'never served' }],
          faults: [{ kind: 'invalid_request', message: 'refused once' }],
        },
        { content: [{ type: 'text', text: 'Recovered.' }], expect: { last_user_text_includes: 'outcome is unknown' } },
      ],
    },
  });
  try {
    const { id, thread, model } = await refusedSession(world, 'Coder');
    const calls = [
      {
        type: 'tool_use' as const,
        id: toolUseId('Coder', 0, 1),
        name: 'bash',
        input: { command: 'echo once >> side.txt' },
      },
      { type: 'tool_use' as const, id: toolUseId('Coder', 0, 2), name: 'read', input: { file_path: 'README.md' } },
      {
        type: 'tool_use' as const,
        id: toolUseId('Coder', 0, 3),
        name: 'write',
        input: { file_path: 'out.txt', content: 'whole file\n' },
      },
    ];
    const written = await appendAsCrashed(world, id, [
      ...running(thread, 'Coder'),
      { type: 'span.model_request_start', thread, model },
    ]);
    const startId = written.at(-1)!.id;
    const crashed = await appendAsCrashed(world, id, [
      {
        type: 'span.model_request_end',
        thread,
        model_request_start_id: startId,
        is_error: false,
        model_usage: usage,
        cost_usd: 0.0001,
        content: [{ type: 'text', text: 'Working.' }, ...calls],
        stop_reason: 'tool_use',
      },
      { type: 'agent.message', thread, content: [{ type: 'text', text: 'Working.' }] },
      ...calls.map((c): EventInput => ({
        type: 'agent.tool_use',
        thread,
        name: c.name,
        input: c.input,
        model_tool_use_id: c.id,
        evaluated_permission: 'allow',
      })),
      // The process died here: the bash may or may not have run; nothing recorded it.
    ]);
    const [bashUse, readUse, writeUse] = crashed.filter((e) => e.type === 'agent.tool_use');
    assert.equal(foldSession(id, await world.events(id)).status, 'running', 'the log says a run was under way');

    await world.rt.runtime.resume(id);
    const events = await world.events(id);
    const wake = ofType(events, 'agent_os.wake');
    assert.equal(wake.length, 1);
    assert.deepEqual([...wake[0]!.recovered].sort(), [bashUse!.id, readUse!.id, writeUse!.id].sort());

    const bash = resultOf(events, bashUse!);
    assert.equal(bash?.is_error, true);
    assert.equal(resultText(bash), INTERRUPTED_OUTCOME_UNKNOWN);
    const read = resultOf(events, readUse!);
    assert.equal(read?.is_error, false);
    assert.match(resultText(read), /# sample/);
    assert.equal(resultOf(events, writeUse!)?.is_error, false);
    assert.equal(ofType(events, 'agent.tool_result').length, 3, 'one result each');
    assert.equal(ofType(events, 'agent.tool_use').length, 3, 'no call recorded twice');

    const worktree = await world.worktree(id);
    assert.equal(existsSync(join(worktree, 'side.txt')), false, 'the unknown-outcome bash was not run again');
    assert.equal(readFileSync(join(worktree, 'out.txt'), 'utf8'), 'whole file\n');
    assert.deepEqual(ofType(events, 'session.status_idle').at(-1)?.stop_reason, { type: 'end_turn' });
    assert.equal(ofType(events, 'agent.message').at(-1)?.content[0]?.text, 'Recovered.');
    assert.match(lastUserText(world.requests('Coder').at(-1)), /# sample/);
  } finally {
    await world.close();
  }
});

test('a model request started but never ended is issued again on wake', async () => {
  const world = await startWorld({
    agents: {
      Coder: [
        {
          content: [{ type: 'text', text: 'Re-issued.' }],
          faults: [{ kind: 'invalid_request', message: 'refused once' }],
        },
      ],
    },
  });
  try {
    const { id, thread, model } = await refusedSession(world, 'Coder');
    const written = await appendAsCrashed(world, id, [
      ...running(thread, 'Coder'),
      { type: 'span.model_request_start', thread, model },
    ]);
    const open = written.at(-1)!;
    assert.equal(foldSession(id, await world.events(id)).threads[thread]?.openModelRequestId, open.id);
    const before = world.requests('Coder').length;

    await world.rt.runtime.resume(id);
    const events = await world.events(id);
    assert.deepEqual(
      ofType(events, 'agent_os.wake').map((w) => w.recovered),
      [[open.id]],
    );
    assert.equal(world.requests('Coder').length, before + 1, 'one new request');
    assert.equal(world.requests('Coder').at(-1)?.outcome.kind, 'turn');
    assert.equal(ofType(events, 'agent.message').at(-1)?.content[0]?.text, 'Re-issued.');
    assert.equal(ofType(events, 'span.model_request_end').filter((e) => !e.is_error).length, 1);
    const state = foldSession(id, events);
    assert.equal(state.threads[thread]?.openModelRequestId, undefined);
    assert.deepEqual(state.stopReason, { type: 'end_turn' });
  } finally {
    await world.close();
  }
});

test('a call waiting for confirmation stays waiting across a wake; a confirmed one cut off mid-run is "outcome unknown"', async () => {
  const world = await startWorld(
    {
      agents: {
        asker: [
          { content: [{ type: 'tool_use', name: 'bash', input: { command: 'echo ran >> ran.txt' } }] },
          { content: [{ type: 'tool_use', name: 'bash', input: { command: 'echo twice >> twice.txt' } }] },
          { content: [{ type: 'text', text: 'Done.' }], expect: { last_user_text_includes: 'outcome is unknown' } },
        ],
      },
    },
    { files: { '.agents/asker.md': ASKER } },
  );
  try {
    const runtime = world.rt.runtime;
    const { id, reason } = await world.run('asker');
    const first = ofType(await world.events(id), 'agent.tool_use')[0]!;
    assert.deepEqual(reason, { type: 'requires_action', event_ids: [first.id] });
    const thread = first.thread;

    // Killed while waiting: the log still says running. The wake must not answer or run the call.
    await appendAsCrashed(world, id, running(thread, 'asker'));
    await runtime.resume(id);
    let events = await world.events(id);
    assert.equal(ofType(events, 'agent_os.wake').length, 0, 'nothing to recover');
    assert.equal(resultOf(events, first), undefined);
    assert.deepEqual(ofType(events, 'session.status_idle').at(-1)?.stop_reason, {
      type: 'requires_action',
      event_ids: [first.id],
    });
    assert.equal(world.requests('asker').length, 1, 'no model request while waiting');
    const worktree = await world.worktree(id);
    assert.equal(existsSync(join(worktree, 'ran.txt')), false);

    // Allowed, it runs once; the next call asks again.
    await runtime.confirmTool(id, first.id, true);
    events = await world.events(id);
    assert.equal(resultOf(events, first)?.is_error, false);
    assert.equal(readFileSync(join(worktree, 'ran.txt'), 'utf8'), 'ran\n');
    const second = ofType(events, 'agent.tool_use')[1]!;

    // The person allows the second, and the process dies after marking the thread running for it:
    // the command may have run. On wake it is not run again.
    await appendAsCrashed(world, id, [
      { type: 'user.tool_confirmation', thread, tool_use_id: second.id, result: 'allow' },
      ...running(thread, 'asker'),
    ]);
    await runtime.resume(id);
    events = await world.events(id);
    assert.deepEqual(
      ofType(events, 'agent_os.wake').map((w) => w.recovered),
      [[second.id]],
    );
    assert.equal(resultText(resultOf(events, second)), INTERRUPTED_OUTCOME_UNKNOWN);
    assert.equal(existsSync(join(worktree, 'twice.txt')), false);
    assert.deepEqual(ofType(events, 'session.status_idle').at(-1)?.stop_reason, { type: 'end_turn' });
  } finally {
    await world.close();
  }
});
