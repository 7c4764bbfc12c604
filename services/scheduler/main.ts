import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { connectRedis } from '../common/redis.ts';
import { z } from 'zod';
import { createSubjects } from '../../protocol/index.ts';
import { CommonEnv, natsAuth, parseEnv, redisUrl } from '../common/config.ts';
import { ownedConnections, runMain } from '../common/main-kit.ts';
import { connectNats } from '../common/nats.ts';
import { parseTokenKeys, TokenStore } from '../common/token-store.ts';
import { parseQuietHours } from './calendar.ts';
import { start } from './service.ts';

const env = parseEnv(
  CommonEnv.extend({
    NODE_ENV: z.string().default('development'),
    SF_TOKEN_KEYS: z.string().optional(),
    SF_SCHED_TICK_MS: z.coerce.number().int().min(1_000).default(60_000),
    SF_SCHED_UTC_OFFSET_MIN: z.coerce.number().int().min(-720).max(840).default(540),
    SF_SCHED_QUIET_HOURS: z.string().default('21-9'),
    SF_SCHED_REMINDER_HOUR: z.coerce.number().int().min(0).max(23).default(11),
    SF_SCHED_RELEVEL_HOUR_OF_WEEK: z.coerce.number().int().min(0).max(167).default(3),
    SF_SCHED_RELEVEL_MIN_SAMPLE: z.coerce.number().int().min(1).default(20),
    SF_SCHED_INACTIVE_DAYS: z.coerce.number().int().min(1).default(7),
    SF_SCHED_MAX_MENTIONS: z.coerce.number().int().min(1).max(50).default(20),
    SF_CORPUS_DIR: z.string().default(fileURLToPath(new URL('../../data/corpus', import.meta.url))),
    SF_SCHEDULER_ID: z.string().default(`${hostname()}-${process.pid}`),
  }),
  process.env,
);

await runMain('scheduler', env.SF_LOG_LEVEL, async (log) => {
  const nc = await connectNats(env.SF_NATS_URL, 'scheduler', natsAuth(env), { jsReplicas: env.SF_JS_REPLICAS });
  const redis = connectRedis(redisUrl(env), { maxRetriesPerRequest: null });
  const tokens = new TokenStore(redis, parseTokenKeys(env.SF_TOKEN_KEYS, env.NODE_ENV === 'production'), env.SF_PREFIX);
  const running = await start({
    nc,
    redis,
    subjects: createSubjects(env.SF_PREFIX),
    log,
    holder: env.SF_SCHEDULER_ID,
    installedTeams: async () => (await tokens.list()).map((t) => t.team),
    tickMs: env.SF_SCHED_TICK_MS,
    metricsPort: env.SF_METRICS_PORT,
    metricsHost: env.SF_METRICS_HOST,
    config: {
      calendar: { utcOffsetMin: env.SF_SCHED_UTC_OFFSET_MIN, ...parseQuietHours(env.SF_SCHED_QUIET_HOURS) },
      reminderHour: env.SF_SCHED_REMINDER_HOUR,
      relevelHourOfWeek: env.SF_SCHED_RELEVEL_HOUR_OF_WEEK,
      relevelMinSample: env.SF_SCHED_RELEVEL_MIN_SAMPLE,
      inactiveDays: env.SF_SCHED_INACTIVE_DAYS,
      maxMentions: env.SF_SCHED_MAX_MENTIONS,
      corpusDir: env.SF_CORPUS_DIR,
    },
  });
  return ownedConnections(running, { nc, redis });
});
