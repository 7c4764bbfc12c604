import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffMs } from './backoff.ts';

const cfg = { minMs: 100, baseMs: 250, maxMs: 5_000 };

test('backoff - the cap doubles per attempt up to the maximum', () => {
  const top = () => 0.999999;
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map((a) => backoffMs(a, top, cfg)), [249, 499, 999, 1_999, 3_999, 4_999, 4_999]);
});

test('backoff - jitter spreads delays over [min, cap] and never goes below the floor', () => {
  assert.equal(backoffMs(3, () => 0, cfg), 100);
  assert.equal(backoffMs(3, () => 0.5, cfg), 500);
  assert.equal(backoffMs(1_000, () => 0.5, cfg), 2_500);
});
