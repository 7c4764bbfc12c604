import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import { SurfingerError } from '../../protocol/index.ts';
import { RankingErrorCodes } from '../../services/ranking/errors.ts';
import { dataKeys, rootKeys } from '../../services/ranking/keys.ts';
import { RankingStore, type BatchItem } from '../../services/ranking/store.ts';
import { startInfra } from '../support/harness.ts';
import { dumpKeys } from './dump.ts';
import { DAY, randomHistory, T0 } from './fixtures.ts';

const infra = await startInfra({ nats: false });

/** A results stream: every result at its sequence, with a few repeats republished later. */
const history = randomHistory(23, 120, T0 + 60 * DAY);
const stream: BatchItem[] = [...history, ...history.slice(10, 14)].map((result, i) => ({ seq: i + 1, result }));

function chunks<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}

/** Hands every batch over at once, as the consumer does with two in flight: the store keeps their order. */
async function applyAll(store: RankingStore, batches: BatchItem[][], announce = false): Promise<void> {
  await Promise.all(batches.map((batch) => store.applyBatch(batch, { announce })));
}

async function dumpOf(redis: Redis, root: string): Promise<Record<string, unknown>> {
  return dumpKeys(redis, dataKeys(root, '0').base);
}

describe('ranking store - batched applies', () => {
  test('any batch size writes the same keys as single applies, plus the stream position', async () => {
    const redis = infra.redisClient();
    const single = new RankingStore(redis, 'single:rk');
    for (const { result } of stream) await single.apply(result!);
    const { ':seq': none, ...reference } = await dumpOf(redis, 'single:rk');
    assert.equal(none, undefined, 'applies outside the stream have no position');
    for (const size of [1, 7, 256]) {
      const store = new RankingStore(redis, `b${size}:rk`);
      await applyAll(store, chunks(stream, size));
      const { ':seq': seq, ...dump } = await dumpOf(redis, `b${size}:rk`);
      assert.deepEqual(dump, reference, `batches of ${size}`);
      assert.equal(seq, String(stream.length));
      await store.close();
    }
    await single.close();
  });

  test('messages at or below the checkpoint are duplicates; a rejected payload only moves the checkpoint', async () => {
    const redis = infra.redisClient();
    const store = new RankingStore(redis, 'dup:rk');
    await applyAll(store, chunks(stream.slice(0, 50), 16));
    const before = await dumpOf(redis, 'dup:rk');
    const again = await store.applyBatch(stream.slice(40, 50));
    assert.deepEqual(new Set(again.outcomes), new Set(['duplicate']));
    assert.deepEqual(await dumpOf(redis, 'dup:rk'), before);

    const rejected = await store.applyBatch([{ seq: 51, result: null }]);
    assert.deepEqual(rejected.outcomes, ['rejected']);
    assert.deepEqual(await dumpOf(redis, 'dup:rk'), { ...before, ':seq': '51' });
    await store.close();
  });

  test('a checkpoint below what the caller saw applied is refused and nothing is written', async () => {
    const redis = infra.redisClient();
    const store = new RankingStore(redis, 'behind:rk');
    await applyAll(store, chunks(stream.slice(0, 30), 10));
    const before = await dumpOf(redis, 'behind:rk');
    await assert.rejects(store.applyBatch(stream.slice(30, 40), { appliedThrough: 35 }), (err: SurfingerError) => err.code === RankingErrorCodes.CHECKPOINT_BEHIND);
    assert.deepEqual(await dumpOf(redis, 'behind:rk'), before);
    // Redis losing writes looks the same from a store that wrote them: its next batch is refused too.
    await redis.set(dataKeys('behind:rk', '0').checkpoint, '20');
    await assert.rejects(store.applyBatch(stream.slice(30, 40), { appliedThrough: 30 }), (err: SurfingerError) => err.code === RankingErrorCodes.CHECKPOINT_BEHIND);
    await store.close();
  });

  test('two replicas applying the same stream at once write each message once, in order, and announce each badge once', async () => {
    const redis = infra.redisClient();
    const reference = new RankingStore(redis, 'one:rk');
    await applyAll(reference, chunks(stream, 32), true);
    const expected = await dumpOf(redis, 'one:rk');
    const announced = await redis.lrange(rootKeys('one:rk').outbox, 0, -1);

    const a = new RankingStore(redis, 'two:rk');
    const b = new RankingStore(redis, 'two:rk');
    await Promise.all([applyAll(a, chunks(stream, 9), true), applyAll(b, chunks(stream, 20), true)]);
    assert.deepEqual(await dumpOf(redis, 'two:rk'), expected);
    assert.deepEqual(await redis.lrange(rootKeys('two:rk').outbox, 0, -1), announced);
    await Promise.all([reference.close(), a.close(), b.close()]);
  });
});
