import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HeightIndex } from '../../src/webview/eventLog/heightIndex.ts';

describe('HeightIndex (virtualized list geometry)', () => {
  test('unmeasured rows count at the estimate', () => {
    const h = new HeightIndex(20, 100);
    assert.equal(h.total(), 2000);
    assert.equal(h.offset(10), 200);
    assert.equal(h.indexAt(0), 0);
    assert.equal(h.indexAt(199), 9);
    assert.equal(h.indexAt(200), 10);
    assert.equal(h.indexAt(1e9), 99);
  });

  test('measured heights move every later row, and agree with a linear sum', () => {
    const h = new HeightIndex(22, 5000);
    const heights = Array.from({ length: 5000 }, () => 22);
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let k = 0; k < 800; k++) {
      const i = Math.floor(rand() * 5000);
      const v = 18 + Math.floor(rand() * 300);
      assert.equal(h.set(i, v), v - heights[i]!);
      heights[i] = v;
    }
    let sum = 0;
    for (let i = 0; i < 5000; i++) {
      if (i % 97 === 0) {
        assert.equal(h.offset(i), sum);
        assert.equal(h.indexAt(sum), i);
        assert.equal(h.indexAt(sum + heights[i]! - 0.5), i);
      }
      sum += heights[i]!;
    }
    assert.equal(h.total(), sum);
  });

  test('grows past its capacity keeping measured heights; shrinking forgets them', () => {
    const h = new HeightIndex(10, 3);
    h.set(1, 50);
    h.resize(5000);
    assert.equal(h.count, 5000);
    assert.equal(h.offset(2), 60);
    assert.equal(h.total(), 50 + 4999 * 10);
    h.resize(1);
    assert.equal(h.total(), 10);
    h.resize(3);
    assert.equal(h.total(), 30, 'row 1 starts again at the estimate');
  });

  test('visible range covers the viewport plus overscan, clamped to the list', () => {
    const h = new HeightIndex(20, 100_000);
    assert.deepEqual(h.visibleRange(0, 400, 5), { start: 0, end: 26 });
    assert.deepEqual(h.visibleRange(20 * 50_000, 400, 5), { start: 49_995, end: 50_026 });
    assert.deepEqual(h.visibleRange(20 * 100_000, 400, 5), { start: 99_994, end: 100_000 });
    assert.deepEqual(new HeightIndex(20).visibleRange(0, 400, 5), { start: 0, end: 0 });
  });

  test('ignores writes outside the list and nonsense heights', () => {
    const h = new HeightIndex(20, 10);
    assert.equal(h.set(-1, 40), 0);
    assert.equal(h.set(10, 40), 0);
    assert.equal(h.set(3, Number.NaN), 0);
    assert.equal(h.total(), 200);
  });
});
