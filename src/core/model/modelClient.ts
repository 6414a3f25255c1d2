// The ModelClient port: one Messages API request. The adapter (src/node/model/anthropicModelClient.ts)
// reaches the API through @anthropic-ai/sdk; tests point it at the scripted model server.
import type { AssistantBlock, ModelUsage } from '../events/sessionEvent.ts';

export interface ToolSpec {
  name: string;
  description: string;
  input_schema: { type: 'object'; properties?: Record<string, unknown>; required?: string[]; [k: string]: unknown };
}

export type RequestBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; tool_use_id: string; content: string; is_error?: boolean }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string };

export interface RequestMessage {
  role: 'user' | 'assistant';
  content: RequestBlock[];
}

export interface ModelRequest {
  model: string;
  max_tokens: number;
  system: string;
  tools: ToolSpec[];
  messages: RequestMessage[];
}

export interface ModelResponse {
  model: string;
  content: AssistantBlock[];
  stop_reason: string | null;
  usage: ModelUsage;
}

export interface ModelCallOptions {
  signal?: AbortSignal;
  /** Streamed text as it arrives, for live display only; the response is what counts. */
  onTextDelta?: (text: string) => void;
}

export interface ModelClient {
  /** Resolves with the whole assistant turn. Transient faults (429, 529, 5xx, resets, cut streams)
   * are retried inside; what is left rejects with ModelRequestError. */
  createMessage(request: ModelRequest, options?: ModelCallOptions): Promise<ModelResponse>;
}

/** Price per million tokens, in US dollars. */
export interface ModelPrice {
  input: number;
  output: number;
  cache_write: number;
  cache_read: number;
}
