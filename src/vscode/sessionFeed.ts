// One session's log for a panel: read once, then followed, with live events handed over in batches
// (a busy session appends hundreds a second; a webview wants a few updates a second at most).
import type { SessionEvent } from '../core/events/sessionEvent.ts';
import { describeError } from '../core/errors.ts';
import type { SessionMeta, SessionStore } from '../core/session/sessionStore.ts';

export interface SessionFeedHandlers {
  /** Every event read or followed, in log order, a batch at a time. */
  events(batch: SessionEvent[]): void;
  /** Reading or following failed; the message says what stopped. */
  failed(message: string): void;
}

export class SessionFeed {
  private readonly abort = new AbortController();
  private pending: SessionEvent[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: SessionStore,
    readonly sessionId: string,
    private readonly handlers: SessionFeedHandlers,
    private readonly batchMs: number,
  ) {}

  /** Reads the session's metadata and log (handed over at once), then follows the log until disposed. */
  async start(): Promise<SessionMeta | undefined> {
    let meta: SessionMeta | undefined;
    let lastSeq = 0;
    try {
      meta = await this.store.get(this.sessionId);
      const events = await this.store.read(this.sessionId);
      lastSeq = events.at(-1)?.seq ?? 0;
      this.handlers.events(events);
    } catch (error) {
      this.handlers.failed(`Cannot read session ${this.sessionId}: ${describeError(error)}`);
    }
    void this.follow(lastSeq + 1);
    return meta;
  }

  dispose(): void {
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
  }

  private async follow(fromSeq: number): Promise<void> {
    try {
      for await (const event of this.store.follow(this.sessionId, { fromSeq, signal: this.abort.signal })) {
        this.pending.push(event);
        this.timer ??= setTimeout(() => this.flush(), this.batchMs);
      }
    } catch (error) {
      if (!this.abort.signal.aborted) this.handlers.failed(`Live updates stopped: ${describeError(error)}`);
    }
  }

  private flush(): void {
    this.timer = undefined;
    if (this.pending.length === 0 || this.abort.signal.aborted) return;
    const batch = this.pending;
    this.pending = [];
    this.handlers.events(batch);
  }
}
