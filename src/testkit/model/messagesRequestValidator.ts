// Checks a Messages API request body the way the real API does, so the scripted model server catches
// harness bugs (an unanswered tool_use, roles out of order, a bad tool schema) with the API's 400.
// Messages follow the API's wording closely enough for a reader to recognise them.
import { Ajv2020 } from 'ajv/dist/2020';

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;
const MAX_CACHE_BREAKPOINTS = 4;
const USER_BLOCKS = new Set(['text', 'image', 'document', 'tool_result', 'search_result']);
const ASSISTANT_BLOCKS = new Set([
  'text',
  'tool_use',
  'thinking',
  'redacted_thinking',
  'server_tool_use',
  'web_search_tool_result',
]);

type Json = Record<string, unknown>;

export class MessagesRequestValidator {
  private readonly ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: false });
  /** Schema text → problem (or '' when valid): harnesses send the same tools on every request. */
  private readonly schemaVerdicts = new Map<string, string>();

  /** The first problem found, in the API's words, or undefined when the request is valid. */
  validate(body: unknown): string | undefined {
    if (!isObject(body)) return 'request body must be a JSON object';
    if (body.model === undefined) return 'model: Field required';
    if (typeof body.model !== 'string' || body.model.length === 0) return 'model: Input should be a valid string';
    if (body.max_tokens === undefined) return 'max_tokens: Field required';
    if (!Number.isInteger(body.max_tokens) || (body.max_tokens as number) < 1) {
      return 'max_tokens: Input should be a valid integer greater than or equal to 1';
    }
    if (body.stream !== undefined && typeof body.stream !== 'boolean') return 'stream: Input should be a valid boolean';
    const breakpoints = { count: 0 };
    const toolProblem = this.validateTools(body.tools, breakpoints);
    if (toolProblem) return toolProblem;
    const systemProblem = validateSystem(body.system, breakpoints);
    if (systemProblem) return systemProblem;
    const messageProblem = validateMessages(body.messages, breakpoints);
    if (messageProblem) return messageProblem;
    if (breakpoints.count > MAX_CACHE_BREAKPOINTS) {
      return `A maximum of ${MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. Found ${breakpoints.count}.`;
    }
    return undefined;
  }

  private validateTools(tools: unknown, breakpoints: { count: number }): string | undefined {
    if (tools === undefined) return undefined;
    if (!Array.isArray(tools)) return 'tools: Input should be a valid list';
    const names = new Set<string>();
    for (const [i, tool] of tools.entries()) {
      const where = `tools.${i}`;
      if (!isObject(tool)) return `${where}: Input should be a valid dictionary`;
      if (typeof tool.name !== 'string') return `${where}.name: Field required`;
      if (!TOOL_NAME.test(tool.name)) return `${where}.name: String should match pattern '${TOOL_NAME.source}'`;
      if (names.has(tool.name)) return `tools: Tool names must be unique. Duplicate name: '${tool.name}'`;
      names.add(tool.name);
      const cacheProblem = countCacheControl(tool, where, breakpoints);
      if (cacheProblem) return cacheProblem;
      // Server tools (`{type: "bash_20250124", name}`) carry no schema.
      if (tool.type !== undefined && tool.type !== 'custom') continue;
      if (tool.description !== undefined && typeof tool.description !== 'string') {
        return `${where}.description: Input should be a valid string`;
      }
      const schemaProblem = this.validateInputSchema(tool.input_schema);
      if (schemaProblem) return `${where}.custom.input_schema: ${schemaProblem}`;
    }
    return undefined;
  }

  private validateInputSchema(schema: unknown): string | undefined {
    if (schema === undefined) return 'Field required';
    if (!isObject(schema)) return 'Input should be a valid dictionary';
    if (schema.type !== 'object') return `JSON schema is invalid: the top-level type must be 'object'`;
    const key = JSON.stringify(schema);
    let verdict = this.schemaVerdicts.get(key);
    if (verdict === undefined) {
      verdict = '';
      try {
        this.ajv.compile(schema);
      } catch (error) {
        verdict = `JSON schema is invalid - please consult https://json-schema.org or our documentation: ${(error as Error).message}`;
      } finally {
        this.ajv.removeSchema(schema);
      }
      this.schemaVerdicts.set(key, verdict);
    }
    return verdict || undefined;
  }
}

function validateSystem(system: unknown, breakpoints: { count: number }): string | undefined {
  if (system === undefined || typeof system === 'string') return undefined;
  if (!Array.isArray(system)) return 'system: Input should be a valid string or list of text blocks';
  for (const [i, block] of system.entries()) {
    if (!isObject(block) || block.type !== 'text') return `system.${i}.type: Input should be 'text'`;
    if (typeof block.text !== 'string' || block.text.length === 0)
      return 'system: text content blocks must be non-empty';
    const cacheProblem = countCacheControl(block, `system.${i}`, breakpoints);
    if (cacheProblem) return cacheProblem;
  }
  return undefined;
}

