// Issue 15: no code path the product ships holds a whole session log. A session is read through its folds
// (a checkpoint and the records after it), in pages by seq, by thread through the record index, or followed
// in windows; `SessionStore.read` (every event at once) is there for tests and tools of the store itself.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { repo, sourceFiles } from './sourceFiles.ts';

/** Where the stores themselves are made: their own reads are how `read` is built. */
const STORES = ['src/node/session/', 'src/core/session/'];
const WHOLE_LOG_READ = /\b(store|source|sessions)\.read\(/;

test('nothing the product ships reads a whole session log (store.read)', () => {
  const reading = sourceFiles(join(repo, 'src'))
    .map((f) => relative(repo, f))
    .filter((f) => !STORES.some((dir) => f.startsWith(dir)) && !f.endsWith('.test.ts'))
    .filter((f) => WHOLE_LOG_READ.test(readFileSync(join(repo, f), 'utf8')));
  assert.deepEqual(reading, []);
});

test('the check still finds a whole-log read where there is one', () => {
  // test/ code reads whole logs freely: the pattern must find them, or the check above proves nothing.
  const inTests = sourceFiles(join(repo, 'test')).filter((f) => WHOLE_LOG_READ.test(readFileSync(f, 'utf8')));
  assert.ok(inTests.length > 5);
});
