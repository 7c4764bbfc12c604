import { test } from 'node:test';
import assert from 'node:assert/strict';
import { handOn, type HandOnOptions } from './hand-on.ts';

const fast = (over: Partial<HandOnOptions> = {}): HandOnOptions => ({
  giveUpMs: 1_000,
  backoff: { minMs: 1, baseMs: 1, maxMs: 2 },
  random: () => 0.5,
  stopped: () => false,
  ...over,
});

/** Fails `failures` times, then answers `value`. */
function flaky<T>(failures: number, value: T): { work: () => Promise<T>; calls: () => number } {
  let calls = 0;
  return {
    work: async () => {
      calls++;
      if (calls <= failures) throw new Error(`down ${calls}`);
      return value;
    },
    calls: () => calls,
  };
}

test('hand on - a handoff that fails is tried again until it succeeds', async () => {
  const f = flaky(3, 'forwarded');
  const retries: number[] = [];
  assert.equal(await handOn(f.work, fast({ onRetry: (attempt) => retries.push(attempt) })), 'forwarded');
  assert.equal(f.calls(), 4);
  assert.deepEqual(retries, [1, 2, 3]);
});

test('hand on - after giveUpMs the last error is thrown (the envelope stays unacked for Slack)', async () => {
  const f = flaky(Number.POSITIVE_INFINITY, 'never');
  await assert.rejects(handOn(f.work, fast({ giveUpMs: 30 })), /down/);
  assert.ok(f.calls() > 1);
});

test('hand on - a stopping supervisor makes no further attempt', async () => {
  const f = flaky(Number.POSITIVE_INFINITY, 'never');
  await assert.rejects(handOn(f.work, fast({ stopped: () => true })), /down 1/);
  assert.equal(f.calls(), 1);
});
