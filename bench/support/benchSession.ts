// The session the webview benches draw: the sample session grown to 100,000 events, written through
// the real SessionStore port (the store assigns ids, seqs and times).
import type { SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { MemorySessionStore } from '../../src/core/session/memorySessionStore.ts';
import type { SessionMeta, SessionStore } from '../../src/core/session/sessionStore.ts';
import type { Page } from 'playwright-core';
import { writeSampleSession } from '../../test/e2e/support/sampleSession.ts';

export const TARGET_EVENTS = 100_000;

/** The same sample session with this many events: the yardstick a first paint of the big one is compared with. */
export const SMALL_EVENTS = 100;

/** The session, written into `store` (a memory store unless given: a file store makes reading it part of a measure). */
export async function benchSession(
  target = TARGET_EVENTS,
  store: SessionStore = new MemorySessionStore(),
): Promise<{ meta: SessionMeta; events: SessionEvent[] }> {
  const t0 = performance.now();
  // Each Coder round is 5 events; the rest of the sample adds ~40.
  const meta = await writeSampleSession(store, `Bench: ${target.toLocaleString('en-US')} events`, {
    rounds: Math.max(1, Math.ceil((target - 40) / 4)),
  });
  const events = await store.read(meta.id);
  console.log(
    `session: ${events.length.toLocaleString('en-US')} events generated in ${Math.round(performance.now() - t0)} ms`,
  );
  return { meta, events };
}

/** Median of 5 first paints: each run navigates to `url` and reads the time the page's `flag` was set;
 * `before` runs ahead of each (dropping the page cache, say). */
export async function medianFirstPaint(page: Page, url: string, flag: string, before?: () => void): Promise<number> {
  return (await medianMarks(page, url, [flag], before))[flag]!;
}

/** Medians of 5 navigations to `url` of the times the page set in each of `flags` (window properties, ms
 * from navigation start), once all of them are set. */
export async function medianMarks(
  page: Page,
  url: string,
  flags: readonly string[],
  before?: () => void,
): Promise<Record<string, number>> {
  const runs: Record<string, number>[] = [];
  for (let i = 0; i < 5; i++) {
    before?.();
    await page.goto(url);
    await page.waitForFunction(
      (fs) => fs.every((f) => (window as unknown as Record<string, unknown>)[f] !== undefined),
      flags,
      { timeout: 30_000 },
    );
    runs.push(
      await page.evaluate(
        (fs) => Object.fromEntries(fs.map((f) => [f, (window as unknown as Record<string, number>)[f]!])),
        flags,
      ),
    );
  }
  const median = (f: string) => runs.map((r) => r[f]!).sort((a, b) => a - b)[2]!;
  return Object.fromEntries(flags.map((f) => [f, median(f)]));
}
