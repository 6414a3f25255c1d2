// A recorded list of events read as a session's log, for the Event Log model's tests that build their
// events with LogBuilder (ids and seqs of their own): pages by seq and the fold, as a store reads them.
import type { SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { foldAll } from '../../src/core/session/logFold.ts';
import type { EventLogSource } from '../../src/views/eventLogModel.ts';

export function recordedLog(events: readonly SessionEvent[]): EventLogSource {
  const recorded = events.map((e) => JSON.stringify(e));
  const copy = (from: number, to?: number) => recorded.slice(from, to).map((r) => JSON.parse(r) as SessionEvent);
  return {
    async readPage(_sessionId, options) {
      const from = Math.max(1, options?.fromSeq ?? 1);
      const page = copy(from - 1, options?.limit === undefined ? undefined : from - 1 + options.limit);
      const seq = from + page.length;
      return { events: page, next: { offset: seq - 1, seq } };
    },
    async readFolded(sessionId, fold) {
      return {
        state: foldAll(fold, sessionId, copy(0, recorded.length)),
        next: { offset: recorded.length, seq: recorded.length + 1 },
      };
    },
  };
}
