import assert from 'node:assert/strict';
import { after } from 'node:test';
import type { Redis } from 'ioredis';
import { connectRedis } from '../../services/common/redis.ts';
import { connect, type NatsConnection } from 'nats';
import { createGameLogic } from '../../actors/index.ts';
import type { GameLogic } from '../../actors/contract.ts';
import { createSubjects, MessageTypes, type GameInbound, type ResultMessage, type Subjects } from '../../protocol/index.ts';
import { startCluster, type Cluster } from '../../services/local/cluster.ts';
import { loadCorpus } from '../../services/common/corpus.ts';
import { sendToGame } from '../../services/actor-host/client.ts';
import { replayGame } from '../../services/actor-host/replay.ts';
import { readResults } from '../../services/actor-host/testing.ts';
import { openRankingReads } from '../../services/ranking/reads.ts';

/**
 * The chaos suites' cluster: nats-server, redis-server, the sandbox, egress, ranking and actor hosts,
 * each its own OS process (services/local/cluster.ts). Tests play the ingress part themselves
 * through `sendToGame`, so what they break is exactly the runtime under test.
 */
export interface Chaos {
  cluster: Cluster;
  nc: NatsConnection;
  subjects: Subjects;
  redis: Redis;
  team: string;
  users: string[];
  /** Hands out channels no earlier scenario used. */
  takeChannels(n: number): string[];
  logic: GameLogic<unknown>;
}

export interface ChaosOptions {
  hosts: number;
  channels: number;
  /** The cluster suite's infrastructure (services/local/cluster.ts). */
  natsCluster?: 3;
  redisHa?: true;
  /** Actor hosts record their history here (SF_HISTORY_DIR) for the history checker. */
  historyDir?: string;
}

export async function startChaos(opts: ChaosOptions): Promise<Chaos> {
  const cluster = await startCluster({
    hosts: opts.hosts,
    services: ['egress', 'ranking', 'actor-host'],
    sandbox: { teams: 1, channels: opts.channels, users: 4 },
    prefix: 'chaos',
    env: { SF_LEASE_TTL_MS: '2000' },
    ...(opts.natsCluster ? { natsCluster: opts.natsCluster } : {}),
    ...(opts.redisHa ? { redisHa: opts.redisHa } : {}),
    ...(opts.historyDir ? { serviceEnv: { 'actor-host': { SF_HISTORY_DIR: opts.historyDir } } } : {}),
  });
  const nc = await connect({ servers: cluster.natsUrl.split(','), ...cluster.natsAuth, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  const redis = connectRedis(cluster.redisUrl, { maxRetriesPerRequest: null });
  // ioredis reconnects by itself (a restarted or failed-over Redis is the point); without a listener it prints every retry.
  redis.on('error', () => undefined);
  after(async () => {
    await nc.close().catch(() => undefined);
    redis.disconnect();
    await cluster.stop();
  });
  const team = cluster.sandbox.teams[0]!;
  const channels = team.channels.map((c) => c.id);
  let next = 0;
  return {
    cluster,
    nc,
    subjects: createSubjects(cluster.prefix),
    redis,
    team: team.teamId,
    users: team.users.map((u) => u.id),
    takeChannels(n) {
      const taken = channels.slice(next, next + n);
      next += n;
      assert.equal(taken.length, n, 'sandbox has too few channels for this suite');
      return taken;
    },
    logic: createGameLogic(await loadCorpus()) as GameLogic<unknown>,
  };
}

let eventNo = 0;
function chat(c: Chaos, channel: string, user: string, text: string): GameInbound {
  eventNo++;
  return { type: MessageTypes.gameMessage, team: c.team, channel, user, text, ts: `${Date.now() / 1000}`, eventId: `EvChaos${eventNo}`, receivedAt: Date.now() };
}

export async function startGames(c: Chaos, channels: string[]): Promise<void> {
  await Promise.all(
    channels.map(async (channel) => {
      const reply = await sendToGame(
        c.nc,
        c.subjects,
        { type: MessageTypes.gameCommand, team: c.team, channel, user: c.users[0]!, command: 'start', text: '', lang: 'en', receivedAt: Date.now() },
        { activate: true },
      );
      assert.equal(reply?.ok, true);
    }),
  );
}

/** Every channel's player types an answer; transient failures are the runtime's to hide. */
export async function answer(c: Chaos, channels: string[], user: string, text: string): Promise<void> {
  await Promise.all(channels.map((channel) => sendToGame(c.nc, c.subjects, chat(c, channel, user, text), { activate: false })));
}

/**
 * Failover time per game: from `since` until a chat message is answered by a live actor again.
 * Plain chat does not activate, so this measures the runtime's own recovery (orphan adoption).
 */
export async function measureRecovery(c: Chaos, channels: string[], user: string, since: number): Promise<number[]> {
  return Promise.all(
    channels.map(async (channel) => {
      for (;;) {
        const reply = await sendToGame(c.nc, c.subjects, chat(c, channel, user, 'probe'), { activate: false, budgetMs: 1_000, timeoutMs: 500 }).catch(() => null);
        if (reply) return Date.now() - since;
        if (Date.now() - since > 30_000) throw new Error(`game in ${channel} never came back`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }),
  );
}

export async function waitForGames(c: Chaos, channels: string[], timeoutMs = 90_000): Promise<ResultMessage[]> {
  const wanted = new Set(channels);
  const until = Date.now() + timeoutMs;
  for (;;) {
    const results = (await readResults(c.nc, c.subjects)).filter((r) => wanted.has(r.channel));
    const finished = new Set(results.filter((r) => r.type === MessageTypes.gameResult).map((r) => r.channel));
    if (finished.size === wanted.size) return results;
    if (Date.now() > until) throw new Error(`only ${finished.size}/${wanted.size} games finished`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * The acceptance check of every chaos case: the results stream holds each result once, they equal
 * what replaying each game's event log through the pure core yields, and ranking applied exactly
 * that set in Redis. Nothing lost, nothing doubled.
 */
export async function assertLedgers(c: Chaos, results: ResultMessage[]): Promise<void> {
  const ids = results.map((r) => r.resultId);
  assert.equal(new Set(ids).size, ids.length, 'no result is published twice');
  const byGame = new Map<string, ResultMessage[]>();
  for (const r of results) byGame.set(r.gameId, [...(byGame.get(r.gameId) ?? []), r]);
  for (const [gameId, live] of byGame) assert.deepEqual(await replayGame(c.nc, c.subjects, c.logic, gameId), live, `replay of ${gameId} equals its live results`);
  const ranking = openRankingReads(c.redis, c.subjects.prefix);
  const until = Date.now() + 20_000;
  for (;;) {
    const applied = await ranking.appliedIds();
    const missing = ids.filter((id) => !applied.has(id));
    if (missing.length === 0) break;
    if (Date.now() > until) assert.fail(`ranking never applied ${missing.length} results, e.g. ${missing[0]}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export function summarize(ms: number[]): { median: number; max: number; n: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)] ?? 0, max: sorted.at(-1) ?? 0, n: sorted.length };
}
