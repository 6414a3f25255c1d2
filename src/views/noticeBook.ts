// One notification per session that waits for the person: shown when a question arises while the session
// is followed live, closed when it is answered anywhere, replaced when the session's next question comes.
// A question already open when the window opened, or one the person dismissed, is not shown again.
// The surface (VS Code's notifications) is a port, so the bookkeeping runs in plain node tests.
import type { PersonWait } from './personWaits.ts';

export interface NoticeSurface<H> {
  /** Shows the wait; `dismissed` is to be called if the person closes it without answering. */
  show(sessionId: string, wait: PersonWait, dismissed: () => void): H;
  close(handle: H): void;
}

interface Entry<H> {
  key: string;
  /** Undefined once closed by the person, or for a wait that was never announced. */
  handle?: H;
}

export class NoticeBook<H> {
  private readonly entries = new Map<string, Entry<H>>();

  constructor(private readonly surface: NoticeSurface<H>) {}

  /**
   * Brings the session's notification in line with what it waits for now. `live`: the wait came from
   * events as they were appended (announce it), not from reading an existing log (remember it silently).
   */
  update(sessionId: string, wait: PersonWait | undefined, live: boolean): void {
    const entry = this.entries.get(sessionId);
    if (entry && entry.key === wait?.key) return;
    if (entry) this.drop(sessionId, entry);
    if (!wait) return;
    const fresh: Entry<H> = { key: wait.key };
    this.entries.set(sessionId, fresh);
    if (!live) return;
    fresh.handle = this.surface.show(sessionId, wait, () => {
      if (this.entries.get(sessionId) === fresh) delete fresh.handle;
    });
  }

  /** The session is gone (deleted, or no longer followed): its notification goes too. */
  forget(sessionId: string): void {
    const entry = this.entries.get(sessionId);
    if (entry) this.drop(sessionId, entry);
  }

  /** Sessions with a notification on screen. */
  showing(): string[] {
    return [...this.entries].filter(([, e]) => e.handle !== undefined).map(([id]) => id);
  }

  dispose(): void {
    for (const [id, entry] of [...this.entries]) this.drop(id, entry);
  }

  private drop(sessionId: string, entry: Entry<H>): void {
    this.entries.delete(sessionId);
    if (entry.handle !== undefined) this.surface.close(entry.handle);
  }
}
