import { test } from 'node:test';
import assert from 'node:assert/strict';
import { block, isIdle, reserve, type PaceState } from './pacing.ts';

const cfg = { ratePerSec: 1, burst: 3 };

test('pacing - a burst goes out at once, then one per second', () => {
  let state: PaceState | undefined;
  const waits: number[] = [];
  for (let i = 0; i < 6; i++) {
    const r = reserve(state, 1_000, cfg);
    state = r.state;
    waits.push(r.waitMs);
  }
  assert.deepEqual(waits, [0, 0, 0, 1_000, 2_000, 3_000]);
});

test('pacing - the bucket refills with time', () => {
  let state = reserve(undefined, 0, cfg).state;
  state = reserve(state, 0, cfg).state;
  state = reserve(state, 0, cfg).state;
  assert.equal(reserve(state, 0, cfg).waitMs, 1_000);
  assert.equal(reserve(state, 1_000, cfg).waitMs, 0);
});

test('pacing - a 429 Retry-After holds the channel even with tokens left', () => {
  const blocked = block(undefined, 5_000, 2, cfg);
  assert.equal(reserve(blocked, 5_500, cfg).waitMs, 1_500);
  assert.equal(reserve(blocked, 7_000, cfg).waitMs, 0);
});

test('pacing - a refilled, unblocked bucket is idle', () => {
  const used = reserve(undefined, 0, cfg).state;
  assert.equal(isIdle(used, 0, cfg), false);
  assert.equal(isIdle(used, 1_000, cfg), true);
  assert.equal(isIdle(block(used, 0, 5, cfg), 2_000, cfg), false);
});
