import { hostname } from 'node:os';
import { z } from 'zod';
import { CommonEnv, connectionDeps, parseEnv } from '../common/config.ts';
import { runMain } from '../common/main-kit.ts';
import { start } from './service.ts';

const env = parseEnv(
  CommonEnv.extend({
    NODE_ENV: z.string().default('development'),
    /** This replica's id in the membership bucket; unique per replica. */
    SF_SUPERVISOR_ID: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).default(`${hostname().replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40)}-${process.pid}`),
    /** A team's socket closes after this long without activity (the original used 60 minutes). */
    SF_SUPERVISOR_IDLE_MS: z.coerce.number().int().min(100).default(3_600_000),
    /** Membership heartbeat and reconcile period. */
    SF_SUPERVISOR_HEARTBEAT_MS: z.coerce.number().int().min(50).default(500),
    /** A replica silent for this long is dead and its teams move. */
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
    idleMs: env.SF_SUPERVISOR_IDLE_MS,
    heartbeatMs: env.SF_SUPERVISOR_HEARTBEAT_MS,
    memberTtlMs: env.SF_SUPERVISOR_MEMBER_TTL_MS,
    slackApiUrl: env.SF_SLACK_API_URL,
    tokenKeys: env.SF_TOKEN_KEYS,
    production: env.NODE_ENV === 'production',
    metricsPort: env.SF_METRICS_PORT,
    metricsHost: env.SF_METRICS_HOST,
  }),
);
