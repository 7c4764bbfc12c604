import { Redis, type RedisOptions } from 'ioredis';
import { CommonErrorCodes, SurfingerError } from '../../protocol/errors.ts';

/**
 * The one way services open Redis (SF_REDIS_URL):
 * - `redis://[user:pass@]host:port[/db]` — one server;
 * - `redis-sentinel://[:pass@]h1:p1,h2:p2,.../<master name>` — through Sentinel: ioredis asks the
 *   sentinels for the primary, and after a failover (the primary dies, Sentinel promotes the
 *   replica) reconnects to the new one by itself. Credentials in the URL are the data nodes'
 *   (an ACL user, deploy/redis/acl.ts); the sentinels are assumed open on the private network, as
 *   Sentinel defaults.
 * Deployments keep the password out of the URL (SF_REDIS_USER / SF_REDIS_PASS, `redisUrl` in config.ts).
 * Redis Cluster is not supported (docs/runtime.md, "Failure guarantees" says why).
 */
export function connectRedis(url: string, options: RedisOptions = {}): Redis {
  if (!url.startsWith('redis-sentinel://')) return new Redis(url, options);
  return new Redis({ ...parseSentinelUrl(url), ...options });
}

export function parseSentinelUrl(url: string): Pick<RedisOptions, 'sentinels' | 'name' | 'password' | 'username' | 'db'> {
  // `new URL` rejects a comma-separated host list, so the authority is split by hand.
  const m = /^redis-sentinel:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/]+)\/([^/?]+)(?:\/(\d+))?$/.exec(url);
  if (!m) throw new SurfingerError(CommonErrorCodes.CONFIG, 'SF_REDIS_URL: expected redis-sentinel://host:port[,host:port...]/<master name>[/db]');
  const sentinels = m[3]!.split(',').map((hostPort) => {
    const at = hostPort.lastIndexOf(':');
    const host = at > 0 ? hostPort.slice(0, at) : hostPort;
    const port = at > 0 ? Number(hostPort.slice(at + 1)) : 26379;
    if (!host || !Number.isInteger(port) || port <= 0 || port > 65535) throw new SurfingerError(CommonErrorCodes.CONFIG, `SF_REDIS_URL: bad sentinel address "${hostPort}"`);
    return { host, port };
  });
  return {
    sentinels,
    name: decodeURIComponent(m[4]!),
    ...(m[1] ? { username: decodeURIComponent(m[1]) } : {}),
    ...(m[2] ? { password: decodeURIComponent(m[2]) } : {}),
    ...(m[5] ? { db: Number(m[5]) } : {}),
  };
}
