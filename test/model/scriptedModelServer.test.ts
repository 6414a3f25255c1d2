// The scripted server's wire protocol over raw HTTP: the API's SSE event order, the JSON shape, fault
// responses and their headers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ScriptedModelServer } from '../../src/testkit/model/scriptedModelServer.ts';
import { toolUseId } from '../../src/testkit/model/scriptedModelServer.ts';
import { startScripted } from './modelTestKit.ts';

const body = (stream: boolean) => ({
  model: 'claude-sonnet-4-6',
  max_tokens: 100,
  stream,
  messages: [{ role: 'user', content: 'go' }],
});

describe('scripted model server wire protocol', () => {
  let server: ScriptedModelServer;
  before(async () => {
    server = await startScripted({
      agents: {
        a: [
          {
            content: [
              { type: 'text', text: 'Checking the file system for the configuration.' },
              { type: 'tool_use', name: 'glob', input: { pattern: '**/*.json', path: '.' } },
            ],
          },
        ],
        b: [
          {
            content: [{ type: 'text', text: 'x' }],
            faults: [{ kind: 'rate_limit', retry_after_seconds: 7 }, { kind: 'overloaded' }, { kind: 'reset' }],
          },
        ],
      },
    });
  });
  after(() => server.close());

  const post = (agent: string, stream: boolean) =>
    fetch(`${server.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'x-agent-os-agent': agent },
      body: JSON.stringify(body(stream)),
    });

  it('streams the events in the API order', async () => {
    const res = await post('a', true);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    assert.match(res.headers.get('request-id') ?? '', /^req_scripted_/);
    const events = (await res.text())
      .split('\n\n')
      .filter(Boolean)
      .map((chunk) => {
        const [eventLine, dataLine] = chunk.split('\n');
        const name = eventLine?.replace('event: ', '') ?? '';
        const data = JSON.parse(dataLine?.replace('data: ', '') ?? '{}');
        assert.equal(data.type, name);
        return { name, data };
      });
    const names = events.map((e) => e.name);
    // Collapse runs of deltas to check the shape.
    const shape = names.filter((n, i) => n !== 'content_block_delta' || names[i - 1] !== 'content_block_delta');
    assert.deepEqual(shape, [
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const text = events
      .filter((e) => e.data.delta?.type === 'text_delta')
      .map((e) => e.data.delta.text)
      .join('');
    assert.equal(text, 'Checking the file system for the configuration.');
    const json = events
      .filter((e) => e.data.delta?.type === 'input_json_delta')
      .map((e) => e.data.delta.partial_json)
      .join('');
    assert.deepEqual(JSON.parse(json), { pattern: '**/*.json', path: '.' });
    const toolStart = events.find((e) => e.data.content_block?.type === 'tool_use');
    assert.equal(toolStart?.data.content_block.id, toolUseId('a', 0, 1));
    const start = events[0]?.data.message;
    assert.equal(start.stop_reason, null);
    assert.deepEqual(start.content, []);
    const delta = events.find((e) => e.name === 'message_delta')?.data;
    assert.equal(delta.delta.stop_reason, 'tool_use');
    assert.ok(delta.usage.output_tokens > 0);
  });

  it('answers a non-streamed request with one message', async () => {
    const res = await post('a', false);
    const message = (await res.json()) as Record<string, any>;
    assert.equal(message.type, 'message');
    assert.equal(message.role, 'assistant');
    assert.equal(message.stop_reason, 'tool_use');
    assert.equal(message.content[1].id, toolUseId('a', 0, 1));
    assert.equal(typeof message.usage.cache_read_input_tokens, 'number');
  });

  it('serves faults in order, with retry-after on the 429, then the turn', async () => {
    const first = await post('b', true);
    assert.equal(first.status, 429);
    assert.equal(first.headers.get('retry-after'), '7');
    assert.deepEqual(await first.json(), {
      type: 'error',
      error: { type: 'rate_limit_error', message: 'scripted fault: rate limited' },
      request_id: first.headers.get('request-id'),
    });
    const second = await post('b', false);
    assert.equal(second.status, 529);
    assert.equal(((await second.json()) as any).error.type, 'overloaded_error');
    await assert.rejects(post('b', false), /fetch failed/);
    const served = await post('b', false);
    assert.equal(served.status, 200);
  });

  it('answers an unknown route in the API error shape', async () => {
    const res = await fetch(`${server.url}/v1/complete`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as any).error.type, 'not_found_error');
  });
});
