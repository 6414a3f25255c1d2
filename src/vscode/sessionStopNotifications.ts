// A session whose run ended in failure says why as an error notification, once per stop, naming the session by
// its title, with the way to its Event Log (the words: src/views/sessionStops.ts).
import * as vscode from 'vscode';
import type { SessionEvent } from '../core/events/sessionEvent.ts';
import { withoutLinks } from '../views/personWaits.ts';
import { SessionStops } from '../views/sessionStops.ts';

export class SessionStopNotifications {
  private readonly stops = new SessionStops();

  constructor(
    private readonly titleOf: (sessionId: string) => string,
    private readonly openEventLog: (sessionId: string) => void,
  ) {}

  /** Live events only: a log read back tells nothing anew. */
  onLiveEvents(sessionId: string, events: readonly SessionEvent[]): void {
    for (const text of this.stops.onEvents(sessionId, events)) {
      const message = `Agent OS: "${withoutLinks(this.titleOf(sessionId))}" stopped: ${withoutLinks(text)}`;
      void vscode.window.showErrorMessage(message, 'Open Event Log').then((choice) => {
        if (choice) this.openEventLog(sessionId);
      });
    }
  }

  forget(sessionId: string): void {
    this.stops.forget(sessionId);
  }
}
