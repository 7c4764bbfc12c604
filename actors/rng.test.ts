import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng, draw } from './rng.ts';

test('rng - a seed replays the same sequence', () => {
  const a = new Rng(123);
  const b = new Rng(123);
  assert.deepEqual([a.next(), a.next(), a.int(10)], [b.next(), b.next(), b.int(10)]);
});

test('rng - values are in [0, 1) and seeds stay uint32', () => {
  let seed = 0;
  for (let i = 0; i < 10_000; i++) {
    const d = draw(seed);
    assert.equal(d.value >= 0 && d.value < 1, true);
    assert.equal(Number.isInteger(d.seed) && d.seed >= 0 && d.seed < 2 ** 32, true);
    seed = d.seed;
  }
});

test('rng - pick from nothing is undefined', () => {
  assert.equal(new Rng(1).pick([]), undefined);
});
