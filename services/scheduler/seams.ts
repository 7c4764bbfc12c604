import type { KV, NatsConnection } from 'nats';
import { codecs, MessageTypes, type Subjects } from '../../protocol/index.ts';
import { openBucket } from '../common/jetstream.ts';
import { request } from '../common/nats.ts';

/** The scheduler's view of the world, as small seams so jobs run on a fake clock in tests. */

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** One run per job and period across all replicas. */
export interface JobLeases {
  /** True for exactly one caller per key, ever (until the bucket's TTL forgets it). */
  claim(key: string, holder: string, now: number): Promise<boolean>;
}

export interface SlackEgress {
  post(team: string, channel: string, text: string, idempotencyKey: string): Promise<void>;
}

/** Lease keys live this long: far beyond the longest period (a week), so a period never re-runs. */
const LEASE_TTL_MS = 35 * 24 * 60 * 60 * 1000;

/** JetStream KV create-if-absent: the server refuses a second create of the same key. */
export class NatsJobLeases implements JobLeases {
  private constructor(private readonly kv: KV) {}

  static async open(nc: NatsConnection, subjects: Subjects): Promise<NatsJobLeases> {
    return new NatsJobLeases(await openBucket(nc, subjects.buckets.jobs, { ttlMs: LEASE_TTL_MS }));
  }

  async claim(key: string, holder: string, now: number): Promise<boolean> {
    try {
      await this.kv.create(key, new TextEncoder().encode(JSON.stringify({ holder, at: now })));
      return true;
    } catch (err) {
      // JetStream answers a create of an existing key with "wrong last sequence" (err 10071).
      if (/wrong last sequence|key exists/i.test(String((err as Error).message))) return false;
      throw err;
    }
  }
}

/** Posts through the egress service, the only Web API caller. */
export class NatsEgress implements SlackEgress {
  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: Subjects,
    private readonly timeoutMs = 10_000,
  ) {}

  async post(team: string, channel: string, text: string, idempotencyKey: string): Promise<void> {
    await request(
      this.nc,
      this.subjects.egress('announce', team, channel),
      codecs.egressRequest,
      { type: MessageTypes.egressRequest, team, channel, op: 'post', text, idempotencyKey },
      codecs.egressReply,
      this.timeoutMs,
    );
  }
}
