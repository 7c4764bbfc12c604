import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateLimiter } from './rate-limit.ts';

test('rate limit - burst passes, then Retry-After counts whole seconds until a token is back', () => {
  const limiter = new RateLimiter();
  const spec = { perSecond: 0.5, burst: 2 };
  assert.deepEqual(limiter.take('c', spec, 0), { ok: true });
  assert.deepEqual(limiter.take('c', spec, 0), { ok: true });
  assert.deepEqual(limiter.take('c', spec, 0), { ok: false, retryAfterSeconds: 2 });
  assert.deepEqual(limiter.take('c', spec, 1000), { ok: false, retryAfterSeconds: 1 });
  assert.deepEqual(limiter.take('c', spec, 2000), { ok: true });
  assert.deepEqual(limiter.take('other', spec, 2000), { ok: true }, 'keys are independent');
});
