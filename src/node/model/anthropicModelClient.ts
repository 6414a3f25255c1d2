// The ModelClient port over @anthropic-ai/sdk: streaming Messages API, tool use, prompt caching.
// Retries: HTTP faults (429 with retry-after, 529, 5xx) and connection failures before the response are
// the SDK's own retry (it honours retry-after). A stream that breaks after the headers is not retried by
// the SDK, so the whole request is re-sent here, bounded, with backoff. The caller sees one response.
import { Anthropic, APIConnectionError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import type { Message, MessageCreateParamsBase } from '@anthropic-ai/sdk/resources/messages';
import type { AssistantBlock, ModelUsage } from '../../core/events/sessionEvent.ts';
import { ModelRequestError } from '../../core/errors.ts';
import type {
  ModelCallOptions,
  ModelClient,
  ModelPrice,
  ModelRequest,
  ModelResponse,
} from '../../core/model/modelClient.ts';
import { toMessageCreateParams } from './messageCreateParams.ts';
import { costOf, defaultPriceTable } from './priceTable.ts';

/** Header naming the agent a request is for; the scripted model server picks that agent's script by it. */
export const AGENT_HEADER = 'x-agent-os-agent';

export interface AnthropicModelClientOptions {
  apiKey: string;
  /** Another endpoint speaking the Messages API (the scripted model server in tests and the demo). */
  baseURL?: string;
  /** Used when a request names no model. */
  defaultModel?: string;
  /** Used when a request gives no positive max_tokens. */
  defaultMaxTokens?: number;
  /** The SDK's own retries of HTTP faults and failed connections. */
  maxRetries?: number;
  /** Whole-request retries after a stream broke mid-message. */
  maxStreamRetries?: number;
  /** First backoff delay of those whole-request retries; doubled each time, with jitter. */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** Per-attempt timeout up to the response headers, ms (the SDK's default is 10 minutes). */
  timeoutMs?: number;
  /** A streamed response with no event for this long is abandoned and retried (default 5 minutes). */
  streamIdleTimeoutMs?: number;
  /** false: one JSON response per request instead of SSE (no text deltas). */
  streaming?: boolean;
  defaultHeaders?: Record<string, string>;
  /** Prices per model id; merged over the built-in table. */
  prices?: Readonly<Record<string, ModelPrice>>;
}

export const DEFAULT_MODEL = 'claude-sonnet-4-6';
export const DEFAULT_MAX_TOKENS = 8192;

export class AnthropicModelClient implements ModelClient {
  private readonly sdk: Anthropic;
  private readonly prices: Readonly<Record<string, ModelPrice>>;
  private readonly maxStreamRetries: number;
  private readonly retryBaseDelayMs: number;
  private readonly retryMaxDelayMs: number;
  private readonly streaming: boolean;
  private readonly streamIdleTimeoutMs: number;

  constructor(private readonly options: AnthropicModelClientOptions) {
    if (!options.apiKey)
      throw new ModelRequestError('no API key configured', {
        errorType: 'authentication_error',
        apiMessage: 'no API key configured',
        retryable: false,
      });
    this.sdk = new Anthropic({
      apiKey: options.apiKey,
      baseURL: options.baseURL ?? null,
      maxRetries: options.maxRetries ?? 4,
      ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
      ...(options.defaultHeaders ? { defaultHeaders: options.defaultHeaders } : {}),
    });
    this.prices = { ...defaultPriceTable, ...options.prices };
    this.maxStreamRetries = options.maxStreamRetries ?? 3;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 500;
    this.retryMaxDelayMs = options.retryMaxDelayMs ?? 8000;
    this.streaming = options.streaming ?? true;
    this.streamIdleTimeoutMs = options.streamIdleTimeoutMs ?? 300_000;
  }

  async createMessage(request: ModelRequest, callOptions: ModelCallOptions = {}): Promise<ModelResponse> {
    const params = toMessageCreateParams({
      ...request,
      model: request.model || this.options.defaultModel || DEFAULT_MODEL,
      max_tokens: request.max_tokens > 0 ? request.max_tokens : (this.options.defaultMaxTokens ?? DEFAULT_MAX_TOKENS),
    });
    const { signal } = callOptions;
    const headers = callOptions.agentName ? { [AGENT_HEADER]: callOptions.agentName } : undefined;
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw abortedError(attempt - 1);
      try {
        const message = await this.attempt(params, headers, callOptions);
        return this.toResponse(message);
      } catch (error) {
        const verdict = classify(error, signal);
        if (verdict.kind === 'final' || attempt > this.maxStreamRetries) {
          throw toModelRequestError(error, signal, attempt, verdict.kind === 'retry');
        }
        const delayMs = this.backoff(attempt);
        callOptions.onRetry?.({ attempt, reason: verdict.reason, delayMs });
        await sleep(delayMs, signal).catch(() => undefined);
      }
    }
  }

  private async attempt(
    params: MessageCreateParamsBase,
    headers: Record<string, string> | undefined,
    callOptions: ModelCallOptions,
  ): Promise<Message> {
    const { signal } = callOptions;
    if (!this.streaming) {
      return this.sdk.messages.create(
        { ...params, stream: false },
        { ...(headers ? { headers } : {}), ...(signal ? { signal } : {}) },
      );
    }
    // The SDK's timeout ends at the response headers; a stream that goes quiet after them is ours to stop.
    const attemptController = new AbortController();
    const forwardAbort = (): void => attemptController.abort(signal?.reason);
    signal?.addEventListener('abort', forwardAbort, { once: true });
    let idle = false;
    let idleTimer: NodeJS.Timeout | undefined;
    const armIdleTimer = (): void => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        idle = true;
        attemptController.abort();
      }, this.streamIdleTimeoutMs);
    };
    const stream = this.sdk.messages.stream(params, {
      ...(headers ? { headers } : {}),
      signal: attemptController.signal,
    });
    let stopped = false;
    stream.on('connect', armIdleTimer);
    stream.on('streamEvent', (event) => {
      armIdleTimer();
      if (event.type === 'message_stop') stopped = true;
    });
    if (callOptions.onTextDelta) {
      const onTextDelta = callOptions.onTextDelta;
      stream.on('text', (delta) => onTextDelta(delta));
    }
    try {
      const message = await stream.finalMessage();
      // A body that ends cleanly but early (a proxy closing the connection) still yields a partial snapshot.
      if (!stopped) throw new StreamCutError('the stream ended before message_stop');
      return message;
    } catch (error) {
      if (idle && !signal?.aborted) throw new StreamCutError(`no stream event for ${this.streamIdleTimeoutMs} ms`);
      throw error;
    } finally {
      clearTimeout(idleTimer);
      signal?.removeEventListener('abort', forwardAbort);
    }
  }

  private toResponse(message: Message): ModelResponse {
    const usage: ModelUsage = {
      input_tokens: message.usage.input_tokens,
      output_tokens: message.usage.output_tokens,
      cache_creation_input_tokens: message.usage.cache_creation_input_tokens ?? 0,
      cache_read_input_tokens: message.usage.cache_read_input_tokens ?? 0,
    };
    return {
      model: message.model,
      content: message.content.flatMap(toAssistantBlock),
      stop_reason: message.stop_reason,
      usage,
      cost: costOf(message.model, usage, this.prices),
    };
  }

  private backoff(attempt: number): number {
    const base = Math.min(this.retryBaseDelayMs * 2 ** (attempt - 1), this.retryMaxDelayMs);
    return Math.round(base * (1 - Math.random() * 0.25));
  }
}

