import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { signSlackRequest, verifySlackRequest, SignatureErrorCodes } from './slack-signature.ts';

// Slack's published example (https://api.slack.com/authentication/verifying-requests-from-slack), verbatim.
const secret = '8f742231b10e8888abcd99yyyzzz85a5';
const timestamp = 1531420618;
const body =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const expected = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';

describe('slack signature - sign', () => {
  test('matches Slack published example', () => {
    assert.equal(signSlackRequest({ signingSecret: secret, timestamp, body }), expected);
  });
  test('accepts a Buffer body and a string timestamp', () => {
    assert.equal(signSlackRequest({ signingSecret: secret, timestamp: String(timestamp), body: Buffer.from(body) }), expected);
  });
});

describe('slack signature - verify', () => {
  const base = { signingSecret: secret, body, timestamp: String(timestamp), signature: expected, nowSeconds: timestamp + 10 };

  test('published example verifies within tolerance', () => {
    assert.deepEqual(verifySlackRequest(base), { ok: true });
  });
  test('missing headers are SF_ERR_SIGNATURE_MISSING', () => {
    for (const bad of [{ signature: undefined }, { timestamp: undefined }, { timestamp: '' }, { signature: 'v1=abc' }, { timestamp: 'soon' }, { signature: 'v0=' + 'z'.repeat(64) }]) {
      const result = verifySlackRequest({ ...base, ...bad });
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.code, SignatureErrorCodes.MISSING, JSON.stringify(bad));
    }
  });
  test('old or future timestamps are SF_ERR_SIGNATURE_STALE', () => {
    for (const nowSeconds of [timestamp + 301, timestamp - 301]) {
      const result = verifySlackRequest({ ...base, nowSeconds });
      assert.equal(!result.ok && result.code, SignatureErrorCodes.STALE);
    }
    assert.deepEqual(verifySlackRequest({ ...base, nowSeconds: timestamp + 1000, toleranceSeconds: 1000 }), { ok: true });
  });
  test('tampered body, wrong secret or other signature are SF_ERR_SIGNATURE_MISMATCH', () => {
    for (const bad of [{ body: body + 'x' }, { signingSecret: secret + 'x' }, { signature: 'v0=' + '0'.repeat(64) }]) {
      const result = verifySlackRequest({ ...base, ...bad });
      assert.equal(!result.ok && result.code, SignatureErrorCodes.MISMATCH, JSON.stringify(Object.keys(bad)));
    }
  });
});
