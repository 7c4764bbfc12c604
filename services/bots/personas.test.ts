import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng } from '../../actors/rng.ts';
import { hasMarkers, insertMarkers } from '../../actors/markers.ts';
import { scoreAnswer } from '../../actors/scoring.ts';
import { timeLimitMs } from '../../actors/timing.ts';
import { PERSONAS, addTypos, castPlayers, planAnswer } from './personas.ts';

const PROMPT = '다람쥐 헌 쳇바퀴에 타고파';
const shown = insertMarkers(PROMPT, new Rng(7));
const limit = timeLimitMs(PROMPT);

test('personas - silent sends nothing', () => {
  assert.equal(planAnswer('silent', shown, new Rng(1)), null);
});

test('personas - only the paster keeps the anti-paste markers', () => {
  for (const persona of PERSONAS) {
    const plan = planAnswer(persona, shown, new Rng(3));
    if (plan === null) continue;
    assert.equal(hasMarkers(plan.text), persona === 'paster', persona);
  }
});

test('personas - the paster is caught by the scorer', () => {
  const plan = planAnswer('paster', shown, new Rng(3))!;
  assert.equal(scoreAnswer({ prompt: PROMPT, answer: plan.text, elapsedMs: plan.delayMs }).pasted, true);
});

test('personas - accurate, fast and slow type the prompt exactly and in time, in that order of speed', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (seed) => {
      const fast = planAnswer('fast', shown, new Rng(seed))!;
      const accurate = planAnswer('accurate', shown, new Rng(seed))!;
      const slow = planAnswer('slow', shown, new Rng(seed))!;
      for (const plan of [fast, accurate, slow]) {
        assert.equal(plan.text, PROMPT);
        assert.ok(plan.delayMs > 0 && plan.delayMs < limit);
      }
      assert.ok(fast.delayMs <= accurate.delayMs && accurate.delayMs <= slow.delayMs);
    }),
  );
});

test('personas - late answers after the deadline', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (seed) => {
      assert.ok(planAnswer('late', shown, new Rng(seed))!.delayMs > limit);
    }),
  );
});

test('personas - typo-prone answers are close but not exact', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (seed) => {
      const plan = planAnswer('typo', shown, new Rng(seed))!;
      const score = scoreAnswer({ prompt: PROMPT, answer: plan.text, elapsedMs: plan.delayMs });
      assert.equal(score.pasted, false);
      assert.ok(score.distance >= 1 && score.accuracy >= 70, `${plan.text}: ${score.accuracy}%`);
    }),
  );
});

test('personas - addTypos changes exactly k characters and keeps spaces and length', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 5 }), (seed, k) => {
      const src = Array.from('Hello 세계 typing 게임');
      const out = Array.from(addTypos(src.join(''), k, new Rng(seed)));
      assert.equal(out.length, src.length);
      assert.equal(out.filter((ch, i) => ch !== src[i]).length, k);
      src.forEach((ch, i) => ch === ' ' && assert.equal(out[i], ' '));
    }),
  );
});

test('personas - the same seed plans the same answer', () => {
  assert.deepEqual(planAnswer('typo', shown, new Rng(42)), planAnswer('typo', shown, new Rng(42)));
});

test('personas - castPlayers cycles through every persona', () => {
  assert.deepEqual(new Set(castPlayers(PERSONAS.length, 3)), new Set(PERSONAS));
  assert.deepEqual(castPlayers(2, 0), ['accurate', 'typo']);
});
