import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MARKERS, hasMarkers, insertMarkers, stripMarkers } from './markers.ts';
import { Rng } from './rng.ts';

test('markers - every gap between two characters gets one marker', () => {
  const shown = insertMarkers('가나다', new Rng(3));
  const chars = Array.from(shown);
  assert.equal(chars.length, 5);
  assert.equal(MARKERS.includes(chars[1] as (typeof MARKERS)[number]), true);
  assert.equal(MARKERS.includes(chars[3] as (typeof MARKERS)[number]), true);
});

test('markers - a copy of any two adjacent characters carries a marker', () => {
  const shown = insertMarkers('hello', new Rng(9));
  assert.equal(hasMarkers(shown.slice(0, 3)), true);
});

test('markers - stripping restores the text exactly', () => {
  fc.assert(fc.property(fc.string({ maxLength: 50 }), fc.integer(), (text, seed) => stripMarkers(insertMarkers(stripMarkers(text), new Rng(seed))) === stripMarkers(text)));
});

test('markers - the same seed inserts the same markers', () => {
  assert.equal(insertMarkers('오늘은 날씨가 좋다', new Rng(5)), insertMarkers('오늘은 날씨가 좋다', new Rng(5)));
});

test('markers - plain text has none, and one or fewer characters need none', () => {
  assert.equal(hasMarkers('오늘은 날씨가 좋다'), false);
  assert.equal(insertMarkers('가', new Rng(1)), '가');
  assert.equal(insertMarkers('', new Rng(1)), '');
});