class StreamCutError extends Error {}

type Verdict = { kind: 'retry'; reason: string } | { kind: 'final' };

/** Whether an error that reached us (after the SDK's own retries) is worth a whole new attempt. */
function classify(error: unknown, signal: AbortSignal | undefined): Verdict {
  if (signal?.aborted || error instanceof APIUserAbortError) return { kind: 'final' };
  // The SDK already retried connection failures before the response; they are exhausted.
  if (error instanceof APIConnectionError) return { kind: 'final' };
  if (error instanceof APIError) {
    // An HTTP status: the SDK already retried the retryable ones.
    if (error.status !== undefined) return { kind: 'final' };
    // An `event: error` inside an SSE stream (the API can report overload mid-stream).
    const type = error.type ?? '';
    if (
      type === 'overloaded_error' ||
      type === 'api_error' ||
      type === 'rate_limit_error' ||
      type === 'timeout_error'
    ) {
      return { kind: 'retry', reason: `stream error: ${type}` };
    }
    return { kind: 'final' };
  }
  // After the headers: the body broke off (socket reset, cut stream, truncated JSON, a stream gone quiet).
  if (error instanceof StreamCutError || isTransportBreak(error))
    return { kind: 'retry', reason: `stream cut: ${describe(error)}` };
  // The SDK refusing locally (e.g. a non-streamed request too large for its timeout): retrying cannot help.
  return { kind: 'final' };
}

