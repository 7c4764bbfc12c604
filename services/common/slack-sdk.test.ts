import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from './logger.ts';
import { platformError, slackSdkLogger } from './slack-sdk.ts';

test('slack sdk logger - the adapter drops debug lines (raw payloads live there)', async () => {
  let out = '';
  const log = createLogger('t', {
    level: 'debug',
    destination: new Writable({
      write(c, _e, done) {
        out += String(c);
        done();
      },
    }),
  });
  const sdk = slackSdkLogger(log);
  sdk.debug('Received a message on the WebSocket: {"token":"xapp-secret"}');
  sdk.warn('socket warning');
  await new Promise((r) => setImmediate(r));
  assert.ok(!out.includes('xapp-secret'));
  assert.match(out, /socket warning/);
});

test('slack sdk - platformError reads Slack’s error string only from an ok:false answer', () => {
  assert.equal(platformError({ code: 'slack_webapi_platform_error', data: { ok: false, error: 'channel_not_found' } }), 'channel_not_found');
  assert.equal(platformError({ code: 'slack_webapi_request_error', data: { error: 'ECONNREFUSED' } }), undefined);
  assert.equal(platformError(new Error('socket hang up')), undefined);
});
