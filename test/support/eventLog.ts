// A log built row by row for the pure tables: each input gets the envelope the store would give it.
import { EVENT_SCHEMA_VERSION, type EventInput, type SessionEvent } from '../../src/core/events/sessionEvent.ts';

export function logOf(...inputs: EventInput[]): SessionEvent[] {
  return inputs.map(
    (e, i) =>
      ({
        ...e,
        id: `sevt_${i + 1}`,
        seq: i + 1,
        processed_at: '2026-01-01T00:00:00Z',
        schema_version: EVENT_SCHEMA_VERSION,
      }) as SessionEvent,
  );
}
