import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { costOf, isPriced, priceOf } from '../../src/node/model/priceTable.ts';

describe('price table', () => {
  it('prices input, output, cache writes (1.25x) and cache reads (0.1x) per million tokens', () => {
    const usage = {
      input_tokens: 1_000_000,
      output_tokens: 1_000_000,
      cache_creation_input_tokens: 1_000_000,
      cache_read_input_tokens: 1_000_000,
    };
    assert.deepEqual(costOf('claude-sonnet-4-6', usage), { usd: 3 + 15 + 3.75 + 0.3, priced: true });
    assert.deepEqual(costOf('claude-haiku-4-5', { ...usage, output_tokens: 0 }), { usd: 1 + 1.25 + 0.1, priced: true });
    assert.equal(
      costOf('claude-opus-4-1', {
        input_tokens: 2000,
        output_tokens: 1000,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      }).usd,
      0.105,
    );
  });

  it('finds dated model ids under their base name', () => {
    assert.equal(priceOf('claude-sonnet-4-5-20250929'), priceOf('claude-sonnet-4-5'));
    assert.equal(isPriced('claude-haiku-4-5-20251001'), true);
  });

  it('marks an unknown model unpriced (cost 0, priced false) and accepts a caller table', () => {
    const usage = { input_tokens: 10, output_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    assert.equal(isPriced('claude-next-1'), false);
    assert.deepEqual(costOf('claude-next-1', usage), { usd: 0, priced: false });
    const table = { 'claude-next-1': { input: 1_000_000, output: 0, cache_write: 0, cache_read: 0 } };
    assert.deepEqual(costOf('claude-next-1', usage, table), { usd: 10, priced: true });
  });
});
