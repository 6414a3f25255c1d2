// The checks every ModelClient must pass, against the scripted Messages-API server over HTTP. Each
// implementation's test file calls `modelClientConformance(name, factory)` with a factory that points a
// fresh client at the server's URL. What the harness relies on: the whole turn with its usage, tool
// use ids the next request can answer, transient faults retried inside, what is left rejected with
// ModelRequestError, and an interrupt that ends a hanging request.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ModelRequestError } from '../../src/core/errors.ts';
import type { ModelClient, ModelRequest } from '../../src/core/model/modelClient.ts';
import { parseModelScript } from '../../src/testkit/model/modelScript.ts';
import { ScriptedModelServer } from '../../src/testkit/model/scriptedModelServer.ts';

const request = (text: string, extra: Partial<ModelRequest> = {}): ModelRequest => ({
  model: 'claude-sonnet-4-6',
  max_tokens: 512,
  system: 'You are a careful coder.',
  tools: [
    {
      name: 'bash',
      description: 'Run a command',
      input_schema: { type: 'object', properties: { command: { type: 'string' } } },
    },
  ],
  messages: [{ role: 'user', content: [{ type: 'text', text }] }],
  ...extra,
});

const script = {
  agents: {
    texter: [{ content: [{ type: 'text', text: 'Hello there.' }] }],
    caller: [
      {
        content: [
          { type: 'text', text: 'Running.' },
          { type: 'tool_use', name: 'bash', input: { command: 'ls' } },
        ],
      },
      { content: [{ type: 'text', text: 'Done.' }], expect: { last_user_text_includes: 'README.md' } },
    ],
    flaky: [
      {
        content: [{ type: 'text', text: 'Made it.' }],
        faults: [{ kind: 'overloaded', retry_after_seconds: 0.01 }, { kind: 'reset' }],
      },
    ],
    refused: [
      {
        content: [{ type: 'text', text: 'never' }],
        faults: [{ kind: 'invalid_request', message: 'scripted refusal' }],
      },
    ],
    staller: [{ content: [{ type: 'text', text: 'never arrives' }], faults: [{ kind: 'stall', after_events: 1 }] }],
  },
};

export function modelClientConformance(name: string, factory: (baseURL: string) => ModelClient): void {
  describe(`ModelClient conformance: ${name}`, () => {
    let server: ScriptedModelServer;
    let client: ModelClient;
    before(async () => {
      server = await ScriptedModelServer.start({ script: parseModelScript(script, 'conformance') });
      client = factory(server.url);
    });
    after(() => server.close());

    it('returns the whole turn with its stop reason and usage', async () => {
      const response = await client.createMessage(request('hi'), { agentName: 'texter' });
      assert.deepEqual(response.content, [{ type: 'text', text: 'Hello there.' }]);
      assert.equal(response.stop_reason, 'end_turn');
      const u = response.usage;
      // The prompt may be counted as cache writes (the server simulates prompt caching): all input counts.
      assert.ok(
        u.input_tokens + u.cache_creation_input_tokens + u.cache_read_input_tokens > 0 && u.output_tokens > 0,
        JSON.stringify(u),
      );
    });

    it('gives tool uses ids the next request answers', async () => {
      const first = await client.createMessage(request('list files'), { agentName: 'caller' });
      assert.equal(first.stop_reason, 'tool_use');
      const use = first.content.find((b) => b.type === 'tool_use');
      assert.ok(use?.type === 'tool_use' && use.id.length > 0 && use.name === 'bash');
      const second = await client.createMessage(
        request('list files', {
          messages: [
            { role: 'user', content: [{ type: 'text', text: 'list files' }] },
            {
              role: 'assistant',
              content: first.content.map((b) =>
                b.type === 'tool_use'
                  ? { type: 'tool_use', id: b.id, name: b.name, input: b.input }
                  : { type: 'text', text: b.type === 'text' ? b.text : '' },
              ),
            },
            { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'README.md' }] },
          ],
        }),
        { agentName: 'caller' },
      );
      assert.deepEqual(second.content, [{ type: 'text', text: 'Done.' }]);
    });

    it('retries transient faults inside and resolves once', async () => {
      const response = await client.createMessage(request('go'), { agentName: 'flaky' });
      assert.deepEqual(response.content, [{ type: 'text', text: 'Made it.' }]);
      const served = server.requests.filter((r) => r.agent === 'flaky').map((r) => r.outcome.kind);
      assert.deepEqual(served, ['fault', 'fault', 'turn']);
    });

    it('rejects a refused request with ModelRequestError carrying the API message', async () => {
      await assert.rejects(
        client.createMessage(request('go'), { agentName: 'refused' }),
        (error: unknown) => error instanceof ModelRequestError && /scripted refusal/.test(error.message),
      );
    });

    it('an interrupt ends a hanging request', async () => {
      const controller = new AbortController();
      const pending = client.createMessage(request('go'), { agentName: 'staller', signal: controller.signal });
      setTimeout(() => controller.abort(), 100);
      await assert.rejects(pending);
    });
  });
}
