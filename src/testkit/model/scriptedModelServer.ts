// A real HTTP server that speaks the Messages API (`POST /v1/messages`, streamed SSE in the API's event
// order or one JSON body) and answers from a script of turns. Tests, benches, the demo and users point the
// real SDK at it. It validates requests as the API does, injects the faults a script asks for, simulates
// prompt caching, and records every request (`requests`, `GET /_scripted/requests`).
//
// Which turn answers a request: the number of assistant messages the request already holds. So a retry
// of the same request, or a re-issue after a crash, gets the same turn again, and two threads of one
// agent each walk the script from its start.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ModelUsage } from '../../core/events/sessionEvent.ts';
import { MessagesRequestValidator } from './messagesRequestValidator.ts';
import type { ModelScript, ScriptContent, ScriptFault, ScriptTurn } from './modelScript.ts';
import {
  headerValue,
  readBody,
  sendError,
  sendJson,
  serveFault,
  sseEvents,
  writeSse,
  type ApiMessage,
} from './messagesWire.ts';
import { PromptCacheSimulator, estimateTokens, type CacheAccount } from './promptCacheSimulator.ts';

export const SCRIPTED_AGENT_HEADER = 'x-agent-os-agent';

export interface ScriptedModelServerOptions {
  script: ModelScript;
  /** Default 127.0.0.1; the server never needs to be reachable from elsewhere. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
}

export type RecordedOutcome =
  | { kind: 'turn'; turn: number; usage: ModelUsage; cache: Omit<CacheAccount, 'usage'> }
  | { kind: 'fault'; turn: number; fault: ScriptFault }
  | { kind: 'error'; status: number; type: string; message: string };

export interface RecordedRequest {
  seq: number;
  /** The x-agent-os-agent header, or '' when absent. */
  agent: string;
  received_at: string;
  method: string;
  path: string;
  stream: boolean;
  /** The parsed JSON body (undefined when it did not parse). */
  body: unknown;
  outcome: RecordedOutcome;
}

export class ScriptedModelServer {
  /** Every request, in arrival order. */
  readonly requests: RecordedRequest[] = [];
  private readonly validator = new MessagesRequestValidator();
  private readonly cache = new PromptCacheSimulator();
  /** Faults already served per (agent, turn). */
  private readonly faultsServed = new Map<string, number>();
  private seq = 0;

  private constructor(
    private readonly script: ModelScript,
    private readonly server: Server,
  ) {}

