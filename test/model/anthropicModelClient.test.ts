// The model client through the real SDK against the scripted model server: streamed and non-streamed
// multi-turn tool sessions, usage and cost, the agent header, interrupt.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ModelRequestError } from '../../src/core/errors.ts';
import type { RequestMessage } from '../../src/core/model/modelClient.ts';
import type { ScriptedModelServer } from '../../src/testkit/model/scriptedModelServer.ts';
import { clientFor, request, startScripted } from './modelTestKit.ts';

const twoTurnScript = {
  turns: [
    {
      content: [
        { type: 'text', text: 'Let me look at the readme first, then run the tests.' },
        { type: 'tool_use', name: 'read', input: { path: 'README.md' } },
      ],
      expect: { last_user_text_includes: 'fix the bug', tool_names: ['read', 'bash'] },
    },
    {
      content: [{ type: 'tool_use', name: 'bash', input: { command: 'npm test' } }],
      expect: { last_user_text_includes: '# Project' },
    },
    { content: [{ type: 'text', text: 'All tests pass. Done.' }], expect: { last_user_text_includes: '3 passing' } },
  ],
};

async function runToolSession(
  server: ScriptedModelServer,
  streaming: boolean,
): Promise<{ texts: string[]; deltas: string; messages: RequestMessage[] }> {
  const client = clientFor(server, { streaming });
  const messages: RequestMessage[] = [
    { role: 'user', content: [{ type: 'text', text: 'Please fix the bug in parse().' }] },
  ];
  const toolOutputs: Record<string, string> = { read: '# Project\nA parser.', bash: '3 passing' };
  const texts: string[] = [];
  let deltas = '';
  for (let i = 0; i < 3; i++) {
    const response = await client.createMessage(request(messages), {
      onTextDelta: (t) => (deltas += t),
      agentName: 'coder',
    });
    messages.push({ role: 'assistant', content: response.content.map((b) => b) as RequestMessage['content'] });
    for (const block of response.content) if (block.type === 'text') texts.push(block.text);
    const uses = response.content.filter((b) => b.type === 'tool_use');
    if (response.stop_reason !== 'tool_use') {
      assert.equal(response.stop_reason, 'end_turn');
      break;
    }
    assert.ok(uses.length > 0);
    messages.push({
      role: 'user',
      content: uses.map((u) => ({
        type: 'tool_result' as const,
        tool_use_id: u.id,
        content: toolOutputs[u.name] ?? '',
      })),
    });
  }
  return { texts, deltas, messages };
}

