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
  const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const key of Object.keys(en) as Array<keyof typeof en>) assert.deepEqual(placeholders(ko[key]), placeholders(en[key]), key);
});

test('i18n - t fills placeholders and leaves unknown ones visible', () => {
  const tr = defineCatalog({ ko: { hi: '안녕 {name} {x}' }, en: { hi: 'hi {name} {x}' } });
  assert.equal(tr('en', 'hi', { name: 'Ann' }), 'hi Ann {x}');
  assert.equal(tr('ko', 'hi', { name: 1, x: 'y' }), '안녕 1 y');
  assert.equal(t('en', 'answered', { n: 3 }), '3 answered');
  assert.equal(t('ko', 'answered', { n: 3 }), '3명 입력 완료');
});
