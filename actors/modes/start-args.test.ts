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

test('start args - robot with a level or `me`, teams with a count', () => {
  assert.deepEqual(parse('robot'), { mode: 'robot', difficulty: 'normal', rounds: 3, robot: 'normal' });
  assert.deepEqual(parse('로봇 어려움'), { mode: 'robot', difficulty: 'hard', rounds: 3, robot: 'hard' });
  assert.deepEqual(parse('robot me'), { mode: 'robot', difficulty: 'normal', rounds: 3, robot: 'me' });
  assert.deepEqual(parse('teams 2'), { mode: 'teams', difficulty: 'normal', rounds: 3, teams: 2 });
  assert.deepEqual(parse('팀 4 쉬움'), { mode: 'teams', difficulty: 'easy', rounds: 3, teams: 4 });
  for (const bad of ['teams', 'teams 1', 'teams 5', 'robot fast', 'robot me hard', 'teams 2 hard x']) assert.equal(parse(bad), null, bad);
});
