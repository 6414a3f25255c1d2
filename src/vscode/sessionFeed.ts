// One session's log for a panel: folded once (from the store's checkpoint of the panel's fold plus the
// records after it), then followed from where the fold ended, with live events handed over in batches
// (a busy session appends hundreds a second; a webview wants a few updates a second at most).
import type { SessionEvent } from '../core/events/sessionEvent.ts';
import { describeError } from '../core/errors.ts';
import type { LogFold } from '../core/session/logFold.ts';
import type { LogCursor, SessionMeta, SessionStore } from '../core/session/sessionStore.ts';

export interface SessionFeedHandlers {
  /** Every event followed after the fold, in log order, a batch at a time. */
  events(batch: SessionEvent[]): void;
  /** Reading or following failed; the message says what stopped. */
  failed(message: string): void;
}

export class SessionFeed<S> {
  private readonly abort = new AbortController();
  private pending: SessionEvent[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: SessionStore,
    readonly sessionId: string,
    private readonly fold: LogFold<S>,
    private readonly handlers: SessionFeedHandlers,
    private readonly batchMs: number,
  ) {}

  /** Reads the session's metadata and its log folded (the fold starts empty when that fails), then follows
   * the log until disposed. */
  async start(): Promise<{ meta?: SessionMeta; state: S }> {
    let meta: SessionMeta | undefined;
    let state: S | undefined;
    let after: LogCursor | undefined;
    try {
      meta = await this.store.get(this.sessionId);
      const folded = await this.store.readFolded(this.sessionId, this.fold);
      state = folded.state;
      after = folded.next;
    } catch (error) {
      this.handlers.failed(`Cannot read session ${this.sessionId}: ${describeError(error)}`);
    }
    void this.follow(after);
    return { ...(meta ? { meta } : {}), state: state ?? this.fold.start(this.sessionId) };
  }

  dispose(): void {
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
  }

  private async follow(after: LogCursor | undefined): Promise<void> {
    try {
      for await (const event of this.store.follow(this.sessionId, {
        ...(after ? { after } : {}),
        signal: this.abort.signal,
      })) {
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
