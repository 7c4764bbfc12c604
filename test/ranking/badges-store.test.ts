import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RankingStore } from '../../services/ranking/store.ts';
import { startInfra } from '../support/harness.ts';
import { DAY, entry, normalGame, T0 } from './fixtures.ts';

const infra = await startInfra({ nats: false });

test('badges - each badge is awarded and announced once, even when results are redelivered', async () => {
  const redis = infra.redisClient();
  const store = new RankingStore(redis, 'bs:rk');
  try {
    const first = normalGame('g1', T0, [entry('U1', { accuracy: 100, speed: 320 })]);
    const awarded: string[] = [];
    for (const r of first) awarded.push(...(await store.apply(r, { announce: true })).announcements.map((a) => a.badge));
    assert.deepEqual(awarded.sort(), ['first_game', 'first_win', 'perfect', 'speed_300']);
    // Redelivery of the same results and a second perfect game: nothing new.
    for (const r of [...first, ...first, ...normalGame('g2', T0 + DAY, [entry('U1', { accuracy: 100, speed: 310 })])]) {
      assert.deepEqual((await store.apply(r, { announce: true })).announcements, []);
    }
    const pending = await store.pendingAnnouncements();
    assert.deepEqual(pending.map((p) => p.announcement.badge).sort(), awarded.sort());
    assert.equal(new Set(pending.map((p) => p.announcement.key)).size, pending.length);
    const owned = await store.badges('T1', 'U1');
    assert.deepEqual([...owned.user.keys()].sort(), awarded.sort());
    assert.equal(owned.user.get('perfect'), T0, 'earned at the time of the round that crossed the line');
    await store.announced(pending.map((p) => p.raw));
    assert.deepEqual(await store.pendingAnnouncements(), []);
  } finally {
    await store.close();
  }
});
