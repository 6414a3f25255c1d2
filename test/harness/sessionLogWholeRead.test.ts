// A SessionLog keeps no copy of what its run appends (a long run's own events would be memory proportional
// to the run): a whole-log read, when one is asked for, reads them back from the writer. It must still give
// every event in order, and leave out appends not acknowledged yet, as the state does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SessionLog } from '../../src/core/harness/sessionLog.ts';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { userMessage } from '../conformance/sessionStoreConformance.ts';
import { makeTempDir } from '../session/tempDir.ts';

test("a whole-log read after appends gives the log's events and the run's own, in order, without those not taken in", async () => {
  const temp = makeTempDir();
  try {
    const store = new FileSessionStore(temp.dir);
    const meta = await store.create({ title: 'whole read' });
    const first = await store.openWriter(meta.id);
    const before = await first.appendMany([userMessage('one'), userMessage('two')]);
    await first.close();
    const log = new SessionLog(await store.openWriter(meta.id), meta.id);
    const appended = [await log.append(userMessage('three')), await log.append(userMessage('four'))];
    const inFlight = log.append(userMessage('five'));
    // Asked before 'five' is taken in (its fdatasync is still running): the log is what the state covers.
    assert.deepEqual(
      log.events.map((e) => e.seq),
      [1, 2, 3, 4],
    );
    assert.deepEqual(log.events.slice(0, 4), [...before, ...appended]);
    assert.equal(log.get(appended[1]?.id ?? '')?.seq, 4);
    const five = await inFlight;
    assert.deepEqual(log.events.at(-1), five, 'kept current once built');
    assert.equal(log.state.lastSeq, 5);
    await log.close();
  } finally {
    temp.remove();
  }
});
