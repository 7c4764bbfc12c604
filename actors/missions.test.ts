import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { conditionOutcome, missionFits, missionTarget, ranksOf, replaceableIn, replaceConsonant, replacementsFor, reverseText, standings, swapInitials } from './missions.ts';
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

describe('mission consonant-replace', () => {
  test('Korean replaces one 초성 everywhere, keeping vowels and finals', () => {
    assert.equal(replaceConsonant('가방 고기 닭', 'ko', { from: 'ㄱ', to: 'ㅋ' }), '카방 코키 닭');
    assert.equal(replaceConsonant('닭 다리', 'ko', { from: 'ㄷ', to: 'ㅌ' }), '탉 타리');
    assert.equal(missionTarget('consonant-replace', '사과 세 개', 'ko', { from: 'ㅅ', to: 'ㅈ' }), '자과 제 개');
  });

  test('English replaces the letter everywhere, keeping case', () => {
    assert.equal(replaceConsonant('The cat sat', 'en', { from: 't', to: 'p' }), 'Phe cap sap');
  });

  test('X is drawn from consonants present in the sentence; a sentence without any does not fit', () => {
    assert.deepEqual(replaceableIn('가나', 'ko'), ['ㄱ', 'ㄴ']);
    assert.equal(replaceableIn('아이 오', 'ko').length, 0, 'ㅇ is never X');
    assert.equal(missionFits('consonant-replace', '아이', 'ko'), false);
    assert.equal(missionFits('consonant-replace', 'aeiou', 'en'), false);
    assert.equal(replacementsFor('ㄱ', 'ko').includes('ㄱ'), false);
  });
});

describe('condition missions', () => {
  test('all-perfect: met only when every answer is 100 % and typed by hand; nobody answering fails', () => {
    assert.deepEqual(conditionOutcome('all-perfect', [{ accuracy: 100, pasted: false }, { accuracy: 100, pasted: false }])?.met, true);
    assert.deepEqual(conditionOutcome('all-perfect', [{ accuracy: 100, pasted: false }, { accuracy: 99, pasted: false }])?.met, false);
    assert.deepEqual(conditionOutcome('all-perfect', [{ accuracy: 100, pasted: true }])?.met, false);
    assert.deepEqual(conditionOutcome('all-perfect', [])?.met, false);
  });

  test('average-95: the mean accuracy (pasted counts 0) must reach 95', () => {
    assert.deepEqual(conditionOutcome('average-95', [{ accuracy: 100, pasted: false }, { accuracy: 90, pasted: false }]), { met: true, average: 95 });
    assert.deepEqual(conditionOutcome('average-95', [{ accuracy: 100, pasted: false }, { accuracy: 89, pasted: false }]), { met: false, average: 94 });
    assert.deepEqual(conditionOutcome('average-95', [{ accuracy: 100, pasted: true }]), { met: false, average: 0 });
  });

  test('other missions have no condition', () => {
    assert.equal(conditionOutcome('reverse', [{ accuracy: 100, pasted: false }]), null);
    assert.equal(conditionOutcome(null, []), null);
  });
});
