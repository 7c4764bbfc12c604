import { after } from 'node:test';
import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from 'nats';
import type { Redis } from 'ioredis';
import { connectRedis } from '../../services/common/redis.ts';
import { startNatsServer, startRedisServer, type NatsServer, type RedisServer } from '../../services/local/local-infra.ts';
import { createSubjects, type Subjects } from '../../protocol/index.ts';

/**
 * The harness every test that needs infrastructure uses: a real `nats-server` (JetStream on) and a
 * real `redis-server` on free loopback ports, stopped by an `after` hook even when the test fails.
 * Each call also gets its own subject prefix, so tests could share servers without crosstalk.
 */
export interface Infra {
  nats: NatsServer;
  redis: RedisServer;
  subjects: Subjects;
  /** A fresh client connection, closed automatically at the end of the test file. */
  natsClient(name?: string): Promise<NatsConnection>;
  redisClient(): Redis;
}

export async function startInfra(options: { nats?: boolean; redis?: boolean } = {}): Promise<Infra> {
  const [nats, redis] = await Promise.all([
    options.nats === false ? undefined : startNatsServer(),
    options.redis === false ? undefined : startRedisServer(),
  ]);
  const clients: Array<() => Promise<unknown>> = [];
  after(async () => {
    await Promise.allSettled(clients.map((close) => close()));
    await Promise.allSettled([nats?.stop(), redis?.stop()]);
  });
  return {
    get nats() {
      if (!nats) throw new Error('infra started without nats');
      return nats;
    },
    get redis() {
      if (!redis) throw new Error('infra started without redis');
      return redis;
    },
    subjects: createSubjects(`t${randomBytes(4).toString('hex')}`),
    async natsClient(name = 'test') {
      if (!nats) throw new Error('infra started without nats');
      const nc = await connect({ servers: nats.url, name, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
      clients.push(() => nc.close());
      return nc;
    },
    redisClient() {
      if (!redis) throw new Error('infra started without redis');
      const client = connectRedis(redis.url, { lazyConnect: false, maxRetriesPerRequest: 3 });
      clients.push(() => client.quit().catch(() => client.disconnect()));
      return client;
    },
  };
}
