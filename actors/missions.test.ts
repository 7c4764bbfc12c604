import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { missionFits, missionTarget, ranksOf, reverseText, standings, swapInitials } from './missions.ts';
import type { Contender } from './missions.ts';

const c = (user: string, score: number, accuracy = 90, elapsedMs = 5_000, eligible = true): Contender => ({ user, score, accuracy, elapsedMs, eligible });

describe('mission reverse', () => {
  test('the target is the sentence backwards, character by character', () => {
    assert.equal(missionTarget('reverse', '가나다 라', 'ko'), '라 다나가');
    assert.equal(reverseText('abc'), 'cba');
  });

  test('does not fit a palindrome', () => {
    assert.equal(missionFits('reverse', '토마토', 'ko'), false);
  });
});

describe('mission initials-swap', () => {
  test('Korean swaps the 초성 of the first syllables of each word pair', () => {
    // 가방 사다 → 사방 가다 ; the third word has no partner and stays.
    assert.equal(swapInitials('가방 사다 혼자', 'ko'), '사방 가다 혼자');
    // Vowels and finals stay put: 닭 → 탉 keeps ㄺ.
    assert.equal(swapInitials('닭 털', 'ko'), '탉 덜');
  });

  test('English swaps first letters, each position keeping its case', () => {
    assert.equal(swapInitials('Hello world', 'en'), 'Wello horld');
    assert.equal(missionTarget('initials-swap', 'pack my box with', 'en'), 'mack py wox bith');
  });

  test('does not fit a one-word sentence', () => {
    assert.equal(missionFits('initials-swap', '안녕하세요', 'ko'), false);
  });
});

describe('standings', () => {
  test('plain rounds rank by score, ties share a place', () => {
    const groups = standings(null, [c('A', 10), c('B', 30), c('C', 10), c('D', 5)]);
    assert.deepEqual(groups, [['B'], ['A', 'C'], ['D']]);
    assert.deepEqual([...ranksOf(groups)], [['B', 1], ['A', 2], ['C', 2], ['D', 4]]);
  });

  test('pasted or flagged answers are never ranked', () => {
    assert.deepEqual(standings(null, [c('A', 10), c('B', 99, 100, 1, false)]), [['A']]);
  });

  test('second-best: the second-highest score wins, then the best, then the rest', () => {
    assert.deepEqual(standings('second-best', [c('A', 50), c('B', 40), c('C', 30)]), [['B'], ['A'], ['C']]);
  });

  test('second-best: players tied for best leave the second distinct score to win', () => {
    assert.deepEqual(standings('second-best', [c('A', 50), c('B', 50), c('C', 30)]), [['C'], ['A', 'B']]);
  });

  test('second-best: a lone score (or one player) wins', () => {
    assert.deepEqual(standings('second-best', [c('A', 50)]), [['A']]);
    assert.deepEqual(standings('second-best', [c('A', 50), c('B', 50)]), [['A', 'B']]);
  });

  test('fastest-correct: only 100% answers count, the fastest first', () => {
    const groups = standings('fastest-correct', [c('A', 900, 99, 1_000), c('B', 100, 100, 8_000), c('C', 200, 100, 4_000)]);
    assert.deepEqual(groups, [['C'], ['B']]);
  });

  test('fastest-correct: nobody correct means no winner', () => {
    assert.deepEqual(standings('fastest-correct', [c('A', 900, 99)]), []);
  });

  test('reverse and initials-swap rank by score like plain rounds', () => {
    assert.deepEqual(standings('reverse', [c('A', 1), c('B', 2)]), [['B'], ['A']]);
    assert.deepEqual(standings('initials-swap', [c('A', 1), c('B', 2)]), [['B'], ['A']]);
  });
});
