// Every model fault the API can throw at a turn, through the real SDK and the harness: transient ones are
// retried and the turn is recorded once (one span end, one message, each tool run once); a 400 becomes a
// `session.error` with the API's message, and the session stays resumable.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { ofType, startWorld } from './harnessWorld.ts';

const turn = (n: number, faults: unknown[]) => ({
  content: [
    { type: 'text', text: `Turn ${n}.` },
    { type: 'tool_use', name: 'bash', input: { command: `echo ${n} >> log.txt` } },
  ],
  faults,
});

const FAULTS = [
  [{ kind: 'rate_limit', retry_after_seconds: 0.01 }],
  [{ kind: 'overloaded', retry_after_seconds: 0.01 }],
  [{ kind: 'server_error', retry_after_seconds: 0.01 }],
  // message_start, ping, content_block_start, one text delta: the socket dies mid-message.
  [{ kind: 'stream_cut', after_events: 4 }],
  [{ kind: 'reset' }],
  [{ kind: 'stream_error', after_events: 6 }],
  // Several on one turn, of both layers (the SDK's HTTP retry, then our whole-request retry).
  [
    { kind: 'rate_limit', retry_after_seconds: 0.01 },
    { kind: 'stream_cut', after_events: 7 },
    { kind: 'overloaded', retry_after_seconds: 0.01 },
  ],
];

test('429, 529, 500, a cut stream, a reset socket and a stream error: each turn retried whole, recorded once', async () => {
  const script = {
    agents: { Coder: [...FAULTS.map((f, n) => turn(n, f)), { content: [{ type: 'text', text: 'All done.' }] }] },
  };
  const world = await startWorld(script);
  try {
    const { id, reason } = await world.run('Coder');
    assert.deepEqual(reason, { type: 'end_turn' });
    const events = await world.events(id);

    const requests = world.requests('Coder');
    const faultsSeen = requests
      .filter((r) => r.outcome.kind === 'fault')
      .map((r) => (r.outcome.kind === 'fault' ? r.outcome.fault.kind : ''));
    assert.deepEqual(
      faultsSeen,
      FAULTS.flat().map((f) => f.kind),
      'every scripted fault was served',
    );
    const served = requests
      .filter((r) => r.outcome.kind === 'turn')
      .map((r) => (r.outcome.kind === 'turn' ? r.outcome.turn : -1));
    assert.deepEqual(served, [0, 1, 2, 3, 4, 5, 6, 7], 'each turn answered once');
    // A retry re-sends the very same request (the whole turn), byte for byte.
    for (const r of requests.filter((q) => q.outcome.kind === 'fault')) {
      const answered = requests.find(
        (q) => q.outcome.kind === 'turn' && r.outcome.kind === 'fault' && q.outcome.turn === r.outcome.turn,
      );
      assert.equal(JSON.stringify(r.body), JSON.stringify(answered?.body));
    }

    // Exactly one successful span per turn, no failed ones: retries stay inside the model client.
    const ends = ofType(events, 'span.model_request_end');
    assert.equal(ends.filter((e) => !e.is_error).length, FAULTS.length + 1);
    assert.equal(ends.filter((e) => e.is_error).length, 0);
    assert.equal(ofType(events, 'span.model_request_start').length, FAULTS.length + 1);
    assert.deepEqual(
      ofType(events, 'agent.message').map((m) => m.content[0]?.text),
      [...FAULTS.map((_, n) => `Turn ${n}.`), 'All done.'],
    );
    assert.equal(ofType(events, 'agent.tool_use').length, FAULTS.length);
    assert.equal(ofType(events, 'agent.tool_result').length, FAULTS.length);
    assert.equal(ofType(events, 'session.error').length, 0);
    // No tool ran twice: the side effect holds each turn's line once.
    const log = readFileSync(join(await world.worktree(id), 'log.txt'), 'utf8');
    assert.equal(log, FAULTS.map((_, n) => `${n}\n`).join(''));
    assert.equal(foldSession(id, events).usage.model_requests, FAULTS.length + 1);
  } finally {
    await world.close();
  }
});

