// A multi-turn session across every built-in tool, through the real SDK: each request of the thread
// repeats the previous request's prefix byte for byte (so the prompt cache serves it), and the usage
// and cost the API reports land in `span.model_request_end`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { foldSession } from '../../src/core/session/sessionState.ts';
import { costOf } from '../../src/node/model/priceTable.ts';
import { ofType, resultText, startWorld, type HarnessWorld } from './harnessWorld.ts';

let world: HarnessWorld;

const TURNS = [
  {
    content: [
      { type: 'text', text: 'Creating the module.' },
      {
        type: 'tool_use',
        name: 'write',
        input: { file_path: 'src/add.js', content: 'module.exports = (a, b) => a - b;\n' },
      },
    ],
  },
  {
    content: [
      { type: 'tool_use', name: 'edit', input: { file_path: 'src/add.js', old_string: 'a - b', new_string: 'a + b' } },
    ],
  },
  {
    content: [{ type: 'tool_use', name: 'read', input: { file_path: 'src/add.js' } }],
    expect: { last_user_text_includes: '' },
  },
  { content: [{ type: 'tool_use', name: 'glob', input: { pattern: '**/*.js' } }] },
  { content: [{ type: 'tool_use', name: 'grep', input: { pattern: 'a \\+ b' } }] },
  {
    content: [
      { type: 'text', text: 'Checking it runs.' },
      { type: 'tool_use', name: 'bash', input: { command: 'node -e "console.log(require(\'./src/add.js\')(2, 3))"' } },
      { type: 'tool_use', name: 'bash', input: { command: 'cat src/add.js | wc -l' } },
    ],
  },
  { content: [{ type: 'text', text: 'Done: src/add.js adds.' }], expect: { last_user_text_includes: '5' } },
];

before(async () => {
  world = await startWorld({ agents: { Coder: TURNS } });
});

after(async () => {
  await world.close();
});

/** A request body without its cache breakpoints: what the API's cache keys on. */
function withoutCacheControl(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutCacheControl);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (k !== 'cache_control') out[k] = withoutCacheControl(v);
    return out;
  }
  return value;
}

