import { z } from 'zod';
import { CommonEnv, connectionDeps, parseEnv } from '../common/config.ts';
import { runMain } from '../common/main-kit.ts';
import { start } from './service.ts';

const env = parseEnv(
  CommonEnv.extend({
    NODE_ENV: z.string().default('development'),
    /** kid:base64key[,kid:base64key…]; first encrypts, all decrypt. */
    SF_TOKEN_KEYS: z.string().optional(),
    /** Sustained posts per second per channel (Slack allows about 1). */
    SF_EGRESS_RATE_PER_SEC: z.coerce.number().positive().default(1),
    /** Posts per channel allowed back to back before pacing. */
    SF_EGRESS_BURST: z.coerce.number().int().min(1).default(3),
    /** Retries per Web API call (network errors, 429 after Retry-After). */
    SF_EGRESS_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
    /** The app's OAuth client: egress refreshes rotating bot tokens with it. */
    SF_SLACK_CLIENT_ID: z.string().optional(),
    SF_SLACK_CLIENT_SECRET: z.string().optional(),
  }),
  process.env,
);

await runMain('egress', env.SF_LOG_LEVEL, (log) =>
  start({
    log,
    ...connectionDeps(env),
    slackApiUrl: env.SF_SLACK_API_URL,
    tokenKeys: env.SF_TOKEN_KEYS,
    production: env.NODE_ENV === 'production',
    pace: { ratePerSec: env.SF_EGRESS_RATE_PER_SEC, burst: env.SF_EGRESS_BURST },
    maxRetries: env.SF_EGRESS_MAX_RETRIES,
    ...(env.SF_SLACK_CLIENT_ID && env.SF_SLACK_CLIENT_SECRET ? { slackApp: { clientId: env.SF_SLACK_CLIENT_ID, clientSecret: env.SF_SLACK_CLIENT_SECRET } } : {}),
    metricsPort: env.SF_METRICS_PORT,
    metricsHost: env.SF_METRICS_HOST,
  }),
);
