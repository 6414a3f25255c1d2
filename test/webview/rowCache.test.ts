import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RowCache } from '../../src/webview/eventLog/rowCache.ts';

const rows = (start: number, n: number) => Array.from({ length: n }, (_, i) => ({ i: start + i }));

describe('RowCache (webview paging)', () => {
  test('asks only for missing pages, once, and serves what arrived', () => {
    const c = new RowCache<{ i: number }>(100, 10);
    c.reset(1, 1000);
    assert.deepEqual(c.request(150, 320), [
      { start: 100, end: 200 },
      { start: 200, end: 300 },
      { start: 300, end: 400 },
    ]);
    assert.deepEqual(c.request(150, 320), [], 'pending pages are not asked twice');
    assert.equal(c.put(1, 200, rows(200, 100)), true);
    assert.deepEqual(c.get(250), { i: 250 });
    assert.equal(c.get(150), undefined);
  });

  test('drops answers of an older generation', () => {
    const c = new RowCache<{ i: number }>(100, 10);
    c.reset(1, 500);
    c.request(0, 100);
    c.reset(2, 40);
    assert.equal(c.put(1, 0, rows(0, 100)), false);
    assert.equal(c.get(0), undefined);
    assert.deepEqual(c.request(0, 100), [{ start: 0, end: 100 }]);
  });

  test('a short tail page is asked again once the list grows past it', () => {
    const c = new RowCache<{ i: number }>(100, 10);
    c.reset(1, 130);
    assert.deepEqual(c.request(100, 130), [{ start: 100, end: 200 }]);
    c.put(1, 100, rows(100, 30));
    assert.deepEqual(c.request(100, 130), [], 'complete for the current total');
    c.grow(150);
    assert.deepEqual(c.request(100, 150), [{ start: 100, end: 200 }]);
    c.put(1, 100, rows(100, 50));
    assert.deepEqual(c.get(149), { i: 149 });
  });

  test('keeps at most maxPages, dropping the least recently used outside the viewport', () => {
    const c = new RowCache<{ i: number }>(100, 4);
    c.reset(1, 100_000);
    for (let p = 0; p < 10; p++) {
      for (const r of c.request(p * 100, p * 100 + 100)) c.put(1, r.start, rows(r.start, 100));
    }
    assert.ok(c.pageCount <= 4, `pages: ${c.pageCount}`);
    assert.deepEqual(c.get(950), { i: 950 });
    assert.equal(c.get(50), undefined);
  });

  test('an empty answer still clears the pending mark', () => {
    const c = new RowCache<{ i: number }>(100, 10);
    c.reset(1, 50);
    assert.equal(c.request(0, 50).length, 1);
    c.put(1, 0, []);
    assert.equal(c.request(0, 50).length, 1, 'asked again: nothing arrived');
  });
});
