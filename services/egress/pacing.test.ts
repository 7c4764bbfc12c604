import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startInfra } from '../../test/support/harness.ts';
import { SharedPacer } from './pacing.ts';

const infra = await startInfra({ nats: false });
const cfg = { ratePerSec: 1, burst: 3 };
let n = 0;
const bucket = () => ({ key: `${infra.subjects.prefix}:pace:${++n}`, cfg });
/** Reservation waits come from Redis' clock between calls: allow the few ms the calls themselves take. */
const near = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) <= 60, `${actual} ≉ ${expected}`);

test('pacing - a burst goes out at once, then one per second', async () => {
  const pacer = new SharedPacer(infra.redisClient());
  const b = bucket();
  const waits: number[] = [];
  for (let i = 0; i < 6; i++) waits.push(await pacer.reserve([b]));
  waits.slice(0, 3).forEach((w) => near(w, 0));
  near(waits[3]!, 1_000);
  near(waits[4]!, 2_000);
  near(waits[5]!, 3_000);
});

test('pacing - replicas share one bucket per channel: two pacers together get the rate once', async () => {
  const [one, two] = [new SharedPacer(infra.redisClient()), new SharedPacer(infra.redisClient())];
  const b = bucket();
  const waits = await Promise.all([one, two, one, two, one, two].map((p) => p.reserve([b])));
  assert.deepEqual(
    [...waits].sort((x, y) => x - y).map((w) => Math.round(w / 1_000)),
    [0, 0, 0, 1, 2, 3],
  );
});

test('pacing - a 429 Retry-After holds the bucket on every replica, even with tokens left', async () => {
  const [one, two] = [new SharedPacer(infra.redisClient()), new SharedPacer(infra.redisClient())];
  const b = bucket();
  await one.block(b.key, 2);
  near(await two.reserve([b]), 2_000);
});

test('pacing - a call waits for the fullest of its buckets (channel and method budget)', async () => {
  const pacer = new SharedPacer(infra.redisClient());
  const channel = bucket();
  const method = { key: `${infra.subjects.prefix}:pace:m`, cfg: { ratePerSec: 0.5, burst: 1 } };
  near(await pacer.reserve([channel, method]), 0);
  near(await pacer.reserve([channel, method]), 2_000);
  near(await pacer.reserve([channel]), 0);
});

test('pacing - tryReserve past its longest wait takes nothing and says how long the bucket is busy', async () => {
  const pacer = new SharedPacer(infra.redisClient());
  const b = bucket();
  for (let i = 0; i < 3; i++) near(await pacer.reserve([b]), 0);
  const busy = await pacer.tryReserve([b], 500);
  assert.ok(typeof busy === 'object', `refused: ${JSON.stringify(busy)}`);
  near(busy.busyForMs, 1_000);
  // Nothing was spent: the next caller that accepts waiting gets the slot the refused one would have had.
  near(await pacer.reserve([b]), 1_000);
  // Within its longest wait it is an ordinary reservation.
  near((await pacer.tryReserve([b], 5_000)) as number, 2_000);
});
