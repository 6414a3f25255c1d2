import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromBase64, toBase64 } from '../../src/views/base64Bytes.ts';

test('bytes go to base64 and back, as node encodes them; text that is not base64 is refused', () => {
  for (const length of [0, 1, 2, 3, 4, 5, 255, 256, 10_000, 10_001, 10_002]) {
    const bytes = Uint8Array.from({ length }, (_, i) => (i * 7919 + length) & 255);
    const text = toBase64(bytes);
    assert.equal(text, Buffer.from(bytes).toString('base64'));
    assert.deepEqual(fromBase64(text), bytes);
  }
  for (const bad of ['A', 'AB=C', '@@@@', 'AAA=AAAA', 'é123']) assert.equal(fromBase64(bad), undefined, bad);
});
