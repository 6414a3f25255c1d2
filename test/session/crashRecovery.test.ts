// A writer process SIGKILLed at random moments, hundreds of times: every record it acknowledged (the
// 'sync' append resolved, so it was fdatasynced before the child printed its seq) must be in the log,
// unchanged, every time; records it wrote but did not acknowledge may be there or not. Each next child
// takes over the dead child's stale lock and cuts off any torn tail, which this test checks as well.
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { logBytes } from './logBytes.ts';
import { startChild } from './sessionChildProcess.ts';
import { makeTempDir } from './tempDir.ts';

const LANES = 3;
/** 100 per lane, 300 in all; AGENT_OS_CRASH_KILLS sets the total for a longer soak. */
const KILLS_PER_LANE = Math.ceil(Number(process.env.AGENT_OS_CRASH_KILLS ?? 300) / LANES);
/** The child appends 3 'batch' records, then a 'sync' one it acknowledges: at most 4 unacknowledged. */
const MAX_UNACKED = 4;

describe('a writer killed mid-append', () => {
  it(`loses no acknowledged record over ${LANES * KILLS_PER_LANE} SIGKILLs`, async (t) => {
    const temp = makeTempDir();
    try {
      const store = new FileSessionStore(temp.dir, { blobThresholdBytes: 512 * 1024 });
      let tornTails = 0;
      let killedBeforeOpen = 0;
      let totalAcks = 0;
      let writersThatAppended = 0;
      /** Kills that left the zeros a writer writes ahead after its records: the next opening cuts them. */
      let zeroTails = 0;

      async function lane(): Promise<void> {
        const { id } = await store.create({ title: 'crash' });
        const ackedIds: string[] = [];
        let seenIds: string[] = [];
        let lastFence = 0;
        for (let kill = 0; kill < KILLS_PER_LANE; kill++) {
          const child = startChild(['append', temp.dir, id]);
          if (Math.random() < 0.1) {
            // Sometimes while it opens: taking the stale lock over, cutting a tail, reading the log.
            await new Promise((r) => setTimeout(r, Math.random() * 40));
          } else {
            const open = await child.waitFor(/^open /);
            const [, events, truncated, fence] = open.split(' ').map(Number);
            assert.ok(
              (events as number) >= ackedIds.length,
              `child opened ${events} events, ${ackedIds.length} were acknowledged`,
            );
            assert.ok((fence as number) > lastFence, 'each writer gets a higher fence');
            lastFence = fence as number;
            if ((truncated as number) > 0) tornTails++;
            // The kill lands among appends, not before the first one: on a loaded machine a child can take
            // longer than the whole window to write its first record.
            await child.waitFor(/^ack /);
            writersThatAppended++;
            await new Promise((r) => setTimeout(r, Math.random() * 25));
          }
          child.process.kill('SIGKILL');
          await child.exited;
          if (!child.lines.some((l) => l.startsWith('open '))) killedBeforeOpen++;
          const log = join(store.sessionDir(id), 'events.jsonl');
          if (statSync(log).size > logBytes(log)) zeroTails++;

          const acks = child.lines.filter((l) => l.startsWith('ack ')).map((l) => Number(l.slice(4)));
          totalAcks += acks.length;
          const maxAck = Math.max(ackedIds.length, ...acks);
          const events = await store.read(id);
          assert.ok(events.length >= maxAck, `log has ${events.length} records, ${maxAck} were acknowledged`);
          // Whole records found before, acknowledged or not, stay: the next writer builds on them.
          const bound = Math.max(seenIds.length, maxAck) + MAX_UNACKED;
          assert.ok(events.length <= bound, `log has ${events.length} records, at most ${bound} could be there`);
          events.forEach((e, i) => assert.equal(e.seq, i + 1));
          // What was acknowledged (or read whole) before is still there, the very same records.
          assert.deepEqual(
            events.slice(0, ackedIds.length).map((e) => e.id),
            ackedIds,
          );
          assert.deepEqual(
            events.slice(0, seenIds.length).map((e) => e.id),
            seenIds,
          );
          for (let seq = ackedIds.length + 1; seq <= maxAck; seq++)
            ackedIds.push((events[seq - 1] as { id: string }).id);
          seenIds = events.map((e) => e.id);
        }
        const writer = await store.openWriter(id);
        assert.ok(writer.opened.events.length >= ackedIds.length);
        const log = join(store.sessionDir(id), 'events.jsonl');
        assert.equal(statSync(log).size, logBytes(log), 'the opening cut the zeros the last child left');
        await writer.close();
        // Temp files of children killed mid-write (lock, blobs) are gone once a writer has opened.
        const leftovers = [...readdirSync(store.sessionDir(id)), ...readdirSync(join(store.sessionDir(id), 'blobs'))];
        assert.deepEqual(
          leftovers.filter((n) => n.includes('tmp-')),
          [],
        );
        assert.equal((await store.verify(id)).ok, true);
      }

      await Promise.all(Array.from({ length: LANES }, () => lane()));
      t.diagnostic(
        `acknowledged records: ${totalAcks}, torn tails cut off: ${tornTails}, killed before open: ${killedBeforeOpen}, zero tails left: ${zeroTails}`,
      );
      assert.ok(zeroTails > 0, 'kills landed while zeros were written ahead of the log');
      // Every writer killed after it opened had appended first (the kill waited for it), so each lane's log
      // grew through take-overs; more acknowledgements than writers show kills landed among appends.
      assert.ok(
        writersThatAppended > (LANES * KILLS_PER_LANE) / 2,
        'most children opened and appended before their kill',
      );
      assert.ok(totalAcks >= writersThatAppended, 'the children got to append');
    } finally {
      temp.remove();
    }
  });
});
