import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SLACK_RETRY_DELAYS_MS, retryDelayMs } from './retry-policy.ts';

test('retry policy - Slack schedule: nearly at once, then 1 minute, then 5 minutes', () => {
  const policy = { ackTimeoutMs: 3000, maxRetries: 3, retryDelaysMs: SLACK_RETRY_DELAYS_MS };
  assert.deepEqual([1, 2, 3].map((n) => retryDelayMs(policy, n)), [0, 60_000, 300_000]);
});

test('retry policy - a short schedule repeats its last pause; an empty one retries at once', () => {
  assert.deepEqual([1, 2, 3].map((n) => retryDelayMs({ ackTimeoutMs: 10, maxRetries: 3, retryDelaysMs: [0, 50] }, n)), [0, 50, 50]);
  assert.equal(retryDelayMs({ ackTimeoutMs: 10, maxRetries: 3, retryDelaysMs: [] }, 2), 0);
});
