import assert from 'node:assert/strict';
import { test } from 'node:test';
import { timeLimitMs } from './timing.ts';

test('time limit - 5 s plus 1/3 s per Hangul syllable plus 1/5 s per other character', () => {
  assert.equal(timeLimitMs(''), 5_000);
  assert.equal(timeLimitMs('가나다'), 6_000);
  assert.equal(timeLimitMs('ab c'), 5_800);
  assert.equal(timeLimitMs('가 a'), Math.round(5_000 + 1_000 / 3 + 400));
});
