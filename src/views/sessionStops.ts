// Why a session's run just ended in failure, in words for a notification: a run that ends on an error (the log's
// size limit, a missing sandbox, the model's errors after their retries) or on its budget tells the person at once,
// not only by a "failed" in the Threads view. Fed live events only: a log read back (a window reopened) tells
// nothing anew. Kept free of `vscode` so that plain node tests check it.
import type { SessionEvent } from '../core/events/sessionEvent.ts';

export class SessionStops {
  /** The last error of each session's current run. */
  private readonly lastError = new Map<string, string>();

  /** A session's live events, in log order: the texts of the failed stops among them. */
  onEvents(sessionId: string, events: readonly SessionEvent[]): string[] {
    const stops: string[] = [];
    for (const event of events) {
      if (event.type === 'session.status_running') this.lastError.delete(sessionId);
      else if (event.type === 'session.error') this.lastError.set(sessionId, event.error.message);
      else if (event.type === 'session.status_idle') {
        const text = failedStopText(event.stop_reason.type, this.lastError.get(sessionId));
        this.lastError.delete(sessionId);
        if (text !== undefined) stops.push(text);
      }
    }
    return stops;
  }

  forget(sessionId: string): void {
    this.lastError.delete(sessionId);
  }
}

function failedStopText(stop: string, error: string | undefined): string | undefined {
  switch (stop) {
    case 'retries_exhausted':
      return error ?? 'its run failed; the Event Log says where';
    case 'budget_reached':
      return 'it reached its budget; raise the budget (agentOs.budget.maxUsd) and resume it';
    case 'refusal':
      return 'the model refused to go on';
    default:
      return undefined;
  }
}
