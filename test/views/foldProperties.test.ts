// Properties of the folds the store checkpoints, on random logs (randomLog.ts, seeded): the session fold
// changed in place gives the state `reduce` gives step by step, and for every fold, its checkpoint at any
// record — saved, written as JSON, read and loaded — plus the records after it gives what a fold of the
// whole log gives. That is what lets a reader trust a checkpoint that agrees with the log.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SessionEvent } from '../../src/core/events/sessionEvent.ts';
import { foldAll, type LogFold } from '../../src/core/session/logFold.ts';
import { initialSessionState, reduce, SessionFold } from '../../src/core/session/sessionState.ts';
import { SESSION_STATE_FOLD } from '../../src/core/session/sessionStateFold.ts';
import { PERSON_WAITS_FOLD } from '../../src/views/personWaits.ts';
import { OVERVIEW_FOLD } from '../../src/views/sessionOverview.ts';
import { LANE_CAP } from '../../src/views/timelineSpans.ts';
import { MemorySessionStore } from '../../src/core/session/memorySessionStore.ts';
import { writeSampleSession } from '../e2e/support/sampleSession.ts';
import { randomLog, randomNumbers } from './randomLog.ts';

const SEEDS = Array.from({ length: 40 }, (_, i) => i + 1);
const META = { title: 'random', source: 'acme/widgets#1' };

/** What each fold's state shows, to compare two states of it. */
const FOLDS: Array<{ fold: LogFold<unknown>; view: (state: never) => unknown }> = [
  { fold: PERSON_WAITS_FOLD as LogFold<unknown>, view: (w: ReturnType<typeof PERSON_WAITS_FOLD.start>) => w },
  { fold: SESSION_STATE_FOLD as LogFold<unknown>, view: (f: SessionFold) => f.state },
  {
    fold: OVERVIEW_FOLD as LogFold<unknown>,
    view: (m: ReturnType<typeof OVERVIEW_FOLD.start>) => [
      m.sessionState,
      m.overview({ meta: META, live: false }),
      m.overview({ meta: META, live: true, now: Date.parse('2026-12-02T00:00:00Z') }),
    ],
  },
];

function checkpointed<S>(fold: LogFold<S>, sessionId: string, events: SessionEvent[], at: number): S {
  const saved = JSON.parse(JSON.stringify(fold.save(foldAll(fold, sessionId, events.slice(0, at)))));
  const state = fold.load(saved, sessionId);
  assert.ok(state !== undefined, `${fold.name} loads what it saved`);
  for (const event of events.slice(at)) fold.apply(state, event);
  return state;
}

describe('the folds, on random logs', () => {
  it('the session fold changed in place gives the state reduce gives, and reduce changes nothing it is given', () => {
    for (const seed of SEEDS) {
      const events = randomLog(seed, 250);
      const fold = new SessionFold(initialSessionState('sesn_random'));
      let state = initialSessionState('sesn_random');
      for (const [i, event] of events.entries()) {
        const before = state;
        const copy = i % 50 === 0 ? structuredClone(before) : undefined;
        state = reduce(before, event);
        fold.apply(event);
        if (copy) assert.deepEqual(before, copy, `seed ${seed}: reduce changed the state it was given`);
        if (i % 17 === 0) assert.deepEqual(fold.state, state, `seed ${seed}, after seq ${event.seq}`);
      }
      assert.deepEqual(fold.state, state, `seed ${seed}`);
      // Thread order is what the tree and the lanes show: the same too.
      assert.deepEqual(Object.keys(fold.state.threads), Object.keys(state.threads), `seed ${seed}`);
    }
  });

  for (const { fold, view } of FOLDS) {
    it(`${fold.name}: a checkpoint at any record plus the tail gives the fold of the whole log`, () => {
      for (const seed of SEEDS) {
        const events = randomLog(seed, 250);
        const whole = view(foldAll(fold, 'sesn_random', events) as never);
        const rnd = randomNumbers(seed * 7919);
        for (const at of [0, events.length, ...Array.from({ length: 4 }, () => Math.floor(rnd() * events.length))]) {
          assert.deepEqual(
            view(checkpointed(fold, 'sesn_random', events, at) as never),
            whole,
            `seed ${seed}, checkpoint at ${at}`,
          );
        }
      }
    });
  }

  it('overview: on long busy logs too, where lanes are compacted and old tool calls let go', () => {
    const { view } = FOLDS[2] as (typeof FOLDS)[number];
    for (const [seed, length] of [
      [1, 12_000],
      [2, 20_000],
    ] as const) {
      const events = randomLog(seed, length, { busy: true });
      const whole = view(foldAll(OVERVIEW_FOLD, 'sesn_random', events) as never);
      for (const at of [Math.floor(length / 3), Math.floor(length * 0.97)]) {
        assert.deepEqual(
          view(checkpointed(OVERVIEW_FOLD, 'sesn_random', events, at) as never),
          whole,
          `seed ${seed}, checkpoint at ${at}`,
        );
      }
    }
  });

  it("overview: a long session's checkpoint stays about the same size however long the session runs", async () => {
    const sizes: number[] = [];
    for (const rounds of [3_000, 6_000]) {
      // A clock of its own, 40 ms a tick: with the machine's, how spans merge (and so the size) followed
      // how loaded the machine was while the events were written.
      let tick = Date.parse('2026-01-01T00:00:00Z');
      const store = new MemorySessionStore(() => new Date((tick += 40)));
      const meta = await writeSampleSession(store, 'long', { rounds });
      const saved = (await store.readFolded(meta.id, OVERVIEW_FOLD)).state.save() as {
        timeline: { lanes: Array<[string, unknown[]]> };
        facts: { uses: unknown[] };
      };
      assert.ok(
        saved.timeline.lanes.every(([, spans]) => spans.length <= LANE_CAP),
        'each lane keeps at most LANE_CAP spans',
      );
      assert.ok(saved.facts.uses.length <= 1024, 'the last tool calls only');
      sizes.push(JSON.stringify(saved).length);
    }
    assert.ok(
      (sizes[1] as number) < (sizes[0] as number) * 1.2,
      `a session twice as long, a checkpoint about the same size: ${sizes.join(' → ')} bytes`,
    );
  });

  it('a checkpoint of another session, or of another shape, is not loaded', () => {
    for (const { fold } of FOLDS) {
      const saved = JSON.parse(JSON.stringify(fold.save(foldAll(fold, 'sesn_random', randomLog(3, 50)))));
      assert.equal(fold.load(saved, 'sesn_other'), undefined, `${fold.name}: another session's`);
      assert.equal(fold.load({ nothing: true }, 'sesn_random'), undefined, `${fold.name}: another shape`);
      assert.equal(fold.load(null, 'sesn_random'), undefined, `${fold.name}: null`);
    }
  });
});
