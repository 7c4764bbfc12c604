import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from './logger.ts';
import { RejectionLog } from './rejections.ts';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger('test', { destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) } });
  return { log, lines };
}

test('rejections - first N per code in full, then one summary line with the count when the interval ends', () => {
  let now = 0;
  const limiter = new RejectionLog({ firstN: 3, intervalMs: 1_000 }, () => now);
  const { log, lines } = capture();
  for (let i = 0; i < 100; i++) limiter.reject(log, { code: 'SF_ERR_A', subject: `s.${i}` });
  for (let i = 0; i < 2; i++) limiter.reject(log, { code: 'SF_ERR_B' });
  assert.equal(lines.length, 5, 'three of A, two of B');
  now = 1_000;
  limiter.flush();
  const summary = lines.filter((l) => l.suppressed !== undefined);
  assert.deepEqual(
    summary.map((l) => [l.code, l.suppressed]),
    [['SF_ERR_A', 97]],
  );
  // A new interval logs in full again.
  limiter.reject(log, { code: 'SF_ERR_A' });
  assert.equal(lines.length, 7);
});
