// The Messages API's wire for the scripted server: JSON and SSE bodies in the API's event order, its
// error bodies and headers, and the faults a script asks for (status codes, cut streams, stalls).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ModelUsage } from '../../core/events/sessionEvent.ts';
import type { ScriptFault } from './modelScript.ts';

const MAX_BODY_BYTES = 64 * 1024 * 1024;

export interface ApiMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: (
    | { type: 'text'; text: string }
    | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  )[];
  stop_reason: string;
  stop_sequence: null;
  usage: ModelUsage;
}

export function serveFault(
  req: IncomingMessage,
  res: ServerResponse,
  fault: ScriptFault,
  message: ApiMessage,
  stream: boolean,
  seq: number,
): void {
  switch (fault.kind) {
    case 'rate_limit':
      sendError(res, 429, 'rate_limit_error', 'scripted fault: rate limited', seq, {
        'retry-after': String(fault.retry_after_seconds ?? 1),
      });
      return;
    case 'overloaded':
      sendError(res, 529, 'overloaded_error', 'scripted fault: Overloaded', seq, retryAfter(fault.retry_after_seconds));
      return;
    case 'server_error':
      sendError(
        res,
        500,
        'api_error',
        'scripted fault: Internal server error',
        seq,
        retryAfter(fault.retry_after_seconds),
      );
      return;
    case 'invalid_request':
      sendError(res, 400, 'invalid_request_error', fault.message ?? 'scripted fault: invalid request', seq);
      return;
    case 'reset':
      req.socket.destroy();
      return;
    case 'stream_cut': {
      if (!stream) {
        // Half a JSON body, then the connection drops.
        const text = JSON.stringify(message);
        res.writeHead(200, { 'content-type': 'application/json', 'request-id': requestId(seq) });
        res.write(text.slice(0, Math.floor(text.length / 2)), () => res.destroy());
        return;
      }
      const events = sseEvents(message).slice(0, fault.after_events);
      res.writeHead(200, sseHeaders(seq));
      // A comment line flushes the headers even when no event goes out; the socket dies once it is sent.
      res.write(`${events.join('')}: cut\n\n`, () => res.destroy());
      return;
    }
    case 'stall': {
      const events = sseEvents(message).slice(0, fault.after_events);
      if (stream) {
        res.writeHead(200, sseHeaders(seq));
        res.write(`${events.join('')}: stalled\n\n`);
      } else {
        res.writeHead(200, { 'content-type': 'application/json', 'request-id': requestId(seq) });
        res.flushHeaders();
      }
      return;
    }
    case 'stream_error': {
      const events = sseEvents(message).slice(0, fault.after_events);
      const error = { type: 'error', error: { type: 'overloaded_error', message: 'scripted fault: Overloaded' } };
      res.writeHead(200, sseHeaders(seq));
      res.end(`${events.join('')}${sse('error', error)}`);
      return;
    }
  }
}

export function retryAfter(seconds: number | undefined): Record<string, string> {
  return seconds === undefined ? {} : { 'retry-after': String(seconds) };
}

/** The API's streaming event order for one message. */
export function sseEvents(message: ApiMessage): string[] {
  const events: string[] = [];
  const start = { ...message, content: [], stop_reason: null, usage: { ...message.usage, output_tokens: 1 } };
  events.push(sse('message_start', { type: 'message_start', message: start }));
  events.push(sse('ping', { type: 'ping' }));
  message.content.forEach((block, index) => {
    if (block.type === 'text') {
      events.push(
        sse('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }),
      );
      for (const piece of chunks(block.text, 24)) {
        events.push(
          sse('content_block_delta', {
            type: 'content_block_delta',
            index,
            delta: { type: 'text_delta', text: piece },
          }),
        );
      }
    } else {
      events.push(
        sse('content_block_start', {
          type: 'content_block_start',
          index,
          content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
        }),
      );
      for (const piece of ['', ...chunks(JSON.stringify(block.input), 32)]) {
        events.push(
          sse('content_block_delta', {
            type: 'content_block_delta',
            index,
            delta: { type: 'input_json_delta', partial_json: piece },
          }),
        );
      }
    }
    events.push(sse('content_block_stop', { type: 'content_block_stop', index }));
  });
  events.push(
    sse('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: message.stop_reason, stop_sequence: null },
      usage: message.usage,
    }),
  );
  events.push(sse('message_stop', { type: 'message_stop' }));
  return events;
}

export function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  const chars = Array.from(text);
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
  return out;
}

export function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function sseHeaders(seq: number): Record<string, string> {
  return { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': requestId(seq) };
}

export async function writeSse(res: ServerResponse, events: string[], seq: number, delayMs: number): Promise<void> {
  res.writeHead(200, sseHeaders(seq));
  for (const event of events) {
    if (res.destroyed) return;
    res.write(event);
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
  res.end();
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  seq?: number,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    ...(seq !== undefined ? { 'request-id': requestId(seq) } : {}),
    ...headers,
  });
  res.end(JSON.stringify(body));
}

export function sendError(
  res: ServerResponse,
  status: number,
  type: string,
  message: string,
  seq?: number,
  headers: Record<string, string> = {},
): void {
  sendJson(
    res,
    status,
    { type: 'error', error: { type, message }, request_id: seq !== undefined ? requestId(seq) : null },
    seq,
    headers,
  );
}

export function requestId(seq: number): string {
  return `req_scripted_${String(seq).padStart(6, '0')}`;
}

export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else parts.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}