test('a 400 is a session.error with the API message; the thread idles retries_exhausted; resume finishes it', async () => {
  const message = 'prompt is too long: 212345 tokens > 200000 maximum';
  const script = {
    agents: {
      Coder: [
        turn(0, []),
        { content: [{ type: 'text', text: 'Recovered.' }], faults: [{ kind: 'invalid_request', message }] },
      ],
    },
  };
  const world = await startWorld(script);
  try {
    const { id, reason } = await world.run('Coder');
    assert.deepEqual(reason, { type: 'retries_exhausted' });
    let events = await world.events(id);
    const errors = ofType(events, 'session.error');
    assert.equal(errors.length, 1);
    assert.ok(errors[0]?.error.message.includes(message), errors[0]?.error.message);
    assert.equal(errors[0]?.error.retry_status.type, 'exhausted');
    const threadIdle = ofType(events, 'session.thread_status_idle').at(-1);
    assert.deepEqual(threadIdle?.stop_reason, { type: 'retries_exhausted' });
    assert.deepEqual(ofType(events, 'session.status_idle').at(-1)?.stop_reason, { type: 'retries_exhausted' });
    assert.equal(ofType(events, 'span.model_request_end').filter((e) => e.is_error).length, 1);
    // A 400 is final: the SDK did not retry it.
    assert.equal(world.requests('Coder').filter((r) => r.outcome.kind === 'fault').length, 1);
    assert.equal(world.requests('Coder').length, 2);

    await world.rt.runtime.resume(id);
    events = await world.events(id);
    assert.deepEqual(ofType(events, 'session.status_idle').at(-1)?.stop_reason, { type: 'end_turn' });
    assert.equal(ofType(events, 'agent.message').at(-1)?.content[0]?.text, 'Recovered.');
    assert.equal(ofType(events, 'span.model_request_end').filter((e) => !e.is_error).length, 2);
    assert.equal(ofType(events, 'agent.tool_use').length, 1, 'the answered tool call is not run again on resume');
    assert.equal(readFileSync(join(await world.worktree(id), 'log.txt'), 'utf8'), '0\n');
    assert.equal(world.requests('Coder').length, 3);
    assert.equal(foldSession(id, events).status, 'idle');
  } finally {
    await world.close();
  }
});

test('a fault that outlasts every retry: session.error naming the overload, retries_exhausted; resume finishes once it clears', async () => {
  // The SDK tries 5 times (maxRetries 4 in the test runtime): five 529s exhaust it; the sixth request is served.
  const overloads = Array.from({ length: 5 }, () => ({ kind: 'overloaded', retry_after_seconds: 0.01 }));
  const world = await startWorld({
    agents: { Coder: [{ content: [{ type: 'text', text: 'Finally.' }], faults: overloads }] },
  });
  try {
    const { id, reason } = await world.run('Coder');
    assert.deepEqual(reason, { type: 'retries_exhausted' });
    let events = await world.events(id);
    const [error] = ofType(events, 'session.error');
    assert.equal(error?.error.type, 'model_overloaded_error');
    assert.match(error?.error.message ?? '', /Overloaded/);
    assert.equal(world.requests('Coder').length, 5);
    assert.equal(ofType(events, 'span.model_request_end').length, 1, 'one failed span for the whole retried request');

    await world.rt.runtime.resume(id);
    events = await world.events(id);
    assert.deepEqual(ofType(events, 'session.status_idle').at(-1)?.stop_reason, { type: 'end_turn' });
    assert.deepEqual(
      ofType(events, 'agent.message').map((m) => m.content[0]?.text),
      ['Finally.'],
    );
    assert.equal(world.requests('Coder').length, 6);
  } finally {
    await world.close();
  }
});
