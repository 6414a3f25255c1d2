// The scripted model server refuses what the real API refuses, in the API's error shape, and the model
// client surfaces that as ModelRequestError with the API's message. Raw HTTP checks the wire shape;
// the SDK checks what the harness would see.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ModelRequestError } from '../../src/core/errors.ts';
import type { ModelRequest, RequestMessage } from '../../src/core/model/modelClient.ts';
import type { ScriptedModelServer } from '../../src/testkit/model/scriptedModelServer.ts';
import { bashTool, clientFor, readTool, request, startScripted } from './modelTestKit.ts';

const user = (text: string): RequestMessage => ({ role: 'user', content: [{ type: 'text', text }] });
const assistant = (text: string): RequestMessage => ({ role: 'assistant', content: [{ type: 'text', text }] });
const useRead = (id: string): RequestMessage => ({
  role: 'assistant',
  content: [{ type: 'tool_use', id, name: 'read', input: { path: 'a.txt' } }],
});
const result = (...ids: string[]): RequestMessage => ({
  role: 'user',
  content: ids.map((id) => ({ type: 'tool_result' as const, tool_use_id: id, content: 'ok' })),
});

describe('scripted model server request validation', () => {
  let server: ScriptedModelServer;
  before(async () => {
    server = await startScripted({
      turns: Array.from({ length: 5 }, () => ({ content: [{ type: 'text', text: 'fine' }] })),
    });
  });
  after(() => server.close());

  async function rejected(req: ModelRequest): Promise<ModelRequestError> {
    const error = await clientFor(server)
      .createMessage(req)
      .catch((e: unknown) => e);
    assert.ok(error instanceof ModelRequestError, `expected ModelRequestError, got ${String(error)}`);
    assert.equal(error.status, 400);
    assert.equal(error.errorType, 'invalid_request_error');
    assert.equal(error.retryable, false);
    return error;
  }

  it('accepts a well-formed tool exchange', async () => {
    const response = await clientFor(server).createMessage(
      request([user('go'), useRead('toolu_a'), result('toolu_a')]),
    );
    assert.deepEqual(response.content, [{ type: 'text', text: 'fine' }]);
  });

  it('a tool_use left unanswered', async () => {
    const error = await rejected(request([user('go'), useRead('toolu_a'), user('and then?')]));
    assert.match(
      error.apiMessage,
      /messages\.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_a/,
    );
    assert.match(error.message, /400 invalid_request_error/);
  });

  it('one of two tool_uses unanswered, and a tool_use as the last message', async () => {
    const two: RequestMessage = {
      role: 'assistant',
      content: [
        { type: 'tool_use', id: 'toolu_a', name: 'read', input: { path: 'a' } },
        { type: 'tool_use', id: 'toolu_b', name: 'bash', input: { command: 'ls' } },
      ],
    };
    assert.match(
      (await rejected(request([user('go'), two, result('toolu_a')]))).apiMessage,
      /without `tool_result` blocks immediately after: toolu_b/,
    );
    assert.match(
      (await rejected(request([user('go'), useRead('toolu_a')]))).apiMessage,
      /without `tool_result`.*toolu_a/,
    );
  });

  it('a stray tool_result with no tool_use before it', async () => {
    const error = await rejected(request([user('go'), useRead('toolu_a'), result('toolu_zzz')]));
    assert.match(error.apiMessage, /unexpected `tool_use_id` found in `tool_result` blocks: toolu_zzz/);
  });

  it('roles that do not alternate, and an assistant first', async () => {
    assert.match(
      (await rejected(request([user('a'), user('b')]))).apiMessage,
      /roles must alternate.*multiple "user" roles/,
    );
    assert.match(
      (await rejected(request([assistant('hi'), user('b')]))).apiMessage,
      /first message must use the "user" role/,
    );
  });

  it('an invalid tool input schema, a non-object schema, duplicate and bad tool names', async () => {
    const badType = { ...readTool, input_schema: { type: 'object' as const, properties: { path: { type: 'strin' } } } };
    assert.match(
      (await rejected(request([user('go')], { tools: [badType] }))).apiMessage,
      /tools\.0\.custom\.input_schema: JSON schema is invalid.*type/,
    );
    const notObject = { ...readTool, input_schema: { type: 'array' } as unknown as typeof readTool.input_schema };
    assert.match(
      (await rejected(request([user('go')], { tools: [notObject] }))).apiMessage,
      /top-level type must be 'object'/,
    );
    assert.match(
      (await rejected(request([user('go')], { tools: [readTool, readTool] }))).apiMessage,
      /Tool names must be unique/,
    );
    const spaced = { ...bashTool, name: 'run bash' };
    assert.match(
      (await rejected(request([user('go')], { tools: [spaced] }))).apiMessage,
      /tools\.0\.name: String should match pattern/,
    );
  });

  it('an empty text block', async () => {
    assert.match((await rejected(request([user('')]))).apiMessage, /text content blocks must be non-empty/);
  });

  describe('over raw HTTP', () => {
    async function post(
      body: unknown,
      headers: Record<string, string> = { 'x-api-key': 'k' },
    ): Promise<{ status: number; json: any }> {
      const res = await fetch(`${server.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: res.status, json: await res.json() };
    }

    it('answers in the API error shape', async () => {
      const { status, json } = await post({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
      assert.equal(status, 400);
      assert.equal(json.type, 'error');
      assert.deepEqual(json.error, { type: 'invalid_request_error', message: 'max_tokens: Field required' });
    });

    it('model, messages, JSON, api key, cache_control count', async () => {
      assert.equal(
        (await post({ max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })).json.error.message,
        'model: Field required',
      );
      assert.equal(
        (await post({ model: 'm', max_tokens: 5, messages: [] })).json.error.message,
        'messages: at least one message is required',
      );
      assert.match((await post('{not json')).json.error.message, /error parsing the body/);
      const noKey = await post({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, {});
      assert.equal(noKey.status, 401);
      assert.equal(noKey.json.error.type, 'authentication_error');
      const cc = { type: 'ephemeral' };
      const five = {
        model: 'm',
        max_tokens: 5,
        system: [{ type: 'text', text: 's', cache_control: cc }],
        messages: [
          { role: 'user', content: ['a', 'b', 'c', 'd'].map((text) => ({ type: 'text', text, cache_control: cc })) },
        ],
      };
      assert.equal(
        (await post(five)).json.error.message,
        'A maximum of 4 blocks with cache_control may be provided. Found 5.',
      );
    });

    it('a refused request consumes no turn and is recorded', async () => {
      const before = server.requests.length;
      await post({ model: 'm', max_tokens: 5, messages: [{ role: 'assistant', content: 'x' }] });
      const recorded = server.requests.at(-1);
      assert.equal(server.requests.length, before + 1);
      assert.equal(recorded?.outcome.kind, 'error');
      const listed = (await (await fetch(`${server.url}/_scripted/requests`)).json()) as unknown[];
      assert.equal(listed.length, server.requests.length);
    });
  });
});
