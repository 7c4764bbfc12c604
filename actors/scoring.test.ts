import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { disassemble } from 'es-hangul';
import { distance as levenshtein } from 'fastest-levenshtein';
import fc from 'fast-check';
import { insertMarkers } from './markers.ts';
import { Rng } from './rng.ts';
import { accuracyPercent, jamoDistance, scoreAnswer, toJamo } from './scoring.ts';

const score = (prompt: string, answer: string, elapsedMs = 60_000) => scoreAnswer({ prompt, answer, elapsedMs });

describe('scoring - accuracy', () => {
  test('a 29-jamo sentence with three jamo edits scores 89%', () => {
    const prompt = '서핑거는 타자 게임입니다.';
    assert.equal(toJamo(prompt).length, 29);
    // 는→능 (one jamo), 게→개 (one jamo), the final period missing (one character).
    const s = score(prompt, '서핑거능 타자 개임입니다');
    assert.equal(s.distance, 3);
    assert.equal(s.length, 29);
    assert.equal(s.accuracy, 89);
  });

  test('a missing space costs one edit, not the rest of the sentence', () => {
    const s = score('오늘은 날씨가 좋다', '오늘은날씨가 좋다');
    assert.equal(s.distance, 1);
  });

  test('one wrong jamo inside a syllable costs one edit', () => {
    assert.equal(score('한글', '힌글').distance, 1);
    assert.equal(score('값', '갑').distance, 1, 'ㅄ is two keystrokes, one of them missing');
  });

  test('a stray jamo costs only its own edit', () => {
    assert.equal(score('가나다', '가나ㄷ다').distance, 1);
  });

  test('English compares letters as they are', () => {
    const s = scoreAnswer({ prompt: 'the cat sat', answer: 'the cat sad', elapsedMs: 60_000 });
    assert.equal(s.distance, 1);
    assert.equal(s.length, 11);
    assert.equal(s.accuracy, 90);
  });

  test('accuracy never goes below zero', () => {
    assert.equal(score('가', '나다라마바사아자차카').accuracy, 0);
  });

  test('an empty prompt is 100% only for an empty answer', () => {
    assert.equal(score('', '').accuracy, 100);
    assert.equal(score('', 'a').accuracy, 0);
  });

  test('whole percent is computed in integers: 93/100 stays 93', () => {
    assert.equal(accuracyPercent(7, 100, false), 93);
    assert.equal(accuracyPercent(1, 3, false), 66);
  });

  test('jamo decomposition equals es-hangul disassemble for every syllable and compatibility jamo', () => {
    for (let code = 0xac00; code <= 0xd7a3; code++) {
      const ch = String.fromCharCode(code);
      if (toJamo(ch) !== disassemble(ch)) assert.fail(`syllable ${ch}`);
    }
    for (let code = 0x3131; code <= 0x318e; code++) {
      const ch = String.fromCharCode(code);
      assert.equal(toJamo(ch), disassemble(ch));
    }
    assert.equal(toJamo('괜찮아 OK!'), disassemble('괜찮아 OK!'));
  });
});

describe('scoring - speed, WPM and score', () => {
  test('speed is answer jamo per minute and score is accuracy² × speed', () => {
    const s = scoreAnswer({ prompt: '서핑거는 타자 게임입니다.', answer: '서핑거능 타자 개임입니다', elapsedMs: 6_000 });
    assert.equal(s.speed, 28 * 10);
    assert.equal(s.wpm, null);
    assert.equal(Math.abs(s.score - (26 / 29) ** 2 * 280) < 1e-9, true);
  });

  test('English shows WPM with 5 characters per word', () => {
    const s = scoreAnswer({ prompt: 'hello world', answer: 'hello world', elapsedMs: 6_000, lang: 'en' });
    assert.equal(s.wpm, (11 / 5) * 10);
    assert.equal(s.speed, 110);
  });

  test('language is inferred from the prompt when not given', () => {
    assert.equal(score('abc', 'abc').wpm, 3 / 5);
    assert.equal(score('가나', '가나').wpm, null);
  });

  test('no elapsed time means no speed instead of infinity', () => {
    assert.equal(scoreAnswer({ prompt: 'a', answer: 'a', elapsedMs: 0 }).speed, 0);
  });
});

describe('scoring - markers', () => {
  test('pasted answer scores zero but keeps its accuracy', () => {
    const shown = insertMarkers('오늘은 날씨가 좋다', new Rng(1));
    const s = score(shown, shown);
    assert.equal(s.pasted, true);
    assert.equal(s.score, 0);
    assert.equal(s.accuracy, 100);
  });

  test('markers in the prompt never count in accuracy', () => {
    const prompt = '오늘은 날씨가 좋다';
    const s = score(insertMarkers(prompt, new Rng(7)), prompt);
    assert.equal(s.accuracy, 100);
    assert.equal(s.length, toJamo(prompt).length);
    assert.equal(s.pasted, false);
  });
});