  static async start(options: ScriptedModelServerOptions): Promise<ScriptedModelServer> {
    const server = createServer();
    const scripted = new ScriptedModelServer(options.script, server);
    server.on('request', (req, res) => {
      scripted.handle(req, res).catch((error: unknown) => {
        // A bug here must still answer, or the client hangs until its timeout.
        if (!res.headersSent) sendError(res, 500, 'api_error', `scripted model server: ${(error as Error).message}`);
        else res.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return scripted;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The base URL to give the SDK (`baseURL`). */
  get url(): string {
    const address = this.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'GET' && path === '/_scripted/requests') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(this.requests));
      return;
    }
    const seq = ++this.seq;
    const agent = headerValue(req, SCRIPTED_AGENT_HEADER) ?? '';
    const record = (body: unknown, stream: boolean, outcome: RecordedOutcome): void => {
      this.requests.push({
        seq,
        agent,
        received_at: new Date().toISOString(),
        method: req.method ?? '',
        path,
        stream,
        body,
        outcome,
      });
    };
    const refuse = (body: unknown, stream: boolean, status: number, type: string, message: string): void => {
      record(body, stream, { kind: 'error', status, type, message });
      sendError(res, status, type, message, seq);
    };

    if (path !== '/v1/messages') {
      refuse(undefined, false, 404, 'not_found_error', `scripted model server: no route ${req.method} ${path}`);
      return;
    }
    if (req.method !== 'POST') {
      refuse(undefined, false, 405, 'invalid_request_error', `scripted model server: ${path} takes POST`);
      return;
    }
    const text = await readBody(req);
    if (text === undefined) {
      refuse(undefined, false, 413, 'request_too_large', 'Request exceeds the maximum allowed number of bytes.');
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      refuse(
        undefined,
        false,
        400,
        'invalid_request_error',
        'There was an error parsing the body of your request: not valid JSON',
      );
      return;
    }
    const stream = isObject(body) && body.stream === true;
    if (!headerValue(req, 'x-api-key') && !headerValue(req, 'authorization')) {
      refuse(body, stream, 401, 'authentication_error', 'x-api-key header is required');
      return;
    }
    const problem = this.validator.validate(body);
    if (problem || !isObject(body)) {
      refuse(body, stream, 400, 'invalid_request_error', problem ?? 'request body must be a JSON object');
      return;
    }

    const turns = this.turnsFor(agent);
    if (typeof turns === 'string') {
      refuse(body, stream, 400, 'invalid_request_error', turns);
      return;
    }
    const messages = body.messages as Record<string, unknown>[];
    const turnIndex = messages.filter((m) => m.role === 'assistant').length;
    const who = agent ? `agent "${agent}"` : 'the script';
    const turn = turns[turnIndex];
    if (!turn) {
      refuse(
        body,
        stream,
        400,
        'invalid_request_error',
        `scripted model: the script for ${who} is exhausted: it has ${turns.length} turn(s) and this request asks for turn ${turnIndex + 1}`,
      );
      return;
    }
    const mismatch = expectationMismatch(turn, body);
    if (mismatch) {
      refuse(
        body,
        stream,
        400,
        'invalid_request_error',
        `scripted model: turn ${turnIndex + 1} of ${who}: ${mismatch}`,
      );
      return;
    }

    const faultKey = `${agent}\0${turnIndex}`;
    const served = this.faultsServed.get(faultKey) ?? 0;
    const fault = turn.faults?.[served];
    const message = this.buildMessage(turn, turnIndex, agent, body, seq);
    if (fault) {
      this.faultsServed.set(faultKey, served + 1);
      record(body, stream, { kind: 'fault', turn: turnIndex, fault });
      serveFault(req, res, fault, message.message, stream, seq);
      return;
    }
    // Only a served turn writes the cache, as only a request the API answers does.
    const account = this.cache.account(body);
    message.message.usage = { ...account.usage, output_tokens: message.outputTokens };
    const { usage, ...cache } = account;
    record(body, stream, { kind: 'turn', turn: turnIndex, usage: message.message.usage, cache });
    if (stream) await writeSse(res, sseEvents(message.message), seq, turn.event_delay_ms ?? 0);
    else sendJson(res, 200, message.message, seq);
  }

  private turnsFor(agent: string): ScriptTurn[] | string {
    if (this.script.kind === 'turns') return this.script.turns;
    const known = Object.keys(this.script.agents);
    if (!agent) {
      return `scripted model: the script has one sequence per agent (${known.join(', ')}); send the ${SCRIPTED_AGENT_HEADER} header to pick one`;
    }
    return (
      this.script.agents[agent] ?? `scripted model: the script has no agent "${agent}" (it has: ${known.join(', ')})`
    );
  }

  private buildMessage(
    turn: ScriptTurn,
    turnIndex: number,
    agent: string,
    body: Record<string, unknown>,
    seq: number,
  ): { message: ApiMessage; outputTokens: number } {
    const content = turn.content.map((block: ScriptContent, i) =>
      block.type === 'text'
        ? { type: 'text' as const, text: block.text }
        : { type: 'tool_use' as const, id: toolUseId(agent, turnIndex, i), name: block.name, input: block.input },
    );
    const outputTokens = Math.max(1, estimateTokens(Buffer.byteLength(JSON.stringify(content))));
    const stopReason = turn.stop_reason ?? (content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn');
    return {
      outputTokens,
      message: {
        id: `msg_scripted_${String(seq).padStart(6, '0')}`,
        type: 'message',
        role: 'assistant',
        model: String(body.model),
        content,
        stop_reason: stopReason,
        stop_sequence: null,
        usage: {
          input_tokens: 0,
          output_tokens: outputTokens,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
        },
      },
    };
  }
}

/** Same agent, turn and block → same id, across retries, crashes and server restarts. */
export function toolUseId(agent: string, turnIndex: number, blockIndex: number): string {
  const digest = createHash('sha256').update(`${agent}\0${turnIndex}\0${blockIndex}`).digest('hex');
  return `toolu_01${digest.slice(0, 22)}`;
}

function expectationMismatch(turn: ScriptTurn, body: Record<string, unknown>): string | undefined {
  const expect = turn.expect;
  if (!expect) return undefined;
  if (expect.last_user_text_includes !== undefined) {
    const messages = body.messages as Record<string, unknown>[];
    const lastUser = [...messages].reverse().find((m) => m.role === 'user');
    const text = lastUser ? textOf(lastUser.content) : '';
    if (!text.includes(expect.last_user_text_includes)) {
      return `expected the last user message to include ${JSON.stringify(expect.last_user_text_includes)}, but it reads ${JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}…` : text)}`;
    }
  }
  if (expect.tool_names !== undefined) {
    const offered = Array.isArray(body.tools) ? body.tools.map((t) => String((t as Record<string, unknown>).name)) : [];
    const missing = expect.tool_names.filter((n) => !offered.includes(n));
    const extra = offered.filter((n) => !expect.tool_names?.includes(n));
    if (missing.length > 0 || extra.length > 0) {
      return (
        `expected the tools offered to be [${expect.tool_names.join(', ')}], but they are [${offered.join(', ')}]` +
        `${missing.length ? `; missing ${missing.join(', ')}` : ''}${extra.length ? `; unexpected ${extra.join(', ')}` : ''}`
      );
    }
  }
  return undefined;
}

/** The text a user message carries: text blocks and tool results. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((block: Record<string, unknown>) => {
      if (block.type === 'text') return String(block.text);
      if (block.type === 'tool_result') return textOf(block.content);
      return '';
    })
    .join('\n');
}

// ---- responses ---------------------------------------------------------------------------

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
