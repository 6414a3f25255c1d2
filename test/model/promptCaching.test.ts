// Prompt caching end to end: the client's breakpoints make each request repeat the previous one's prefix
// byte for byte, and the scripted server's cache simulation reports it as cache reads.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelResponse, RequestMessage } from '../../src/core/model/modelClient.ts';
import { toMessageCreateParams } from '../../src/node/model/messageCreateParams.ts';
import { PromptCacheSimulator } from '../../src/testkit/model/promptCacheSimulator.ts';
import type { RecordedRequest, ScriptedModelServer } from '../../src/testkit/model/scriptedModelServer.ts';
import { clientFor, request, startScripted } from './modelTestKit.ts';

const TURNS = 20;

function stripCache(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripCache);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== 'cache_control')
        .map(([k, v]) => [k, stripCache(v)]),
    );
  }
  return value;
}

/** The cached part of a request body in cache order, as bytes without cache_control. */
function prefixBytes(body: unknown): string[] {
  const b = body as { tools?: unknown[]; system?: unknown[]; messages: { role: string; content: unknown[] }[] };
  return [
    ...(b.tools ?? []).map((t) => JSON.stringify(stripCache(t))),
    ...(b.system ?? []).map((s) => JSON.stringify(stripCache(s))),
    ...b.messages.flatMap((m) => m.content.map((c) => `${m.role}:${JSON.stringify(stripCache(c))}`)),
  ];
}

describe('prompt caching', () => {
  let server: ScriptedModelServer;
  const responses: ModelResponse[] = [];
  before(async () => {
    const turns = Array.from({ length: TURNS }, (_, i) =>
      i === TURNS - 1
        ? { content: [{ type: 'text', text: 'Finished.' }] }
        : {
            content: [
              { type: 'text', text: `Step ${i}: reading the next file.` },
              { type: 'tool_use', name: 'read', input: { path: `src/file${i}.ts` } },
            ],
          },
    );
    server = await startScripted({ turns });
    const client = clientFor(server);
    const messages: RequestMessage[] = [
      { role: 'user', content: [{ type: 'text', text: 'Read every file and summarise.' }] },
    ];
    for (let i = 0; i < TURNS; i++) {
      const response = await client.createMessage(request(messages));
      responses.push(response);
      messages.push({ role: 'assistant', content: response.content as RequestMessage['content'] });
      const use = response.content.find((b) => b.type === 'tool_use');
      if (!use) break;
      messages.push({
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: use.id, content: `// file ${i}\n${'export const x = 1;\n'.repeat(20)}` },
        ],
      });
    }
  });
  after(() => server.close());

  const served = (): RecordedRequest[] => server.requests.filter((r) => r.outcome.kind === 'turn');

  it('puts at most 4 breakpoints on the system prompt, the last tool and the latest user messages', () => {
    const bodies = served().map((r) => r.body as Record<string, unknown>);
    for (const body of bodies) {
      const count = JSON.stringify(body).split('"cache_control"').length - 1;
      assert.ok(count <= 4, `${count} breakpoints`);
    }
    const second = bodies[1] as {
      tools: { cache_control?: unknown }[];
      system: { cache_control?: unknown }[];
      messages: { content: { cache_control?: unknown }[] }[];
    };
    assert.deepEqual(second.tools.at(-1)?.cache_control, { type: 'ephemeral' });
    assert.equal(second.tools[0]?.cache_control, undefined);
    assert.deepEqual(second.system[0]?.cache_control, { type: 'ephemeral' });
    assert.deepEqual(second.messages[2]?.content.at(-1)?.cache_control, { type: 'ephemeral' });
    assert.deepEqual(second.messages[0]?.content.at(-1)?.cache_control, { type: 'ephemeral' });
    assert.equal(second.messages[1]?.content.at(-1)?.cache_control, undefined);
  });

  it('each request repeats the previous one byte for byte as its prefix', () => {
    const bodies = served().map((r) => prefixBytes(r.body));
    assert.equal(bodies.length, TURNS);
    for (let i = 1; i < bodies.length; i++) {
      const previous = bodies[i - 1] ?? [];
      assert.deepEqual(bodies[i]?.slice(0, previous.length), previous, `request ${i} diverges from request ${i - 1}`);
    }
  });

  it('the first request writes the cache, the second reads what the first wrote', () => {
    const [first, second] = responses;
    assert.ok(first && second);
    assert.equal(first.usage.cache_read_input_tokens, 0);
    assert.ok(first.usage.cache_creation_input_tokens > 0);
    const [r1, r2] = served();
    assert.ok(r1?.outcome.kind === 'turn' && r2?.outcome.kind === 'turn');
    // Everything the first request sent is read back by the second.
    assert.equal(r2.outcome.cache.cache_read_bytes, r1.outcome.cache.total_bytes);
    assert.equal(
      second.usage.cache_read_input_tokens,
      first.usage.cache_creation_input_tokens + first.usage.input_tokens,
    );
    assert.ok(second.usage.cache_creation_input_tokens > 0);
  });

  it('on a 20-turn thread each request reads all of the previous one from the cache (>= 90% at the end)', () => {
    const shares = served()
      .slice(1)
      .map((r) => (r.outcome.kind === 'turn' ? r.outcome.cache.cache_read_bytes / r.outcome.cache.total_bytes : 0));
    const last = shares.at(-1) ?? 0;
    assert.ok(last >= 0.9, `last request reads ${last.toFixed(3)} of its bytes from the cache`);
    // Every request reads back all of the previous one: only the new turn is uncached.
    const records = served();
    for (let i = 1; i < records.length; i++) {
      const [prev, cur] = [records[i - 1]?.outcome, records[i]?.outcome];
      assert.ok(prev?.kind === 'turn' && cur?.kind === 'turn');
      assert.equal(cur.cache.cache_read_bytes, prev.cache.total_bytes, `request ${i}`);
    }
  });

  it('a changed system prompt keeps only the tools prefix', async () => {
    const client = clientFor(server);
    const response = await client.createMessage(
      request([{ role: 'user', content: [{ type: 'text', text: 'Read every file and summarise.' }] }], {
        system: 'A different system prompt.',
      }),
    );
    const record = server.requests.at(-1);
    assert.ok(record?.outcome.kind === 'turn');
    const toolBytes = prefixBytes(record.body)
      .slice(0, 2)
      .reduce((n, s) => n + Buffer.byteLength(`tool:${s}`), 0);
    assert.equal(record.outcome.cache.cache_read_bytes, toolBytes);
    assert.ok(response.usage.cache_read_input_tokens > 0);
  });
});

