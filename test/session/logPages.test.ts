// Walking a log a page at a time (logPages, seqOfEvent): every event once, in order, a page at most at a
// time, stopping at the count asked for even while a writer appends; on the memory store and the file store.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventInput } from '../../src/core/events/sessionEvent.ts';
import { logPages, seqOfEvent } from '../../src/core/session/logPages.ts';
import { MemorySessionStore } from '../../src/core/session/memorySessionStore.ts';
import type { SessionStore } from '../../src/core/session/sessionStore.ts';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { makeTempDir } from './tempDir.ts';

const message = (i: number): EventInput =>
  ({ type: 'agent.message', thread: 'sthr_a', content: [{ type: 'text', text: `m${i}` }] }) as EventInput;

for (const kind of ['memory', 'file'] as const) {
  test(`logPages and seqOfEvent over the ${kind} store`, async () => {
    const temp = makeTempDir('agent-os-logpages-');
    try {
      const store: SessionStore = kind === 'memory' ? new MemorySessionStore() : new FileSessionStore(temp.dir);
      const meta = await store.create({ title: 'pages' });
      const w = await store.openWriter(meta.id);
      const written = await w.appendMany(Array.from({ length: 1_000 }, (_, i) => message(i)));
      const sizes: number[] = [];
      const seqs: number[] = [];
      for await (const page of logPages(store, meta.id, 990, 128)) {
        sizes.push(page.length);
        for (const e of page) seqs.push(e.seq);
        await w.append(message(-1)); // a live writer goes on: the walk still stops at 990
      }
      assert.deepEqual(
        seqs,
        Array.from({ length: 990 }, (_, i) => i + 1),
      );
      assert.ok(sizes.every((n) => n <= 128));
      assert.equal(await seqOfEvent(store, meta.id, written[700]!.id), 701);
      assert.equal(await seqOfEvent(store, meta.id, 'sevt_none'), undefined);
      await w.close();
    } finally {
      temp.remove();
    }
  });
}