test('seven turns over six tools: results in order, files in the worktree, requests cache their prefix, usage and cost recorded', async () => {
  const { id, reason } = await world.run('Coder', 'Write src/add.js');
  assert.deepEqual(reason, { type: 'end_turn' });
  const events = await world.events(id);

  // Tools ran in order, once each, with real results.
  const uses = ofType(events, 'agent.tool_use');
  assert.deepEqual(
    uses.map((u) => u.name),
    ['write', 'edit', 'read', 'glob', 'grep', 'bash', 'bash'],
  );
  assert.ok(uses.every((u) => u.evaluated_permission === 'allow'));
  const results = ofType(events, 'agent.tool_result');
  assert.equal(results.length, uses.length);
  assert.deepEqual(
    results.map((r) => r.tool_use_id),
    uses.map((u) => u.id),
    'each result answers its call, in order',
  );
  assert.ok(
    results.every((r) => !r.is_error),
    results.map(resultText).join('\n'),
  );
  assert.match(resultText(results[2]), /a \+ b/);
  assert.match(resultText(results[3]), /add\.js/);
  assert.match(resultText(results[4]), /add\.js/);
  assert.equal(resultText(results[5]).trim(), '5');
  assert.equal(resultText(results[6]).trim(), '1');
  assert.equal(
    readFileSync(join(await world.worktree(id), 'src/add.js'), 'utf8'),
    'module.exports = (a, b) => a + b;\n',
  );
  assert.deepEqual(
    ofType(events, 'agent.message').map((m) => m.content[0]?.text),
    ['Creating the module.', 'Checking it runs.', 'Done: src/add.js adds.'],
  );

  // The wire: seven requests, each repeating the previous one whole (tools, system, every earlier message).
  const requests = world.requests('Coder');
  assert.equal(requests.length, TURNS.length);
  assert.ok(requests.every((r) => r.outcome.kind === 'turn' && r.stream));
  for (let i = 1; i < requests.length; i++) {
    const previous = withoutCacheControl(requests[i - 1]?.body) as {
      tools: unknown;
      system: unknown;
      messages: unknown[];
    };
    const current = withoutCacheControl(requests[i]?.body) as { tools: unknown; system: unknown; messages: unknown[] };
    assert.equal(JSON.stringify(current.tools), JSON.stringify(previous.tools), `request ${i + 1}: tools changed`);
    assert.equal(JSON.stringify(current.system), JSON.stringify(previous.system), `request ${i + 1}: system changed`);
    assert.equal(
      JSON.stringify(current.messages.slice(0, previous.messages.length)),
      JSON.stringify(previous.messages),
      `request ${i + 1} does not start with request ${i}'s messages byte for byte`,
    );
    assert.ok(current.messages.length > previous.messages.length);
    // The simulated cache agrees: everything the previous request sent is read back, nothing re-written.
    const now = requests[i]?.outcome;
    const then = requests[i - 1]?.outcome;
    assert.ok(now?.kind === 'turn' && then?.kind === 'turn');
    const cache = now.cache;
    const before = then.cache;
    assert.equal(
      cache.cache_read_bytes,
      before.total_bytes,
      `request ${i + 1} reads the whole previous prefix from the cache`,
    );
    assert.ok(cache.breakpoints <= 4);
  }
  const body = requests[0]?.body as { system: { cache_control?: unknown }[]; tools: { cache_control?: unknown }[] };
  assert.ok(body.system[0]?.cache_control, 'the system prompt carries a breakpoint');
  assert.ok(body.tools.at(-1)?.cache_control, 'the last tool carries a breakpoint');

  // Usage and cost: each span end carries exactly what the server reported for its request, priced.
  const ends = ofType(events, 'span.model_request_end');
  assert.equal(ends.length, requests.length);
  assert.equal(ofType(events, 'span.model_request_start').length, requests.length);
  let total = 0;
  ends.forEach((end, i) => {
    const served = requests[i]?.outcome;
    assert.ok(served?.kind === 'turn');
    assert.equal(end.is_error, false);
    assert.deepEqual(end.model_usage, served.usage, `request ${i + 1}: usage`);
    const model = String((requests[i]?.body as { model?: string } | undefined)?.model);
    const cost = costOf(model, served.usage);
    assert.ok(cost.priced, `${model} is priced`);
    assert.ok(end.cost_usd > 0);
    assert.equal(end.cost_usd, cost.usd, `request ${i + 1}: cost`);
    total += end.cost_usd;
  });
  assert.equal(ends[0]?.model_usage.cache_read_input_tokens, 0);
  assert.ok(
    (ends[0]?.model_usage.cache_creation_input_tokens ?? 0) > 500,
    'the first request writes the system prompt and tools',
  );
  for (const end of ends.slice(1)) {
    assert.ok(
      end.model_usage.cache_read_input_tokens > end.model_usage.cache_creation_input_tokens,
      'later requests mostly read the cache',
    );
  }
  const state = foldSession(id, events);
  assert.equal(state.usage.model_requests, TURNS.length);
  assert.ok(Math.abs(state.usage.cost_usd - total) < 1e-9);
});

test('across a delegation each thread repeats its own previous request, so the cache serves both', async () => {
  const delegating = await startWorld({
    agents: {
      Coordinator: [
        {
          content: [
            { type: 'text', text: 'Asking the Coder.' },
            { type: 'tool_use', name: 'send_to_agent', input: { agent_name: 'Coder', message: 'Write src/add.js' } },
          ],
        },
        {
          content: [{ type: 'tool_use', name: 'read', input: { file_path: 'README.md' } }],
          expect: { last_user_text_includes: 'Done: src/add.js adds.' },
        },
        { content: [{ type: 'text', text: 'All done.' }] },
      ],
      Coder: TURNS,
    },
  });
  try {
    const { reason } = await delegating.run('Coordinator', 'Get src/add.js written.');
    assert.deepEqual(reason, { type: 'end_turn' });
    for (const agent of ['Coordinator', 'Coder']) {
      const requests = delegating.requests(agent);
      assert.ok(requests.length >= 3);
      for (let i = 1; i < requests.length; i++) {
        const now = requests[i]?.outcome;
        const then = requests[i - 1]?.outcome;
        assert.ok(now?.kind === 'turn' && then?.kind === 'turn');
        assert.equal(
          now.cache.cache_read_bytes,
          then.cache.total_bytes,
          `${agent} request ${i + 1} reads its previous request whole`,
        );
      }
    }
  } finally {
    await delegating.close();
  }
});
