// What only the file store's fork has: the fork is a folder of its own (large events in its own blobs, readable
// after the source is deleted), made whole or not at all.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, it } from 'node:test';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { userMessage } from '../conformance/sessionStoreConformance.ts';
import { makeTempDir } from './tempDir.ts';

let temp: { dir: string; remove(): void };
let store: FileSessionStore;
beforeEach(() => {
  temp = makeTempDir();
  store = new FileSessionStore(temp.dir, { blobThresholdBytes: 2048, readWindowBytes: 4096 });
});
afterEach(() => temp.remove());

it('a fork keeps large events in blobs of its own and outlives its source', async () => {
  const source = await store.create({ title: 'big' });
  const writer = await store.openWriter(source.id);
  const events = await writer.appendMany([
    userMessage('small'),
    userMessage('x'.repeat(10_000)),
    ...Array.from({ length: 3000 }, (_, i) => userMessage(`m${i}`)),
  ]);
  await writer.close();
  const fork = await store.fork(source.id, { throughSeq: 2500, session: { title: 'fork' } });
  assert.deepEqual(readdirSync(join(temp.dir, fork.id, 'blobs')).length, 1);
  await store.delete(source.id);
  const forked = await store.read(fork.id);
  assert.equal(forked.length, 2500);
  assert.deepEqual(forked, events.slice(0, 2500));
  assert.equal((await store.verify(fork.id)).ok, true);
});

it('a refused fork leaves no folder behind', async () => {
  const source = await store.create({ title: 'src' });
  const writer = await store.openWriter(source.id);
  await writer.append(userMessage('a'));
  await writer.close();
  const bad = { type: 'user.message', thread: 'sthr_x', content: 3 } as never;
  await assert.rejects(
    store.fork(source.id, { throughSeq: 1, session: { id: 'sesn_refused', title: 'x' }, append: [bad] }),
    { code: 'INVALID_EVENT' },
  );
  assert.equal(existsSync(join(temp.dir, 'sesn_refused')), false);
  assert.deepEqual(
    readdirSync(temp.dir).filter((n) => n.startsWith('.')),
    [],
  );
});
