// Checkpoints of the folds readers keep (SessionStore.readFolded on the file store): a writer given a fold
// keeps it current and checkpoints it with the session's state; a reader that had to fold a long tail
// leaves a checkpoint for the next; a wake leaves a fold whose checkpoint is far behind to the readers; a
// fold that grows with the log is saved when the log doubles and at the close, not at every checkpoint;
// and a checkpoint that is damaged, of another version, not loadable, or of a log rewritten since is
// ignored and rebuilt — never trusted over the log.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import type { EventInput } from '../../src/core/events/sessionEvent.ts';
import { foldAll, type LogFold } from '../../src/core/session/logFold.ts';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { checkpointFile, readCheckpoint } from '../../src/node/session/foldCheckpoint.ts';
import { userMessage } from '../conformance/sessionStoreConformance.ts';
import { TEXT_FOLD } from './textFold.ts';
import { agentCycle } from './realisticEvents.ts';
import { makeTempDir } from './tempDir.ts';
import { logBytes } from './logBytes.ts';

let temp: { dir: string; remove(): void };
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.remove());

type Texts = ReturnType<typeof TEXT_FOLD.start>;

/** TEXT_FOLD, counting the events it is handed (what a reading or a wake had to fold). */
function counting(version = TEXT_FOLD.version): { fold: LogFold<Texts>; applied: () => number; reset: () => void } {
  let applied = 0;
  return {
    fold: { ...TEXT_FOLD, version, apply: (state, event) => (applied++, TEXT_FOLD.apply(state, event)) },
    applied: () => applied,
    reset: () => (applied = 0),
  };
}

/** `count` events: user messages among the realistic mix (about 2.4 KB a record). */
async function write(store: FileSessionStore, id: string, count: number): Promise<void> {
  const writer = await store.openWriter(id);
  for (let i = 0; i < count; i += 6) {
    const inputs: EventInput[] = [...agentCycle(i).slice(0, 5), userMessage(`m${i}`)];
    await writer.appendMany(inputs.slice(0, count - i), 'batch');
  }
  await writer.close();
}

