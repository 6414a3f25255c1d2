// Every fault the scripted model server can inject, through the real SDK: each is retried and the caller
// gets exactly one response; the server's record shows the retries. Retry waits are kept short.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ModelRequestError } from '../../src/core/errors.ts';
import type { ModelCallOptions, RequestMessage } from '../../src/core/model/modelClient.ts';
import { clientFor, request, startScripted } from './modelTestKit.ts';

const ask: RequestMessage[] = [{ role: 'user', content: [{ type: 'text', text: 'run the tests' }] }];
const answer = [
  { type: 'text', text: 'Running the whole test suite now, then I will report back.' },
  { type: 'tool_use', name: 'bash', input: { command: 'npm test -- --reporter=dot' } },
];

async function faultRun(
  faults: unknown[],
  options: { streaming?: boolean; maxRetries?: number; maxStreamRetries?: number } = {},
): Promise<{ outcome: unknown; kinds: string[]; retries: number; deltas: string }> {
  const server = await startScripted({ turns: [{ content: answer, faults }] });
  try {
    const client = clientFor(server, options);
    let retries = 0;
    let deltas = '';
    const call: ModelCallOptions = { onRetry: () => retries++, onTextDelta: (t) => (deltas += t) };
    const outcome = await client.createMessage(request(ask), call).catch((error: unknown) => error);
    const kinds = server.requests.map((r) => (r.outcome.kind === 'fault' ? r.outcome.fault.kind : r.outcome.kind));
    return { outcome, kinds, retries, deltas };
  } finally {
    await server.close();
  }
}

function assertAnswered(outcome: unknown): void {
  assert.ok(!(outcome instanceof Error), `expected a response, got ${String(outcome)}`);
  const response = outcome as { content: unknown[]; stop_reason: string };
  assert.equal(response.stop_reason, 'tool_use');
  assert.equal(response.content.length, 2);
  assert.deepEqual((response.content[1] as { input: unknown }).input, { command: 'npm test -- --reporter=dot' });
}

describe('model faults are retried and the caller sees one response', () => {
  it('429 with retry-after', async () => {
    const { outcome, kinds } = await faultRun([
      { kind: 'rate_limit', retry_after_seconds: 0.01 },
      { kind: 'rate_limit', retry_after_seconds: 0.02 },
    ]);
    assertAnswered(outcome);
    assert.deepEqual(kinds, ['rate_limit', 'rate_limit', 'turn']);
  });

  it('529 overloaded', async () => {
    const { outcome, kinds } = await faultRun([{ kind: 'overloaded', retry_after_seconds: 0.01 }]);
    assertAnswered(outcome);
    assert.deepEqual(kinds, ['overloaded', 'turn']);
  });

  it('500 server error (SDK backoff without retry-after)', async () => {
    const { outcome, kinds } = await faultRun([{ kind: 'server_error' }]);
    assertAnswered(outcome);
    assert.deepEqual(kinds, ['server_error', 'turn']);
  });

  it('socket reset before any response', async () => {
    const { outcome, kinds } = await faultRun([{ kind: 'reset' }]);
    assertAnswered(outcome);
    assert.deepEqual(kinds, ['reset', 'turn']);
  });

  for (const after of [0, 1, 3, 6]) {
    it(`stream cut after ${after} SSE events: the whole request is retried`, async () => {
      const { outcome, kinds, retries, deltas } = await faultRun([{ kind: 'stream_cut', after_events: after }]);
      assertAnswered(outcome);
      assert.deepEqual(kinds, ['stream_cut', 'turn']);
      assert.equal(retries, 1);
      // Deltas of the cut attempt are streamed again, which onRetry announced.
      const text = 'Running the whole test suite now, then I will report back.';
      assert.ok(deltas.endsWith(text));
      // Past message_start, ping and content_block_start the cut lands mid-text: that part came twice.
      if (after > 3) assert.ok(deltas.length > text.length, 'the cut attempt streamed part of the text');
      else assert.equal(deltas, text);
    });
  }

  it('a stream cut of a non-streamed request (half a JSON body) is retried', async () => {
    const { outcome, kinds } = await faultRun([{ kind: 'stream_cut', after_events: 0 }], { streaming: false });
    assertAnswered(outcome);
    assert.deepEqual(kinds, ['stream_cut', 'turn']);
  });

  it('an overloaded error event inside the stream is retried', async () => {
    const { outcome, kinds, retries } = await faultRun([{ kind: 'stream_error', after_events: 4 }]);
    assertAnswered(outcome);
    assert.deepEqual(kinds, ['stream_error', 'turn']);
    assert.equal(retries, 1);
  });

  it('all kinds in a row on one turn', async () => {
    const faults = [
      { kind: 'rate_limit', retry_after_seconds: 0.01 },
      { kind: 'stream_cut', after_events: 2 },
      { kind: 'overloaded', retry_after_seconds: 0.01 },
      { kind: 'reset' },
      { kind: 'server_error', retry_after_seconds: 0.01 },
    ];
    const { outcome, kinds } = await faultRun(faults);
    assertAnswered(outcome);
    assert.deepEqual(kinds, ['rate_limit', 'stream_cut', 'overloaded', 'reset', 'server_error', 'turn']);
  });

  it('retries exhausted: a retryable ModelRequestError with the API message', async () => {
    const faults = Array.from({ length: 3 }, () => ({ kind: 'overloaded', retry_after_seconds: 0.01 }));
    const { outcome, kinds } = await faultRun(faults, { maxRetries: 2 });
    assert.ok(outcome instanceof ModelRequestError);
    assert.equal(outcome.status, 529);
    assert.equal(outcome.errorType, 'overloaded_error');
    assert.equal(outcome.apiMessage, 'scripted fault: Overloaded');
    assert.equal(outcome.retryable, true);
    assert.deepEqual(kinds, ['overloaded', 'overloaded', 'overloaded']);
  });

  it('stream cuts exhausted: a retryable ModelRequestError', async () => {
    const faults = Array.from({ length: 3 }, () => ({ kind: 'stream_cut', after_events: 2 }));
    const { outcome, kinds } = await faultRun(faults, { maxStreamRetries: 2 });
    assert.ok(outcome instanceof ModelRequestError);
    assert.equal(outcome.errorType, 'stream_interrupted');
    assert.equal(outcome.retryable, true);
    assert.equal(outcome.details.attempts, 3);
    assert.deepEqual(kinds, ['stream_cut', 'stream_cut', 'stream_cut']);
  });

  it('a scripted 400 is not retried and carries the API message', async () => {
    const { outcome, kinds } = await faultRun([
      { kind: 'invalid_request', message: 'prompt is too long: 210000 tokens > 200000 maximum' },
    ]);
    assert.ok(outcome instanceof ModelRequestError);
    assert.equal(outcome.status, 400);
    assert.equal(outcome.retryable, false);
    assert.equal(outcome.apiMessage, 'prompt is too long: 210000 tokens > 200000 maximum');
    assert.match(outcome.message, /400 invalid_request_error: prompt is too long/);
    assert.deepEqual(kinds, ['invalid_request']);
  });
});

