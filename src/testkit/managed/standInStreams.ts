// The stand-in platform's open event streams (SSE): a session's, or one thread's. No replay: a stream carries
// only what happens after it opened (clients list history to catch up). Tests cut them as a broken
// connection does.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SseChannel } from './platformHttp.ts';
import type { StoredEvent } from './standInThread.ts';

interface OpenStream {
  channel: SseChannel;
  session: string;
  thread?: string;
  /** The worker's session runner (`x-stainless-helper: session-tool-runner`), not a client's. */
  worker: boolean;
}

export class StandInStreams {
  private readonly open_ = new Set<OpenStream>();

  /** `threadLagMs`: how much later a thread's stream carries its events than the session's (see the options). */
  constructor(private readonly threadLagMs = 0) {}

  open(req: IncomingMessage, res: ServerResponse, sessionId: string, thread?: string): void {
    const worker = String(req.headers['x-stainless-helper'] ?? '').includes('session-tool-runner');
    const entry: OpenStream = {
      channel: undefined as unknown as SseChannel,
      session: sessionId,
      worker,
      ...(thread ? { thread } : {}),
    };
    entry.channel = new SseChannel(res, () => this.open_.delete(entry));
    this.open_.add(entry);
  }

  broadcast(sessionId: string, stored: StoredEvent): void {
    for (const { channel, session, thread } of this.open_) {
      if (session !== sessionId) continue;
      if (!(thread ? stored.thread === thread : stored.onSession)) continue;
      if (thread && this.threadLagMs > 0) setTimeout(() => channel.send(stored.event), this.threadLagMs);
      else channel.send(stored.event);
    }
  }

  /** Drops streams without an end: every one, or only the clients' (the worker's stay). */
  cut(which: 'all' | 'clients'): number {
    const cut = [...this.open_].filter((c) => which === 'all' || !c.worker);
    for (const entry of cut) {
      entry.channel.cut();
      this.open_.delete(entry);
    }
    return cut.length;
  }

  endAll(): void {
    for (const { channel } of this.open_) channel.end();
  }
}