describe('fold checkpoints', () => {
  it('are kept by a writer given the fold: a reader folds only the records after the last one', async () => {
    const { fold, applied } = counting();
    const store = new FileSessionStore(temp.dir, { folds: [fold] });
    const { id } = await store.create({ title: 'kept' });
    await write(store, id, 5000);
    const saved = readCheckpoint(store.sessionDir(id), id, TEXT_FOLD);
    assert.ok(saved && saved.records >= 4096, `the writer checkpointed the fold (at ${saved?.records})`);
    const events = await store.read(id);
    assert.equal(applied(), 5000, 'the writer folded each append once');
    const reader = counting();
    const folded = await new FileSessionStore(temp.dir).readFolded(id, reader.fold);
    assert.deepEqual(folded.state, foldAll(TEXT_FOLD, id, events));
    assert.equal(reader.applied(), 5000 - saved.records, 'only the tail was folded');
  });

  it('are left by a reader that folded a long tail, for the next reader, of records on disk', async () => {
    const store = new FileSessionStore(temp.dir);
    const { id } = await store.create({ title: 'reader' });
    await write(store, id, 5000);
    const reader = counting();
    const first = await store.readFolded(id, reader.fold);
    assert.equal(reader.applied(), 5000);
    assert.equal(
      readCheckpoint(store.sessionDir(id), id, TEXT_FOLD)?.records,
      5000,
      'a checkpoint for the next reader',
    );
    reader.reset();
    const writer = await store.openWriter(id);
    await writer.appendMany([userMessage('one'), userMessage('two')]);
    const second = await new FileSessionStore(temp.dir).readFolded(id, reader.fold);
    assert.equal(reader.applied(), 2);
    assert.deepEqual(second.state.texts, [...first.state.texts, 'one', 'two']);
    assert.deepEqual(second.next, {
      offset: logBytes(join(store.sessionDir(id), 'events.jsonl')),
      seq: 5003,
    });
    await writer.close();
  });

  it('of a fold far behind the log are left to the readers by a wake, and kept again once a reader made one', async () => {
    const { id } = await new FileSessionStore(temp.dir).create({ title: 'behind' });
    await write(new FileSessionStore(temp.dir), id, 5000); // ~12 MB, past what a wake brings a fold along for
    const given = counting();
    const store = new FileSessionStore(temp.dir, { folds: [given.fold] });
    let writer = await store.openWriter(id);
    assert.equal(given.applied(), 0, 'the wake did not fold the whole log for it');
    await writer.appendMany(Array.from({ length: 300 }, (_, i) => userMessage(`w${i}`)));
    await writer.close();
    assert.equal(given.applied(), 0, 'nor did the writer');
    assert.equal(existsSync(join(store.sessionDir(id), checkpointFile(TEXT_FOLD.name))), false);
    await store.readFolded(id, TEXT_FOLD); // a reader makes one
    given.reset();
    writer = await store.openWriter(id);
    await writer.append(userMessage('kept again'));
    await writer.close();
    assert.equal(given.applied(), 1, 'a wake at the checkpoint brings the fold along, and the writer keeps it');
  });

  it('of a fold that grows with the log are saved by a writer when the log has doubled and when it closes', async () => {
    const saves: number[] = [];
    const grows: LogFold<Texts> = {
      ...TEXT_FOLD,
      growsWithLog: true,
      save: (state) => (saves.push(state.texts.length), TEXT_FOLD.save(state)),
    };
    const sessionSaves: number[] = [];
    const each: LogFold<Texts> = {
      ...TEXT_FOLD,
      name: 'texts-each',
      save: (state) => (sessionSaves.push(state.texts.length), TEXT_FOLD.save(state)),
    };
    const store = new FileSessionStore(temp.dir, { folds: [grows, each], checkpointRecords: 100 });
    const { id } = await store.create({ title: 'grows' });
    const writer = await store.openWriter(id);
    for (let i = 0; i < 3000; i++) await writer.append(userMessage(`m${i}`), i % 10 === 9 ? 'sync' : 'batch');
    const whileRunning = [...saves];
    await writer.append(userMessage('last'));
    await writer.close();
    // The other fold at every checkpoint: every 100 records, or later when the one before was still being
    // written (a loaded machine skips some). The growing one at the first checkpoint past twice its last save
    // (100, 200, 400, 800, 1600 when none is skipped), then at the close.
    const checkpoints = sessionSaves.filter((n) => n <= 3000);
    assert.ok(checkpoints.length >= 3, `${checkpoints.length} checkpoints while running`);
    checkpoints
      .slice(1)
      .forEach((n, i) => assert.ok(n - (checkpoints[i] as number) >= 100, `${n} after ${checkpoints[i]}`));
    const expected: number[] = [];
    for (const n of checkpoints) if (expected.length === 0 || n >= 2 * (expected.at(-1) as number)) expected.push(n);
    assert.deepEqual(whileRunning, expected, `checkpoints at ${checkpoints.join(', ')}`);
    assert.equal(saves.at(-1), 3001, 'saved at the close, with every record');
    const written = whileRunning.reduce((a, n) => a + n, 0) + 3001;
    assert.ok(written < 3 * 3001, `written ${written} texts in all for a fold of 3001`);
    const reader = counting();
    const folded = await new FileSessionStore(temp.dir).readFolded(id, reader.fold);
    assert.equal(folded.state.texts.length, 3001);
    assert.equal(reader.applied(), 0, 'a reader after the close folds nothing');
  });

  const spoilers: Array<[string, (dir: string) => void, number?]> = [
    [
      'damaged',
      (dir) => {
        const file = join(dir, checkpointFile(TEXT_FOLD.name));
        const bytes = readFileSync(file);
        bytes[60] = (bytes[60] as number) ^ 0x01;
        writeFileSync(file, bytes);
      },
    ],
    ['of another version of the fold', () => undefined, TEXT_FOLD.version + 1],
    [
      'not loadable by the fold',
      (dir) => {
        const file = join(dir, checkpointFile(TEXT_FOLD.name));
        const json = readFileSync(file, 'utf8').slice(9, -1).replace('"texts":[', '"texts":7,"x":[');
        writeFileSync(file, `${crc32(json).toString(16).padStart(8, '0')}\n${json}\n`);
      },
    ],
    [
      'of a log rewritten since',
      (dir) => {
        // The same records with other ids: same seqs, same length, other checksums.
        const log = join(dir, 'events.jsonl');
        const lines = readFileSync(log, 'utf8')
          .replace(/"id":"sevt_/g, '"id":"sevu_')
          .split('\n')
          .filter((l) => l.length > 0)
          .map((l) => {
            const body = l.slice(l.indexOf('"event":') + 8, -1);
            return `{"crc32":"${crc32(body).toString(16).padStart(8, '0')}","event":${body}}\n`;
          });
        writeFileSync(log, lines.join(''));
      },
    ],
  ];
  for (const [what, spoil, version] of spoilers) {
    it(`are ignored when ${what}, and the fold rebuilt from the log`, async () => {
      const store = new FileSessionStore(temp.dir);
      const { id } = await store.create({ title: 'spoiled' });
      await write(store, id, 4200);
      await store.readFolded(id, TEXT_FOLD);
      // A checkpoint that says something the log does not, so that trusting it would show.
      const file = join(store.sessionDir(id), checkpointFile(TEXT_FOLD.name));
      const json = readFileSync(file, 'utf8').slice(9, -1).replace('"texts":["', '"texts":["forged ');
      writeFileSync(file, `${crc32(json).toString(16).padStart(8, '0')}\n${json}\n`);
      assert.equal((await store.readFolded(id, TEXT_FOLD)).state.texts[0], 'forged m0', 'a whole checkpoint is used');
      spoil(store.sessionDir(id));
      const reader = counting(version);
      const folded = await new FileSessionStore(temp.dir).readFolded(id, reader.fold);
      assert.deepEqual(folded.state, foldAll(TEXT_FOLD, id, await store.read(id)), 'never trusted');
      assert.equal(reader.applied(), 4200, 'folded from the start');
    });
  }

  it('refuse fold names that are not safe file names, and a store given two folds of one name', async () => {
    const store = new FileSessionStore(temp.dir);
    const { id } = await store.create({ title: 'names' });
    await assert.rejects(store.readFolded(id, { ...TEXT_FOLD, name: '../meta' }), /not a fold name/);
    assert.throws(() => new FileSessionStore(temp.dir, { folds: [TEXT_FOLD, TEXT_FOLD] }), /names of their own/);
    assert.throws(
      () => new FileSessionStore(temp.dir, { folds: [{ ...TEXT_FOLD, name: 'session' }] }),
      /names of their own/,
    );
  });
});
