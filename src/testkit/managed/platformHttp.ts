// HTTP plumbing of the platform stand-in: JSON bodies, the platform's error envelope
// (`{type:"error", error:{type, message, details?}, request_id}`, docs/reference/managedAgents.md §10.1), and SSE.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';

/** A route's handler: the request, the response, and the path's `{…}` parts in order. */
export type Route = (req: IncomingMessage, res: ServerResponse, params: string[]) => Promise<void>;
export type AddRoute = (method: string, pattern: string, handler: Route) => void;

export const MANAGED_AGENTS_BETA = 'managed-agents-2026-04-01';
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** A refusal the way the platform answers it; thrown by route handlers and turned into a response. */
export class PlatformHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const notFound = (what: string, errorCode?: string): PlatformHttpError =>
  new PlatformHttpError(404, 'not_found_error', `${what} not found`, errorCode ? { error_code: errorCode } : undefined);
export const badRequest = (message: string): PlatformHttpError =>
  new PlatformHttpError(400, 'invalid_request_error', message);

export function requestId(): string {
  return `req_${randomBytes(12).toString('hex')}`;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': requestId(), ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, error: PlatformHttpError): void {
  const id = requestId();
  sendJson(
    res,
    error.status,
    {
      type: 'error',
      error: { type: error.errorType, message: error.message, ...(error.details ? { details: error.details } : {}) },
      request_id: id,
    },
    error.headers,
  );
}

export async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new PlatformHttpError(413, 'request_too_large', 'Request exceeds the maximum allowed number of bytes.');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest('the request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw badRequest('the request body must be a JSON object');
  return value as Record<string, unknown>;
}

/** One open `text/event-stream` response: events are written as `event: <type>` + `data: <json>`. */
export class SseChannel {
  private readonly ping: NodeJS.Timeout;
  closed = false;

  constructor(
    readonly res: ServerResponse,
    onClose: () => void,
  ) {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'request-id': requestId(),
    });
    res.flushHeaders();
    // Heartbeats keep proxies from closing a quiet stream, as the platform's do.
    this.ping = setInterval(() => this.write('ping', {}), 15_000);
    this.ping.unref();
    res.on('close', () => {
      this.closed = true;
      clearInterval(this.ping);
      onClose();
    });
  }

  send(event: { type: string }): void {
    this.write(event.type, event);
  }

  private write(name: string, data: unknown): void {
    if (this.closed) return;
    this.res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** The connection drops without an end: what a cut network looks like to the client. */
  cut(): void {
    this.closed = true;
    clearInterval(this.ping);
    this.res.socket?.destroy();
  }

  end(): void {
    this.closed = true;
    clearInterval(this.ping);
    this.res.end();
  }
}

export function queryOf(req: IncomingMessage): URLSearchParams {
  return new URL(req.url ?? '/', 'http://stand-in').searchParams;
}

/** Cursor pages as the platform returns them: `{data, next_page}`; the cursor is an opaque offset. */
export function page<T>(
  items: readonly T[],
  query: URLSearchParams,
  defaultLimit = 20,
): { data: T[]; next_page: string | null } {
  const limit = Math.max(1, Math.min(1000, Number(query.get('limit') ?? defaultLimit) || defaultLimit));
  const cursor = query.get('page');
  const start = cursor ? Number(Buffer.from(cursor, 'base64url').toString('utf8')) || 0 : 0;
  const data = items.slice(start, start + limit);
  const next = start + limit < items.length ? Buffer.from(String(start + limit)).toString('base64url') : null;
  return { data, next_page: next };
}
