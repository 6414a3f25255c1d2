// Turns a port-level ModelRequest into Messages API parameters with prompt-cache breakpoints.
// The cache works on the request's prefix (tools, then system, then messages), so every block is rebuilt
// with a fixed key order: the same history always serializes to the same bytes, and each request repeats
// the previous one's prefix byte for byte. `cache_control` is not part of the cached bytes, so moving a
// breakpoint forward does not spoil the prefix.
import type {
  CacheControlEphemeral,
  ContentBlockParam,
  MessageCreateParamsBase,
  MessageParam,
  TextBlockParam,
  Tool,
} from '@anthropic-ai/sdk/resources/messages';
import type { ModelRequest, RequestBlock, RequestMessage } from '../../core/model/modelClient.ts';

/** The API accepts at most this many cache_control breakpoints per request. */
export const MAX_CACHE_BREAKPOINTS = 4;

const EPHEMERAL: CacheControlEphemeral = { type: 'ephemeral' };

/**
 * Breakpoints, at most four: the last tool (tools change least), the system prompt, the last block of
 * the previous user message (exactly where the previous request put its last breakpoint, so a turn that
 * added more than the API's 20-block look-back still reads it), and the last block of the latest message.
 */
export function toMessageCreateParams(request: ModelRequest): MessageCreateParamsBase {
  const params: MessageCreateParamsBase = {
    model: request.model,
    max_tokens: request.max_tokens,
    messages: request.messages.map(toMessageParam),
  };
  let breakpoints = 0;
  if (request.tools.length > 0) {
    params.tools = request.tools.map((t): Tool => ({
      name: t.name,
      description: t.description,
      input_schema: t.input_schema,
    }));
    const last = params.tools[params.tools.length - 1];
    if (last) {
      last.cache_control = EPHEMERAL;
      breakpoints++;
    }
  }
  // An empty text block is a 400, so no system prompt means no system field.
  if (request.system.length > 0) {
    const system: TextBlockParam = { type: 'text', text: request.system, cache_control: EPHEMERAL };
    params.system = [system];
    breakpoints++;
  }
  const messages = params.messages;
  const lastIndex = messages.length - 1;
  const targets: number[] = [];
  if (lastIndex >= 0) targets.push(lastIndex);
  // The previous request ended with the user message two before the latest one (assistant turn between).
  if (lastIndex >= 2 && messages[lastIndex - 2]?.role === messages[lastIndex]?.role) targets.push(lastIndex - 2);
  for (const index of targets) {
    if (breakpoints >= MAX_CACHE_BREAKPOINTS) break;
    if (markLastCacheableBlock(messages[index])) breakpoints++;
  }
  return params;
}

function markLastCacheableBlock(message: MessageParam | undefined): boolean {
  if (!message || typeof message.content === 'string') return false;
  for (let i = message.content.length - 1; i >= 0; i--) {
    const block = message.content[i];
    // Thinking blocks cannot carry cache_control; the block before them can.
    if (block && (block.type === 'text' || block.type === 'tool_use' || block.type === 'tool_result')) {
      block.cache_control = EPHEMERAL;
      return true;
    }
  }
  return false;
}

function toMessageParam(message: RequestMessage): MessageParam {
  return { role: message.role, content: message.content.map(toBlockParam) };
}

function toBlockParam(block: RequestBlock): ContentBlockParam {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text };
    case 'tool_use':
      return { type: 'tool_use', id: block.id, name: block.name, input: block.input };
    case 'tool_result':
      return block.is_error === undefined
        ? { type: 'tool_result', tool_use_id: block.tool_use_id, content: block.content }
        : { type: 'tool_result', tool_use_id: block.tool_use_id, content: block.content, is_error: block.is_error };
    case 'thinking':
      return { type: 'thinking', thinking: block.thinking, signature: block.signature };
    case 'redacted_thinking':
      return { type: 'redacted_thinking', data: block.data };
  }
}
