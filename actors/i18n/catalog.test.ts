import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineCatalog } from './catalog.ts';
import { en } from './en.ts';
import { ko } from './ko.ts';
import { t } from './t.ts';

test('i18n - a key missing in either language is a type error', () => {
  // @ts-expect-error en lacks `b`
  defineCatalog({ ko: { a: '가', b: '나' }, en: { a: 'a' } });
  // @ts-expect-error ko lacks `b`
  defineCatalog({ ko: { a: '가' }, en: { a: 'a', b: 'b' } });
});

test('i18n - ko and en have exactly the same keys and the same placeholders', () => {
  assert.deepEqual(Object.keys(ko).sort(), Object.keys(en).sort());
  const placeholders = (s: string) => [...s.matchAll(/\{(\w+)(?:\|[^}]+)?\}/g)].map((m) => m[1]).sort();
  for (const key of Object.keys(en) as Array<keyof typeof en>) assert.deepEqual(placeholders(ko[key]), placeholders(en[key]), key);
});

test('i18n - t fills placeholders and leaves unknown ones visible', () => {
  const tr = defineCatalog({ ko: { hi: '안녕 {name} {x}' }, en: { hi: 'hi {name} {x}' } });
  assert.equal(tr('en', 'hi', { name: 'Ann' }), 'hi Ann {x}');
  assert.equal(tr('ko', 'hi', { name: 1, x: 'y' }), '안녕 1 y');
  assert.equal(t('en', 'answered', { n: 3 }), '3 answered');
  assert.equal(t('ko', 'answered', { n: 3 }), '3명 입력 완료');
});

test('i18n - a Korean particle follows the word it is attached to', () => {
  const tr = defineCatalog({ ko: { got: '{name|을/를} 얻었어요', who: '{user|이/가} 이겼어요' }, en: { got: 'got {name}', who: '{user} won' } });
  assert.equal(tr('ko', 'got', { name: '첫 승리' }), '첫 승리를 얻었어요');
  assert.equal(tr('ko', 'got', { name: '백발백중' }), '백발백중을 얻었어요');
  assert.equal(tr('ko', 'who', { user: '철수' }), '철수가 이겼어요');
  assert.equal(tr('en', 'got', { name: 'First win' }), 'got First win');
  assert.equal(t('ko', 'started', { user: '앨리스', mode: '일반 게임', difficulty: '쉬움' }).includes('일반 게임을 시작했습니다'), true);
});
