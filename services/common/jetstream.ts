import { RetentionPolicy, StorageType, type JetStreamClient, type NatsConnection, type KV } from 'nats';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Subjects } from '../../protocol/index.ts';

const MINUTE_NS = 60 * 1_000_000_000;

/**
 * How many servers keep a copy of each stream and bucket this connection creates (SF_JS_REPLICAS,
 * docs/runtime.md "Failure guarantees"). 3 on a 3-server cluster: an acknowledged write is on two
 * servers before the publisher hears back, so losing any one server loses nothing acknowledged.
 * Set once per connection by `connectNats`; only creation uses it (an existing stream keeps its
 * replicas until an operator scales it with `nats stream edit --replicas`).
 */
const replicasByConnection = new WeakMap<NatsConnection, number>();

export function setReplicas(nc: NatsConnection, replicas: number): void {
  replicasByConnection.set(nc, replicas);
}

export function replicasOf(nc: NatsConnection): number {
  return replicasByConnection.get(nc) ?? 1;
}
const DAY_NS = 24 * 60 * MINUTE_NS;

/**
 * Creates (or keeps) the streams every service relies on. Idempotent, so each service calls it at
 * start and none depends on another having started first.
 *
 * - results: round/game results. Publishers set `Nats-Msg-Id` = resultId; the 15-minute duplicate
 *   window covers any realistic failover retry, and ranking's own applied-id set covers the rest.
 * - events: the per-game event log that `surfinger replay` re-runs through the pure core.
 */
export async function ensureStreams(nc: NatsConnection, subjects: Subjects): Promise<void> {
  const jsm = await nc.jetstreamManager();
  const wanted = [
    {
      name: subjects.streams.results,
      subjects: [subjects.allResults()],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      duplicate_window: 15 * MINUTE_NS,
      max_age: 90 * DAY_NS,
      num_replicas: replicasOf(nc),
    },
    {
      name: subjects.streams.events,
      subjects: [subjects.allGameEvents()],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      duplicate_window: 2 * MINUTE_NS,
      max_age: 14 * DAY_NS,
      num_replicas: replicasOf(nc),
    },
  ];
  for (const config of wanted) {
    for (let attempt = 0; ; attempt++) {
      try {
        await jsm.streams.info(config.name);
        await waitForLeader(nc, config.name);
        break;
      } catch (err) {
        // A replicated stream another service is creating right now: 503 or a timeout, for a moment.
        if (/^(503|TIMEOUT)$/.test(String((err as Error).message)) && attempt < 20) {
          await sleep(Math.min(1_000, 100 * 2 ** attempt));
          continue;
        }
      }
      try {
        await jsm.streams.add(config);
        await waitForLeader(nc, config.name);
        break;
      } catch (err) {
        // Another service created it between our info and add: that is the state we wanted.
        if (/already in use|already exists/i.test(String((err as Error).message))) break;
        if (!/^(503|TIMEOUT)$/.test(String((err as Error).message)) || attempt >= 20) throw err;
        await sleep(Math.min(1_000, 100 * 2 ** attempt));
      }
    }
  }
}

/**
 * A replicated stream just created has no leader for a moment, and until it has one a write
 * answers 503 (no responders): a host's first membership put would fail its start.
 */
async function waitForLeader(nc: NatsConnection, stream: string): Promise<void> {
  if (replicasOf(nc) === 1) return;
  const jsm = await nc.jetstreamManager();
  for (let attempt = 0; attempt < 100; attempt++) {
    const info = await jsm.streams.info(stream).catch(() => null);
    if (info?.cluster?.leader) return;
    await sleep(100);
  }
}

/**
 * Opens (creating if needed, with the connection's replicas) a KV bucket; `js` for a client with
 * its own timeout. On a JetStream cluster, services starting together race to create the same
 * replicated bucket: the losers see 503 (no responders while the stream's group forms) or a
 * timeout. The bucket then exists or soon will, so those are retried for a while.
 *
 * `leaderReads`: every `get` is answered by the stream's leader (STREAM.MSG.GET), never by "any
 * replica" (DIRECT.GET, nats.js' default on 2.9+). A follower still catching up — a restarted
 * server, a lagging one — answers a direct get with what it has, and the actor directory decides
 * takeovers on what it reads: a stale membership record made a host take the lease of a live
 * owner in the cluster chaos run (test/chaos/cluster-nats-leader.test.ts, docs/runtime.md).
 */
export async function openBucket(nc: NatsConnection, bucket: string, options: { history?: number; ttlMs?: number; js?: JetStreamClient; leaderReads?: boolean } = {}): Promise<KV> {
  const config = { history: options.history ?? 1, replicas: replicasOf(nc), ...(options.ttlMs ? { ttl: options.ttlMs } : {}), ...(options.leaderReads ? { allow_direct: false } : {}) };
  for (let attempt = 0; ; attempt++) {
    try {
      const kv = await (options.js ?? nc.jetstream()).views.kv(bucket, config);
      await waitForLeader(nc, `KV_${bucket}`);
      return kv;
    } catch (err) {
      if (attempt >= 20 || !/^(503|TIMEOUT)$|already in use/i.test(String((err as Error).message))) throw err;
      await sleep(Math.min(1_000, 100 * 2 ** attempt));
    }
  }
}
