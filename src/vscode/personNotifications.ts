// The notifications that ask the person something (a tool call to allow, a verdict to approve): one per
// session, closed as soon as the question is answered — in the Event Log, from the palette, by the CLI —
// and replaced by the session's next question. `showInformationMessage` cannot be closed by its
// extension, so each is a notification with progress (closed by settling its task), and its choices are
// command links in the message, which wrap instead of being cut like buttons. Its Cancel only hides it:
// the session still waits, in the Threads view and the Event Log.
import * as vscode from 'vscode';
import type { SessionEvent } from '../core/events/sessionEvent.ts';
import { NoticeBook } from '../views/noticeBook.ts';
import { noticeFor, noticeWithLinks, PersonWaits, type PersonWait, type SessionWaits } from '../views/personWaits.ts';
import { sandboxRelativizer } from '../views/toolRendering.ts';

interface Shown {
  close(): void;
}

export class PersonNotifications implements vscode.Disposable {
  private readonly waits = new PersonWaits();
  private readonly relativizers = new Map<string, (text: string) => string>();
  private readonly book: NoticeBook<Shown>;

  constructor(private readonly titleOf: (sessionId: string) => string) {
    this.book = new NoticeBook<Shown>({
      show: (sessionId, wait, dismissed) => this.show(sessionId, wait, dismissed),
      close: (shown) => shown.close(),
    });
  }

  /** A session's waits as its log was folded when it was opened (nothing new to the person: no notice
   * pops up for a question that was already open, only the session's current one is shown). */
  onFolded(sessionId: string, waits: SessionWaits): void {
    this.waits.start(sessionId, waits);
    this.book.update(sessionId, this.waits.current(sessionId, this.relative(sessionId)), false);
  }

  /** Events of a session in log order; `live` when they were just appended, not read from an existing log. */
  onEvents(sessionId: string, events: readonly SessionEvent[], live: boolean): void {
    this.waits.apply(sessionId, events);
    this.book.update(sessionId, this.waits.current(sessionId, this.relative(sessionId)), live);
  }

  forget(sessionId: string): void {
    this.book.forget(sessionId);
    this.waits.forget(sessionId);
    this.relativizers.delete(sessionId);
  }

  dispose(): void {
    this.book.dispose();
  }

  private relative(sessionId: string): (text: string) => string {
    let rel = this.relativizers.get(sessionId);
    if (!rel) this.relativizers.set(sessionId, (rel = sandboxRelativizer(sessionId)));
    return rel;
  }

  private show(sessionId: string, wait: PersonWait, dismissed: () => void): Shown {
    let settle: () => void = () => undefined;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    void vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: noticeWithLinks(noticeFor(sessionId, this.titleOf(sessionId), wait)),
        cancellable: true,
      },
      (_progress, token) => {
        const cancel = token.onCancellationRequested(() => {
          dismissed();
          settle();
        });
        return settled.finally(() => cancel.dispose());
      },
    );
    return { close: () => settle() };
  }
}
