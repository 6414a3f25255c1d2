// The session the webview benches draw: the sample session grown to 100,000 events, written through
// the real SessionStore port (the store assigns ids, seqs and times).
import type { SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { MemorySessionStore } from '../../src/core/session/memorySessionStore.ts';
import type { SessionMeta } from '../../src/core/session/sessionStore.ts';
import { writeSampleSession } from '../../test/e2e/support/sampleSession.ts';

export const TARGET_EVENTS = 100_000;

export async function benchSession(): Promise<{ meta: SessionMeta; events: SessionEvent[] }> {
  const t0 = performance.now();
  const store = new MemorySessionStore();
  // Each Coder round is 5 events; the rest of the sample adds ~40.
  const meta = await writeSampleSession(store, 'Bench: 100,000 events', { rounds: Math.ceil((TARGET_EVENTS - 40) / 4) });
  const events = await store.read(meta.id);
  console.log(`session: ${events.length.toLocaleString('en-US')} events generated in ${Math.round(performance.now() - t0)} ms`);
  return { meta, events };
}
