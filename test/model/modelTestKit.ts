// Shared set-up for the model tests: a scripted model server on a free port and a real SDK client
// pointed at it, with retry delays short enough for a test.
import { AnthropicModelClient, type AnthropicModelClientOptions } from '../../src/node/model/anthropicModelClient.ts';
import { parseModelScript } from '../../src/testkit/model/modelScript.ts';
import { ScriptedModelServer } from '../../src/testkit/model/scriptedModelServer.ts';
import type { ModelRequest, ToolSpec } from '../../src/core/model/modelClient.ts';

export async function startScripted(script: unknown): Promise<ScriptedModelServer> {
  return ScriptedModelServer.start({ script: parseModelScript(script, 'test script') });
}

export function clientFor(
  server: ScriptedModelServer,
  options: Partial<AnthropicModelClientOptions> = {},
): AnthropicModelClient {
  return new AnthropicModelClient({
    apiKey: 'test-key',
    baseURL: server.url,
    maxRetries: 4,
    retryBaseDelayMs: 5,
    retryMaxDelayMs: 20,
    ...options,
  });
}

export const readTool: ToolSpec = {
  name: 'read',
  description: 'Read a file',
  input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
};

export const bashTool: ToolSpec = {
  name: 'bash',
  description: 'Run a command',
  input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] },
};

export function request(messages: ModelRequest['messages'], extra: Partial<ModelRequest> = {}): ModelRequest {
  return {
    model: 'claude-sonnet-4-6',
    max_tokens: 1024,
    system: 'You are a careful coder working in a git worktree.',
    tools: [readTool, bashTool],
    messages,
    ...extra,
  };
}
