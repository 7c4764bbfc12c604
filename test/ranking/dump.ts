import type { Redis } from 'ioredis';

/**
 * Every key under a key base with its full contents, the base stripped: two generations built from
 * the same results must dump identically.
 */
export async function dumpKeys(redis: Redis, base: string): Promise<Record<string, unknown>> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${base}:*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  const dump: Record<string, unknown> = {};
  for (const key of keys.sort()) {
    const name = key.slice(base.length);
    const type = await redis.type(key);
    if (type === 'hash') dump[name] = Object.entries(await redis.hgetall(key)).sort(([a], [b]) => a.localeCompare(b));
    else if (type === 'zset') dump[name] = await redis.zrangebyscore(key, '-inf', '+inf', 'WITHSCORES');
    else if (type === 'set') dump[name] = (await redis.smembers(key)).sort();
    else if (type === 'list') dump[name] = await redis.lrange(key, 0, -1);
    else dump[name] = await redis.get(key);
  }
  return dump;
}
