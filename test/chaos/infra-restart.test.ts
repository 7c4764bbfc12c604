import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answer, assertLedgers, startChaos, startGames, waitForGames } from './support.ts';

const MID_ROUND_MS = 4_500;

const chaos = await startChaos({ hosts: 3, channels: 24 });

describe('chaos: infrastructure restarts mid-game', () => {
  it('restart nats-server mid-round: games finish, ledgers agree', async () => {
    const channels = chaos.takeChannels(10);
    await startGames(chaos, channels);
    await sleep(MID_ROUND_MS);
    await answer(chaos, channels, chaos.users[1]!, 'before the restart');
    await chaos.cluster.nats.restart();
    await answer(chaos, channels, chaos.users[2]!, 'after the restart');
    const results = await waitForGames(chaos, channels);
    await assertLedgers(chaos, results);
  });

  it('restart redis-server mid-round: games finish, ledgers agree', async () => {
    const channels = chaos.takeChannels(10);
    await startGames(chaos, channels);
    await sleep(MID_ROUND_MS);
    await answer(chaos, channels, chaos.users[1]!, 'before the restart');
    assert.ok(chaos.cluster.redis, 'a single redis-server');
    await chaos.cluster.redis.restart();
    await answer(chaos, channels, chaos.users[2]!, 'after the restart');
    const results = await waitForGames(chaos, channels);
    await assertLedgers(chaos, results);
  });
});
