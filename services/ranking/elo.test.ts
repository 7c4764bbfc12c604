import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectedScore, rateDuel } from './elo.ts';

test('elo - equal players: the winner gains half of K, the loser loses as much', () => {
  assert.deepEqual(rateDuel(1000, 1000, 1), [1016, 984]);
  assert.deepEqual(rateDuel(1000, 1000, 0.5), [1000, 1000]);
});

test('elo - beating a stronger player gains more than beating a weaker one; a draw moves toward each other', () => {
  const [upset] = rateDuel(1000, 1200, 1);
  const [expected] = rateDuel(1200, 1000, 1);
  assert.ok(upset - 1000 > expected - 1200);
  assert.deepEqual(rateDuel(1000, 1200, 0.5), [1008, 1192]);
  assert.ok(Math.abs(expectedScore(1000, 1200) + expectedScore(1200, 1000) - 1) < 1e-12);
});