function isTransportBreak(error: unknown): boolean {
  for (
    let e: unknown = error, depth = 0;
    e instanceof Error && depth < 5;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^(UND_ERR_|ECONNRESET$|EPIPE$|ECONNABORTED$|ETIMEDOUT$)/.test(code)) return true;
    if (e instanceof SyntaxError || e.message === 'terminated') return true;
  }
  return false;
}

function toModelRequestError(
  error: unknown,
  signal: AbortSignal | undefined,
  attempts: number,
  transient: boolean,
): ModelRequestError {
  if (signal?.aborted || error instanceof APIUserAbortError) return abortedError(attempts);
  if (error instanceof APIConnectionError) {
    const apiMessage = describe(error.cause ?? error);
    return new ModelRequestError(
      `model request failed: cannot reach the API (${apiMessage}); retries exhausted`,
      {
        errorType: error.message.includes('timed out') ? 'timeout_error' : 'connection_error',
        apiMessage,
        retryable: true,
        attempts,
      },
      { cause: error },
    );
  }
  if (error instanceof APIError) {
    const status = error.status;
    const retryable = status === undefined ? transient : isRetryableStatus(status);
    const apiMessage = error.apiMessage ?? error.message;
    const errorType = error.type ?? (status !== undefined ? `http_${status}` : 'api_error');
    const head = status !== undefined ? `${status} ${errorType}` : errorType;
    return new ModelRequestError(
      `model request failed: ${head}: ${apiMessage}${retryable ? ' (retries exhausted)' : ''}`,
      { ...(status !== undefined ? { status } : {}), errorType, apiMessage, retryable, attempts },
      { cause: error },
    );
  }
  const apiMessage = describe(error);
  if (!transient) {
    return new ModelRequestError(
      `model request failed: ${apiMessage}`,
      {
        errorType: 'client_error',
        apiMessage,
        retryable: false,
        attempts,
      },
      { cause: error },
    );
  }
  return new ModelRequestError(
    `model request failed: the response stream broke off (${apiMessage}); retries exhausted`,
    {
      errorType: 'stream_interrupted',
      apiMessage,
      retryable: true,
      attempts,
    },
    { cause: error },
  );
}

function abortedError(attempts: number): ModelRequestError {
  return new ModelRequestError('model request interrupted', {
    errorType: 'request_aborted',
    apiMessage: 'the request was aborted',
    retryable: false,
    aborted: true,
    attempts,
  });
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error && cause.message !== error.message
      ? `${error.message}: ${cause.message}`
      : error.message;
  }
  return String(error);
}

function toAssistantBlock(block: Message['content'][number]): AssistantBlock[] {
  switch (block.type) {
    case 'text':
      return [{ type: 'text', text: block.text }];
    case 'tool_use':
      return [{ type: 'tool_use', id: block.id, name: block.name, input: block.input }];
    case 'thinking':
      return [{ type: 'thinking', thinking: block.thinking, signature: block.signature }];
    case 'redacted_thinking':
      return [{ type: 'redacted_thinking', data: block.data }];
    default:
      // Server-side tool blocks are not used by Agent OS agents.
      return [];
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
