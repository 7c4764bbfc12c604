import { hostname } from 'node:os';
import { z } from 'zod';
import { CommonEnv, connectionDeps, DeliveryEnv, parseEnv } from '../common/config.ts';
import { runMain } from '../common/main-kit.ts';
import { start } from './service.ts';

const env = parseEnv(
  CommonEnv.merge(DeliveryEnv).extend({
    NODE_ENV: z.string().default('development'),
    /** This replica's id in the membership bucket; unique per replica. */
    SF_SUPERVISOR_ID: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).default(`${hostname().replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40)}-${process.pid}`),
    /** Membership heartbeat and reconcile period. */
    SF_SUPERVISOR_HEARTBEAT_MS: z.coerce.number().int().min(50).default(500),
    /** A replica silent for this long is dead and its sockets move. */
    SF_SUPERVISOR_MEMBER_TTL_MS: z.coerce.number().int().min(200).default(3_000),
    SF_TOKEN_KEYS: z.string().optional(),
  }),
  process.env,
);

await runMain('connection-supervisor', env.SF_LOG_LEVEL, (log) =>
  start({
    log,
    ...connectionDeps(env),
    supervisorId: env.SF_SUPERVISOR_ID,
    delivery: env.SF_SLACK_DELIVERY,
    ...(env.SF_SLACK_APP_TOKEN ? { appToken: env.SF_SLACK_APP_TOKEN } : {}),
    socketConnections: env.SF_SOCKET_CONNECTIONS,
    heartbeatMs: env.SF_SUPERVISOR_HEARTBEAT_MS,
    memberTtlMs: env.SF_SUPERVISOR_MEMBER_TTL_MS,
    slackApiUrl: env.SF_SLACK_API_URL,
    tokenKeys: env.SF_TOKEN_KEYS,
    production: env.NODE_ENV === 'production',
    metricsPort: env.SF_METRICS_PORT,
    metricsHost: env.SF_METRICS_HOST,
  }),
);