describe('PromptCacheSimulator', () => {
  it('reads nothing and writes nothing without breakpoints', () => {
    const sim = new PromptCacheSimulator();
    const body = { model: 'm', messages: [{ role: 'user', content: 'hello there' }] };
    const first = sim.account(body);
    const again = sim.account(body);
    assert.deepEqual(again.usage, first.usage);
    assert.equal(again.usage.cache_read_input_tokens, 0);
    assert.equal(again.usage.cache_creation_input_tokens, 0);
    assert.ok(again.usage.input_tokens > 0);
  });

  it('keys the cache by model and by exact bytes', () => {
    const sim = new PromptCacheSimulator();
    const cc = { type: 'ephemeral' };
    const body = (model: string, text: string) => ({
      model,
      messages: [{ role: 'user', content: [{ type: 'text', text, cache_control: cc }] }],
    });
    sim.account(body('m1', 'x'.repeat(400)));
    assert.equal(sim.account(body('m1', 'x'.repeat(400))).usage.cache_read_input_tokens > 0, true);
    assert.equal(sim.account(body('m2', 'x'.repeat(400))).usage.cache_read_input_tokens, 0);
    assert.equal(sim.account(body('m1', `${'x'.repeat(399)}y`)).usage.cache_read_input_tokens, 0);
  });

  it('toMessageCreateParams leaves out an empty system prompt and caps breakpoints at 4', () => {
    const messages: RequestMessage[] = [
      { role: 'user', content: [{ type: 'text', text: 'a' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'b' }] },
      { role: 'user', content: [{ type: 'text', text: 'c' }] },
    ];
    const params = toMessageCreateParams(request(messages, { system: '' }));
    assert.equal(params.system, undefined);
    assert.equal(JSON.stringify(params).split('cache_control').length - 1, 3);
    const full = toMessageCreateParams(request(messages));
    assert.equal(JSON.stringify(full).split('cache_control').length - 1, 4);
  });
});
