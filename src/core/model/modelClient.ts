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
  /** List price of this request from the adapter's price table; `priced: false` (usd 0) for a model
   * the table does not know, so a budget can refuse to run it blind. */
  cost?: ModelCost;
}

export interface ModelCost {
  usd: number;
  priced: boolean;
}

export interface ModelCallOptions {
  signal?: AbortSignal;
  /** Streamed text as it arrives, for live display only; the response is what counts. */
  onTextDelta?: (text: string) => void;
  /** The agent this request is for; sent as the `x-agent-os-agent` header (the scripted model server
   * picks the agent's script by it). */
  agentName?: string;
  /** A whole attempt failed mid-stream and is about to be retried: text already passed to onTextDelta
   * will be streamed again from the start. */
  onRetry?: (info: { attempt: number; reason: string; delayMs: number }) => void;
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