describe('AnthropicModelClient against the scripted model server', () => {
  let server: ScriptedModelServer;
  before(async () => {
    server = await startScripted(twoTurnScript);
  });
  after(() => server.close());

  it('runs a streamed multi-turn tool session', async () => {
    const before = server.requests.length;
    const { texts, deltas, messages } = await runToolSession(server, true);
    assert.deepEqual(texts, ['Let me look at the readme first, then run the tests.', 'All tests pass. Done.']);
    assert.equal(deltas, texts.join(''));
    assert.equal(messages.length, 6);
    const seen = server.requests.slice(before);
    assert.equal(seen.length, 3);
    assert.ok(seen.every((r) => r.stream && r.outcome.kind === 'turn' && r.agent === 'coder'));
    const toolUse = messages[1]?.content[1];
    assert.ok(toolUse?.type === 'tool_use' && /^toolu_01[0-9a-f]{22}$/.test(toolUse.id));
    assert.deepEqual(toolUse.input, { path: 'README.md' });
  });

  it('runs the same session non-streamed, with the same deterministic tool ids', async () => {
    const streamed = await runToolSession(server, true);
    const plain = await runToolSession(server, false);
    assert.deepEqual(plain.texts, streamed.texts);
    assert.equal(plain.deltas, '');
    assert.deepEqual(plain.messages, streamed.messages);
    assert.equal(server.requests.at(-1)?.stream, false);
  });

  it('reports usage with cache accounting and a cost from the price table', async () => {
    const client = clientFor(server);
    const response = await client.createMessage(
      request([{ role: 'user', content: [{ type: 'text', text: 'Please fix the bug in parse().' }] }]),
    );
    assert.ok(response.usage.output_tokens > 0);
    const { input_tokens, cache_creation_input_tokens, cache_read_input_tokens } = response.usage;
    assert.ok(input_tokens + cache_creation_input_tokens + cache_read_input_tokens > 0);
    assert.equal(response.model, 'claude-sonnet-4-6');
    assert.equal(response.cost?.priced, true);
    assert.ok((response.cost?.usd ?? 0) > 0);
  });

  it('flags a model missing from the price table as unpriced', async () => {
    const client = clientFor(server);
    const response = await client.createMessage(
      request([{ role: 'user', content: [{ type: 'text', text: 'Please fix the bug in parse().' }] }], {
        model: 'claude-unknown-9',
      }),
    );
    assert.deepEqual(response.cost, { usd: 0, priced: false });
  });

  it('sends the agent header the server picks a script by', async () => {
    const perAgent = await startScripted({
      agents: {
        planner: [{ content: [{ type: 'text', text: 'plan: one step' }] }],
        coder: [{ content: [{ type: 'text', text: 'coding' }] }],
      },
    });
    try {
      const client = clientFor(perAgent);
      const ask = request([{ role: 'user', content: [{ type: 'text', text: 'go' }] }]);
      const planner = await client.createMessage(ask, { agentName: 'planner' });
      const coder = await client.createMessage(ask, { agentName: 'coder' });
      assert.deepEqual(planner.content, [{ type: 'text', text: 'plan: one step' }]);
      assert.deepEqual(coder.content, [{ type: 'text', text: 'coding' }]);
      await assert.rejects(client.createMessage(ask, { agentName: 'reviewer' }), (error: unknown) => {
        assert.ok(error instanceof ModelRequestError);
        assert.equal(error.status, 400);
        assert.match(error.apiMessage, /no agent "reviewer" \(it has: planner, coder\)/);
        return true;
      });
      await assert.rejects(client.createMessage(ask), /send the x-agent-os-agent header/);
    } finally {
      await perAgent.close();
    }
  });

  it('answers a clear 400 once the script is exhausted', async () => {
    const client = clientFor(server);
    const messages: RequestMessage[] = [
      { role: 'user', content: [{ type: 'text', text: 'a' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'b' }] },
      { role: 'user', content: [{ type: 'text', text: 'c' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'd' }] },
      { role: 'user', content: [{ type: 'text', text: 'e' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'f' }] },
      { role: 'user', content: [{ type: 'text', text: 'g' }] },
    ];
    await assert.rejects(client.createMessage(request(messages), { agentName: 'coder' }), (error: unknown) => {
      assert.ok(error instanceof ModelRequestError);
      assert.equal(error.code, 'MODEL_REQUEST_FAILED');
      assert.equal(error.status, 400);
      assert.equal(error.errorType, 'invalid_request_error');
      assert.equal(error.retryable, false);
      assert.match(
        error.apiMessage,
        /script for agent "coder" is exhausted: it has 3 turn\(s\) and this request asks for turn 4/,
      );
      return true;
    });
  });

  it('answers a 400 naming the expectation a request does not meet', async () => {
    const client = clientFor(server);
    await assert.rejects(
      client.createMessage(request([{ role: 'user', content: [{ type: 'text', text: 'something else' }] }])),
      (error: unknown) => {
        assert.ok(error instanceof ModelRequestError);
        assert.equal(error.status, 400);
        assert.match(error.apiMessage, /turn 1 of the script: expected the last user message to include "fix the bug"/);
        return true;
      },
    );
    await assert.rejects(
      client.createMessage(
        request([{ role: 'user', content: [{ type: 'text', text: 'fix the bug' }] }], { tools: [] }),
      ),
      /expected the tools offered to be \[read, bash\], but they are \[\]; missing read, bash/,
    );
  });

  it('streams a turn with a per-event delay as the same response', async () => {
    const live = await startScripted({
      turns: [
        { content: [{ type: 'text', text: 'Typing this out slowly, a few words at a time.' }], event_delay_ms: 2 },
      ],
    });
    try {
      let deltas = 0;
      const response = await clientFor(live).createMessage(
        request([{ role: 'user', content: [{ type: 'text', text: 'go' }] }]),
        {
          onTextDelta: () => deltas++,
        },
      );
      assert.deepEqual(response.content, [{ type: 'text', text: 'Typing this out slowly, a few words at a time.' }]);
      assert.equal(deltas, 2);
    } finally {
      await live.close();
    }
  });

  it('stops at once when the caller aborts', async () => {
    const slow = await startScripted({
      turns: [{ content: [{ type: 'text', text: 'late' }], faults: [{ kind: 'rate_limit', retry_after_seconds: 30 }] }],
    });
    try {
      const client = clientFor(slow);
      const controller = new AbortController();
      const pending = client.createMessage(request([{ role: 'user', content: [{ type: 'text', text: 'go' }] }]), {
        signal: controller.signal,
      });
      // Abort once the server has answered 429 and the SDK sits in its 30 s retry wait.
      while (slow.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
      controller.abort();
      await assert.rejects(pending, (error: unknown) => {
        assert.ok(error instanceof ModelRequestError);
        assert.equal(error.aborted, true);
        assert.equal(error.errorType, 'request_aborted');
        return true;
      });
      assert.equal(slow.requests.length, 1);
      // An already aborted signal never reaches the server.
      await assert.rejects(
        client.createMessage(request([{ role: 'user', content: [{ type: 'text', text: 'go' }] }]), {
          signal: AbortSignal.abort(),
        }),
        (error: unknown) => error instanceof ModelRequestError && error.aborted,
      );
      assert.equal(slow.requests.length, 1);
    } finally {
      await slow.close();
    }
  });
});
