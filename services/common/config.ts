import { z } from 'zod';
import { CommonErrorCodes, SurfingerError } from '../../protocol/errors.ts';

/**
 * Environment variables every service understands. Each service's main.ts extends this schema
 * with its own variables and parses `process.env` once; nothing else reads the environment.
 */
export const CommonEnv = z.object({
  SF_NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  SF_NATS_USER: z.string().optional(),
  SF_NATS_PASS: z.string().optional(),
  /** `redis://host:port` or, with Sentinel, `redis-sentinel://h1:p1,h2:p2/<master name>` (redis.ts). */
  SF_REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  /** This service's Redis ACL user and its password (deploy/redis/acl.ts), kept out of the URL. */
  SF_REDIS_USER: z.string().optional(),
  SF_REDIS_PASS: z.string().optional(),
  /** Copies of each JetStream stream and KV bucket a service creates: 3 on a 3-server NATS cluster. */
  SF_JS_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /** Subject/stream/bucket prefix; lets several clusters (or tests) share one NATS. */
  SF_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/).default('sf'),
  SF_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Port of the /metrics + /healthz server; 0 picks a free one. */
  SF_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  SF_METRICS_HOST: z.string().default('127.0.0.1'),
  /** Base URL of the Slack Web API; the local sandbox in development. */
  SF_SLACK_API_URL: z.string().url().default('https://slack.com/api/'),
});
export type CommonEnv = z.infer<typeof CommonEnv>;

/**
 * How Slack reaches us (docs/configuration.md, "Delivery"). Ingress and the connection supervisor
 * both read it, so a cluster agrees on one mode:
 * - `http` (default): Events API. Slash commands, clicks and events are signed HTTP POSTs to
 *   ingress. The only mode a distributed (Marketplace) app may use.
 * - `socket`: one app for every workspace over Socket Mode, `SF_SOCKET_CONNECTIONS` connections
 *   opened with the one app-level token `SF_SLACK_APP_TOKEN`.
 * - `workspace-apps`: each workspace runs its own app (self-hosted); one socket per registered
 *   team, with the app token stored for that team.
 */
export const DELIVERY_MODES = ['http', 'socket', 'workspace-apps'] as const;
export type Delivery = (typeof DELIVERY_MODES)[number];

export const DeliveryEnv = z.object({
  SF_SLACK_DELIVERY: z.enum(DELIVERY_MODES).default('http'),
  /** `socket` mode: the app-level token (xapp-…) with the connections:write scope. */
  SF_SLACK_APP_TOKEN: z.string().regex(/^xapp-[A-Za-z0-9-]+$/, 'must be an app-level token (xapp-…)').optional(),
  /** `socket` mode: connections of the app (Slack allows at most 10), spread over supervisor replicas. */
  SF_SOCKET_CONNECTIONS: z.coerce.number().int().min(1).max(10).default(2),
});
export type DeliveryEnv = z.infer<typeof DeliveryEnv>;

export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  throw new SurfingerError(CommonErrorCodes.CONFIG, `bad configuration: ${problems.join('; ')}`, { details: { problems } });
}

/** NATS credentials of this service, from SF_NATS_USER / SF_NATS_PASS. */
export function natsAuth(env: CommonEnv): { user: string | undefined; pass: string | undefined } {
  return { user: env.SF_NATS_USER, pass: env.SF_NATS_PASS };
}

/**
 * `url` with `user`/`password` as its credentials, unless it already carries a password (a URL
 * with one keeps working as before). ioredis reads them back as its `username`/`password`.
 * Here, not in redis.ts: actor-host reads this config without using Redis and must not import
 * ioredis (deploy/check then gives its pods no Redis network access).
 */
export function withCredentials(url: string, user: string | undefined, password: string | undefined): string {
  if (password === undefined) return url;
  const userinfo = `${encodeURIComponent(user ?? '')}:${encodeURIComponent(password)}@`;
  // A Sentinel URL's host list (h1:p1,h2:p2) is no URL authority `new URL` accepts.
  const m = /^(redis(?:s|-sentinel)?:\/\/)([^@/]*@)?(.*)$/.exec(url);
  if (!m) throw new SurfingerError(CommonErrorCodes.CONFIG, 'SF_REDIS_URL: expected redis://, rediss:// or redis-sentinel://');
  if (m[2]?.includes(':')) return url;
  return `${m[1]}${userinfo}${m[3]}`;
}

/** SF_REDIS_URL with SF_REDIS_USER / SF_REDIS_PASS as its credentials (a password in the URL wins). */
export function redisUrl(env: CommonEnv): string {
  return withCredentials(env.SF_REDIS_URL, env.SF_REDIS_USER, env.SF_REDIS_PASS);
}

/** What every service's `start(deps)` takes to reach NATS and Redis under its prefix. */
export function connectionDeps(env: CommonEnv) {
  return { natsUrl: env.SF_NATS_URL, natsAuth: natsAuth(env), redisUrl: redisUrl(env), prefix: env.SF_PREFIX, jsReplicas: env.SF_JS_REPLICAS };
}