describe('stalled streams', () => {
  it('an interrupt mid-stream stops the request at once, without a retry', async () => {
    const server = await startScripted({ turns: [{ content: answer, faults: [{ kind: 'stall', after_events: 4 }] }] });
    try {
      const client = clientFor(server);
      const controller = new AbortController();
      let deltas = '';
      const outcome = await client
        .createMessage(request(ask), {
          signal: controller.signal,
          onTextDelta: (t) => {
            deltas += t;
            controller.abort();
          },
        })
        .catch((error: unknown) => error);
      assert.ok(outcome instanceof ModelRequestError);
      assert.equal(outcome.aborted, true);
      assert.ok(deltas.length > 0, 'part of the text arrived before the interrupt');
      assert.equal(server.requests.length, 1);
    } finally {
      await server.close();
    }
  });

  it('a stream that goes quiet is abandoned after the idle timeout and retried', async () => {
    const server = await startScripted({ turns: [{ content: answer, faults: [{ kind: 'stall', after_events: 3 }] }] });
    try {
      const client = clientFor(server, { streamIdleTimeoutMs: 100 });
      const reasons: string[] = [];
      const outcome = await client
        .createMessage(request(ask), { onRetry: (info) => reasons.push(info.reason) })
        .catch((e: unknown) => e);
      assertAnswered(outcome);
      assert.equal(reasons.length, 1);
      assert.match(reasons[0] ?? '', /no stream event for 100 ms/);
      assert.deepEqual(
        server.requests.map((r) => r.outcome.kind),
        ['fault', 'turn'],
      );
    } finally {
      await server.close();
    }
  });
});

describe('errors that retrying cannot help', () => {
  it("the SDK's local refusal of a long non-streamed request is reported once, not retried", async () => {
    const server = await startScripted({ turns: [{ content: answer }] });
    try {
      const client = clientFor(server, { streaming: false });
      let retries = 0;
      const outcome = await client
        .createMessage(request(ask, { max_tokens: 64_000 }), { onRetry: () => retries++ })
        .catch((e: unknown) => e);
      assert.ok(outcome instanceof ModelRequestError);
      assert.equal(outcome.errorType, 'client_error');
      assert.equal(outcome.retryable, false);
      assert.match(outcome.apiMessage, /Streaming is required/);
      assert.equal(retries, 0);
      assert.equal(server.requests.length, 0);
    } finally {
      await server.close();
    }
  });
});