// ---- properties -------------------------------------------------------------------------------

const HANGUL = fc.integer({ min: 0xac00, max: 0xd7a3 }).map((c) => String.fromCharCode(c));
const CHAR = fc.oneof(HANGUL, fc.constantFrom(' ', 'a', 'b', 'Z', '.', 'ㄱ', 'ㅘ', '1'));
const TEXT = fc.array(CHAR, { maxLength: 30 }).map((cs) => cs.join(''));
const PROMPT = fc.array(CHAR, { minLength: 1, maxLength: 30 }).map((cs) => cs.join(''));

describe('scoring - properties', () => {
  test('accuracy is a whole percent in [0, 100]', () => {
    fc.assert(
      fc.property(PROMPT, TEXT, (p, a) => {
        const { accuracy } = score(p, a);
        return Number.isInteger(accuracy) && accuracy >= 0 && accuracy <= 100;
      }),
    );
  });

  test('accuracy is 100 iff the texts are equal, ignoring markers', () => {
    fc.assert(
      fc.property(PROMPT, TEXT, fc.integer(), (p, a, seed) => {
        const shown = insertMarkers(p, new Rng(seed));
        assert.equal(score(shown, a).accuracy === 100, toJamo(a) === toJamo(p));
        assert.equal(score(shown, p).accuracy, 100);
      }),
    );
  });

  test('one edit costs one, whichever way it goes (symmetric)', () => {
    const ONE_JAMO = fc.constantFrom(' ', 'a', 'Z', '.', 'ㄱ', 'ㅏ', '#');
    fc.assert(
      fc.property(PROMPT, ONE_JAMO, fc.nat(), (p, c, at) => {
        const cut = at % (p.length + 1);
        const longer = p.slice(0, cut) + c + p.slice(cut);
        // Inserting into the prompt and deleting from it are both one edit.
        assert.equal(score(p, longer).distance, 1);
        assert.equal(score(longer, p).distance, 1);
      }),
    );
  });

  test('more edits never raise accuracy (monotone)', () => {
    // '#' never occurs in PROMPT, so each insertion adds exactly one edit.
    fc.assert(
      fc.property(PROMPT, fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), (p, positions) => {
        let answer = p;
        let last = 100;
        positions.forEach((at, k) => {
          const i = at % (answer.length + 1);
          answer = answer.slice(0, i) + '#' + answer.slice(i);
          const now = score(p, answer);
          assert.equal(now.distance, k + 1);
          assert.equal(now.accuracy <= last, true);
          last = now.accuracy;
        });
      }),
    );
  });

  test('accuracy is non-increasing in distance for a fixed prompt', () => {
    fc.assert(
      fc.property(PROMPT, TEXT, TEXT, (p, a, b) => {
        const [x, y] = [score(p, a), score(p, b)];
        return x.distance > y.distance || x.accuracy >= y.accuracy;
      }),
    );
  });

  test('the trimmed distance equals plain Levenshtein on the jamo', () => {
    fc.assert(fc.property(TEXT, TEXT, (a, b) => jamoDistance(toJamo(a), toJamo(b)) === levenshtein(toJamo(a), toJamo(b))));
  });

  test('one million random (prompt, answer) pairs score without error', () => {
    const rng = new Rng(20_161_001);
    // 16 symbols, so one 32-bit draw yields eight of them: generation stays cheap next to scoring.
    const alphabet = ['가', '나', '닭', '쫓', '값', '괜', ' ', 'a', 'b', 'Q', '.', 'ㄱ', '\u200B', '한', '글', '😀'];
    const text = (max: number) => {
      let s = '';
      const n = rng.int(max);
      for (let i = 0; i < n; i += 8) {
        let bits = Math.floor(rng.next() * 2 ** 32);
        for (let k = i; k < Math.min(n, i + 8); k++, bits >>>= 4) s += alphabet[bits & 15];
      }
      return s;
    };
    const prompts = Array.from({ length: 1_000 }, () => text(40));
    let checked = 0;
    for (let i = 0; i < 1_000_000; i++) {
      const s = scoreAnswer({ prompt: prompts[i % prompts.length]!, answer: text(40), elapsedMs: 1 + rng.int(60_000) });
      if (!(s.accuracy >= 0 && s.accuracy <= 100 && Number.isFinite(s.score) && s.score >= 0)) assert.fail(`bad score ${JSON.stringify(s)}`);
      checked++;
    }
    assert.equal(checked, 1_000_000);
  });
});