function validateMessages(messages: unknown, breakpoints: { count: number }): string | undefined {
  if (messages === undefined) return 'messages: Field required';
  if (!Array.isArray(messages)) return 'messages: Input should be a valid list';
  if (messages.length === 0) return 'messages: at least one message is required';
  const seenToolUseIds = new Set<string>();
  /** tool_use ids of the previous assistant message, to be answered by the next user message. */
  let pending: string[] = [];
  let pendingIndex = -1;
  for (const [i, message] of messages.entries()) {
    const where = `messages.${i}`;
    if (!isObject(message)) return `${where}: Input should be a valid dictionary`;
    const role = message.role;
    if (role !== 'user' && role !== 'assistant') return `${where}.role: Input should be 'user' or 'assistant'`;
    if (i === 0 && role !== 'user') return 'messages: first message must use the "user" role';
    const previous = i > 0 ? (messages[i - 1] as Json).role : undefined;
    if (previous === role) {
      return `messages: roles must alternate between "user" and "assistant", but found multiple "${role}" roles in a row (messages.${i - 1} and messages.${i})`;
    }
    const blocks = normalizeContent(message.content);
    if (typeof blocks === 'string') return `${where}.content: ${blocks}`;
    const answered = new Set<string>();
    const allowed = role === 'user' ? USER_BLOCKS : ASSISTANT_BLOCKS;
    let sawOtherBlock = false;
    for (const [j, block] of blocks.entries()) {
      const at = `${where}.content.${j}`;
      if (!isObject(block) || typeof block.type !== 'string') return `${at}.type: Field required`;
      if (!allowed.has(block.type)) {
        return `${at}.type: '${block.type}' blocks are not allowed in "${role}" messages`;
      }
      const cacheProblem = countCacheControl(block, at, breakpoints);
      if (cacheProblem) return cacheProblem;
      switch (block.type) {
        case 'text':
          if (typeof block.text !== 'string') return `${at}.text: Field required`;
          if (block.text.length === 0) return 'messages: text content blocks must be non-empty';
          sawOtherBlock = true;
          break;
        case 'tool_use': {
          if (typeof block.id !== 'string' || block.id.length === 0) return `${at}.id: Field required`;
          if (typeof block.name !== 'string' || !TOOL_NAME.test(block.name)) {
            return `${at}.name: String should match pattern '${TOOL_NAME.source}'`;
          }
          if (!isObject(block.input)) return `${at}.input: Input should be a valid dictionary`;
          if (seenToolUseIds.has(block.id))
            return `messages: \`tool_use\` ids must be unique. Duplicate id: ${block.id}`;
          seenToolUseIds.add(block.id);
          break;
        }
        case 'tool_result': {
          if (typeof block.tool_use_id !== 'string') return `${at}.tool_use_id: Field required`;
          if (!pending.includes(block.tool_use_id)) {
            return `${at}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${block.tool_use_id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
          }
          if (answered.has(block.tool_use_id)) {
            return `${at}: each \`tool_use\` must have a single result. Found multiple \`tool_result\` blocks with id: ${block.tool_use_id}`;
          }
          if (sawOtherBlock) {
            return `${at}: \`tool_result\` blocks must come first in the user message, before any other content`;
          }
          const contentProblem = validateToolResultContent(block.content);
          if (contentProblem) return `${at}.content: ${contentProblem}`;
          answered.add(block.tool_use_id);
          break;
        }
        default:
          sawOtherBlock = true;
      }
    }
    if (pending.length > 0) {
      const missing = pending.filter((id) => !answered.has(id));
      if (missing.length > 0) {
        return `messages.${pendingIndex}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
      }
    }
    pending =
      role === 'assistant'
        ? blocks.filter((b) => isObject(b) && b.type === 'tool_use').map((b) => String((b as Json).id))
        : [];
    pendingIndex = i;
  }
  if (pending.length > 0) {
    return `messages.${pendingIndex}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${pending.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
  }
  return undefined;
}

function validateToolResultContent(content: unknown): string | undefined {
  if (content === undefined || typeof content === 'string') return undefined;
  if (!Array.isArray(content)) return 'Input should be a valid string or list of content blocks';
  for (const block of content) {
    if (
      !isObject(block) ||
      (block.type !== 'text' && block.type !== 'image' && block.type !== 'document' && block.type !== 'search_result')
    ) {
      return "tool_result content blocks must be of type 'text', 'image', 'document' or 'search_result'";
    }
    if (block.type === 'text' && (typeof block.text !== 'string' || block.text.length === 0)) {
      return 'text content blocks must be non-empty';
    }
  }
  return undefined;
}

/** Content as a list of blocks, or a problem. A string is one text block. */
function normalizeContent(content: unknown): unknown[] | string {
  if (typeof content === 'string') {
    return content.length === 0 ? 'text content blocks must be non-empty' : [{ type: 'text', text: content }];
  }
  if (!Array.isArray(content)) return 'Input should be a valid string or list of content blocks';
  if (content.length === 0) return 'messages must have non-empty content';
  return content;
}

function countCacheControl(block: Json, where: string, breakpoints: { count: number }): string | undefined {
  const cc = block.cache_control;
  if (cc === undefined || cc === null) return undefined;
  if (!isObject(cc) || cc.type !== 'ephemeral') return `${where}.cache_control.type: Input should be 'ephemeral'`;
  if (cc.ttl !== undefined && cc.ttl !== '5m' && cc.ttl !== '1h')
    return `${where}.cache_control.ttl: Input should be '5m' or '1h'`;
  breakpoints.count++;
  return undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
