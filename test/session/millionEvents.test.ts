// A session of a million events (2.4 GB, past the 2 GiB a single buffer can hold) is made quickly
// (longSession.ts writes the log straight to disk, outside anything timed) and opened in a fresh
// process within the memory goal: the wake is the fold checkpoint plus the tail, pages come through
// the index, a thread's events come through the writer's record index, and nothing reads the whole log
// into memory.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { writeLongSession } from './longSession.ts';
import { makeTempDir } from './tempDir.ts';

const EVENTS = 1_000_000;
const MEMORY_GOAL_MB = 300;
/** What the wake and everything after it may read, as a share of the log: the checkpoints, the tail past
 * them, two pages, a follow and one thread's records are a few megabytes of a 2.4 GB log. A wake that
 * folded the log, or a thread read that scanned it, would read all of it. */
const MOST_READ_OF_LOG = 0.01;

function mb(bytes: number | null): string {
  return bytes === null ? 'unknown' : `${(bytes / 2 ** 20).toFixed(1)} MB`;
}

describe('a 1,000,000-event session', () => {
  it(`opens in a fresh process within ${MEMORY_GOAL_MB} MB, past 2 GiB of log`, async (t) => {
    const temp = makeTempDir();
    try {
      const store = new FileSessionStore(temp.dir);
      const long = await writeLongSession(store, EVENTS);
      assert.ok(long.bytes > 2 ** 31, `${long.bytes} bytes`);
      const child = spawnSync(
        process.execPath,
        ['--import', 'tsx', join(__dirname, 'fixtures', 'openLongSession.ts'), temp.dir, long.id],
        {
          encoding: 'utf8',
          timeout: 120_000,
        },
      );
      assert.equal(child.status, 0, child.stderr);
      const seen = JSON.parse(child.stdout) as Record<string, unknown> & {
        maxRssMb: number;
        wakeMs: number;
        threadReadMs: number;
        readByWake: number | null;
        readInAll: number | null;
      };
      t.diagnostic(
        `log ${(long.bytes / 2 ** 30).toFixed(2)} GiB; wake ${seen.wakeMs.toFixed(0)} ms, read ${mb(seen.readByWake)}; ` +
          `a thread through the record index ${seen.threadReadMs.toFixed(0)} ms; ` +
          `in all read ${mb(seen.readInAll)}; peak memory ${seen.maxRssMb.toFixed(0)} MB`,
      );
      assert.deepEqual(
        { ...seen, wakeMs: 0, threadReadMs: 0, maxRssMb: 0, readByWake: 0, readInAll: 0 },
        {
          wakeMs: 0,
          threadReadMs: 0,
          maxRssMb: 0,
          readByWake: 0,
          readInAll: 0,
          lastSeq: EVENTS,
          eventCount: EVENTS,
          modelRequests: long.state.usage.model_requests,
          threads: Object.keys(long.state.threads).sort(),
          pending: 0,
          lastPage: [EVENTS - 99, EVENTS, 100],
          middlePage: [900_000, 900_001, 900_002, 900_003, 900_004],
          followed: [EVENTS + 1],
          reviewer: [EVENTS + 2, EVENTS + 3],
          planEvents: 0,
        },
      );
      // Where the kernel counts what a process reads (Linux), the wake is the checkpoint and the tail.
      for (const read of [seen.readByWake, seen.readInAll]) {
        if (read !== null) assert.ok(read < long.bytes * MOST_READ_OF_LOG, `read ${read} of a ${long.bytes}-byte log`);
      }
      assert.ok(
        seen.maxRssMb < MEMORY_GOAL_MB,
        `peak memory ${seen.maxRssMb.toFixed(0)} MB with a ${(long.bytes / 2 ** 30).toFixed(2)} GiB log open`,
      );
    } finally {
      temp.remove();
    }
  });
});
