import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStartArgs } from './start-args.ts';

const parse = (text: string) => parseStartArgs(text, { rounds: 3, kokMaxRounds: 10 });

test('start args - empty means one normal prompt at normal difficulty', () => {
  assert.deepEqual(parse(''), { mode: 'normal', difficulty: 'normal', rounds: 1 });
});

test('start args - modes with difficulty, in English and Korean', () => {
  assert.deepEqual(parse('normal hard'), { mode: 'normal', difficulty: 'hard', rounds: 1 });
  assert.deepEqual(parse('hard'), { mode: 'normal', difficulty: 'hard', rounds: 1 });
  assert.deepEqual(parse('round 5 easy'), { mode: 'round', difficulty: 'easy', rounds: 5 });
  assert.deepEqual(parse('라운드 4 어려움'), { mode: 'round', difficulty: 'hard', rounds: 4 });
  assert.deepEqual(parse('ROUND7'), { mode: 'round', difficulty: 'normal', rounds: 7 });
  assert.deepEqual(parse('round'), { mode: 'round', difficulty: 'normal', rounds: 3 });
  assert.deepEqual(parse('kok'), { mode: 'kok', difficulty: 'normal', rounds: 10 });
  assert.deepEqual(parse('왕 쉬움'), { mode: 'kok', difficulty: 'easy', rounds: 10 });
  assert.deepEqual(parse('normal normal'), { mode: 'normal', difficulty: 'normal', rounds: 1 });
});

test('start args - bad input is null, never a throw', () => {
  for (const bad of ['round 0', 'round 11', 'round -1', 'blah', 'hard easy', 'kok 3', 'constructor', '__proto__', 'round 3 hard extra']) {
    assert.equal(parse(bad), null, bad);
  }
});
