import { RetentionPolicy, StorageType, type NatsConnection, type KV } from 'nats';
import type { Subjects } from '../../protocol/index.ts';

const MINUTE_NS = 60 * 1_000_000_000;
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
    },
    {
      name: subjects.streams.events,
      subjects: [subjects.allGameEvents()],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      duplicate_window: 2 * MINUTE_NS,
      max_age: 14 * DAY_NS,
    },
  ];
  for (const config of wanted) {
    try {
      await jsm.streams.info(config.name);
    } catch {
      try {
        await jsm.streams.add(config);
      } catch (err) {
        // Another service created it between our info and add: that is the state we wanted.
        if (!/already in use|already exists/i.test(String((err as Error).message))) throw err;
      }
    }
  }
}

/** Opens (creating if needed) a KV bucket. */
export async function openBucket(nc: NatsConnection, bucket: string, options: { history?: number; ttlMs?: number } = {}): Promise<KV> {
  return nc.jetstream().views.kv(bucket, { history: options.history ?? 1, ...(options.ttlMs ? { ttl: options.ttlMs } : {}) });
}
