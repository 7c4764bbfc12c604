import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkState, createState } from './oauth-state.ts';

const nonce = 'n0nce-abcdefghijklmnop';

test('oauth state - a fresh state we issued verifies and yields its nonce', () => {
  const state = createState('s3cret', nonce, 1_000, 600_000);
  assert.deepEqual(checkState('s3cret', state, 2_000), { ok: true, nonce });
});

test('oauth state - expired, tampered, foreign and malformed states are refused', () => {
  const state = createState('s3cret', nonce, 1_000, 600_000);
  assert.deepEqual(checkState('s3cret', state, 601_001), { ok: false, reason: 'expired' });
  assert.deepEqual(checkState('other', state, 2_000), { ok: false, reason: 'bad_signature' });
  const [n, , m] = state.split('.');
  assert.deepEqual(checkState('s3cret', `${n}.9999999999999.${m}`, 2_000), { ok: false, reason: 'bad_signature' });
  for (const bad of ['', 'x', 'a.b.c', `${nonce}.1`, `${nonce}.12.${'x'.repeat(43)}.extra`]) {
    assert.equal(checkState('s3cret', bad, 2_000).ok, false, bad);
  }
});
