import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eliminate, isJoinWord } from './kok.ts';

test('kok - the lowest scorer and everyone who missed are out', () => {
  const e = eliminate(['A', 'B', 'C', 'D'], ['A', 'B', 'C'], [['A'], ['B'], ['C']]);
  assert.deepEqual(e.eliminated, ['C', 'D']);
  assert.deepEqual(e.missed, ['D']);
  assert.equal(e.everyoneMissed, false);
});

test('kok - players tied for lowest leave together', () => {
  assert.deepEqual(eliminate(['A', 'B', 'C'], ['A', 'B', 'C'], [['A'], ['B', 'C']]).eliminated, ['B', 'C']);
});

test('kok - all answerers tied: nobody is out by score, missed players still are', () => {
  assert.deepEqual(eliminate(['A', 'B', 'C'], ['A', 'B'], [['A', 'B']]).eliminated, ['C']);
  assert.deepEqual(eliminate(['A', 'B'], ['A', 'B'], [['A', 'B']]).eliminated, []);
});

test('kok - a lone answerer survives while the missed are out', () => {
  assert.deepEqual(eliminate(['A', 'B', 'C'], ['B'], [['B']]).eliminated, ['A', 'C']);
});

test('kok - unranked answers (pasted, implausible) are the bottom', () => {
  assert.deepEqual(eliminate(['A', 'B', 'C'], ['A', 'B', 'C'], [['A'], ['B']]).eliminated, ['C']);
});

test('kok - everyone missed: nobody eliminated, the game is told to end', () => {
  const e = eliminate(['A', 'B'], [], []);
  assert.deepEqual(e.eliminated, []);
  assert.equal(e.everyoneMissed, true);
});

test('kok - join words in both languages, any case and spacing', () => {
  assert.equal(isJoinWord(' Join '), true);
  assert.equal(isJoinWord('참가'), true);
  assert.equal(isJoinWord('join me'), false);
});
