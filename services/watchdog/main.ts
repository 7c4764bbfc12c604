import { connectRedis } from '../common/redis.ts';
import { z } from 'zod';
import { CommonErrorCodes, createSubjects, ServiceNames, SurfingerError } from '../../protocol/index.ts';
import { CommonEnv, natsAuth, parseEnv, redisUrl } from '../common/config.ts';
import { ownedConnections, runMain } from '../common/main-kit.ts';
import { createMetricsRegistry } from '../common/metrics.ts';
import { connectNats } from '../common/nats.ts';
import { openRankingReads } from '../ranking/reads.ts';
import { DEFAULT_GATE } from './gate.ts';
import { RankingRecords } from './records.ts';
import { DEFAULT_CONFIG } from './rules.ts';
import { start } from './service.ts';

const List = z.string().transform((s) => s.split(',').map((x) => x.trim()).filter((x) => x !== ''));

const env = parseEnv(
  CommonEnv.extend({
    /** The ops channel (Slack team and channel ids); both empty = alerts are only logged. */
    SF_OPS_TEAM: z.string().default(''),
    SF_OPS_CHANNEL: z.string().default(''),
    /** NATS monitoring base URL (/healthz, /varz, /connz, /jsz); empty skips NATS health checks. */
    SF_NATS_MONITOR_URL: z.union([z.string().url(), z.literal('')]).default(''),
    SF_WATCHDOG_INTERVAL_MS: z.coerce.number().int().min(200).default(30_000),
    /** Minimum instances, e.g. `actor-host=3,egress=2` (others default to 1). */
    SF_WATCHDOG_EXPECT: List.default([]),
    SF_WATCHDOG_LAG_WARN: z.coerce.number().int().positive().default(DEFAULT_CONFIG.lagWarn),
    SF_WATCHDOG_429: z.coerce.number().int().positive().default(DEFAULT_CONFIG.egress429),
    SF_WATCHDOG_WINDOW_MS: z.coerce.number().int().positive().default(DEFAULT_CONFIG.windowMs),
    SF_WATCHDOG_GAMES_MILESTONES: List.default(DEFAULT_CONFIG.gamesMilestones.map(String)),
    SF_WATCHDOG_REPEAT_MS: z.coerce.number().int().positive().default(DEFAULT_GATE.repeatMs),
    SF_WATCHDOG_MAX_ALERTS: z.coerce.number().int().positive().default(DEFAULT_GATE.maxPerWindow),
  }),
  process.env,
);

function expectations(entries: string[]): Record<string, number> {
  const expect = { ...DEFAULT_CONFIG.expect };
  const known = new Set<string>(Object.values(ServiceNames));
  for (const entry of entries) {
    const [kind = '', n = ''] = entry.split('=');
    const name = `surfinger-${kind.trim()}`;
    if (!known.has(name) || !/^\d+$/.test(n.trim())) throw new SurfingerError(CommonErrorCodes.CONFIG, `SF_WATCHDOG_EXPECT entry "${entry}" is not <service>=<count> (services: ${[...known].map((k) => k.replace('surfinger-', '')).join(', ')})`);
    expect[name] = Number(n);
  }
  return expect;
}

if ((env.SF_OPS_TEAM === '') !== (env.SF_OPS_CHANNEL === '')) throw new SurfingerError(CommonErrorCodes.CONFIG, 'set both SF_OPS_TEAM and SF_OPS_CHANNEL (or neither, to only log alerts)');
const milestones = env.SF_WATCHDOG_GAMES_MILESTONES.map(Number).sort((a, b) => a - b);
if (milestones.some((m) => !Number.isInteger(m) || m <= 0)) throw new SurfingerError(CommonErrorCodes.CONFIG, 'SF_WATCHDOG_GAMES_MILESTONES must be positive integers, comma-separated');

await runMain('watchdog', env.SF_LOG_LEVEL, async (log) => {
  const subjects = createSubjects(env.SF_PREFIX);
  const nc = await connectNats(env.SF_NATS_URL, 'watchdog', natsAuth(env));
  // Redis only feeds the threshold rules: a Redis outage must not stall health checks.
  const redis = connectRedis(redisUrl(env), { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  redis.on('error', () => undefined);
  const store = openRankingReads(redis, subjects.prefix);
  const running = await start({
    nc,
    subjects,
    log,
    registry: createMetricsRegistry('watchdog'),
    records: new RankingRecords(store),
    monitorUrl: env.SF_NATS_MONITOR_URL === '' ? null : env.SF_NATS_MONITOR_URL,
    ops: env.SF_OPS_TEAM === '' ? null : { team: env.SF_OPS_TEAM, channel: env.SF_OPS_CHANNEL },
    rules: {
      ...DEFAULT_CONFIG,
      expect: expectations(env.SF_WATCHDOG_EXPECT),
      lagWarn: env.SF_WATCHDOG_LAG_WARN,
      egress429: env.SF_WATCHDOG_429,
      windowMs: env.SF_WATCHDOG_WINDOW_MS,
      gamesMilestones: milestones,
    },
    gate: { ...DEFAULT_GATE, repeatMs: env.SF_WATCHDOG_REPEAT_MS, maxPerWindow: env.SF_WATCHDOG_MAX_ALERTS },
    intervalMs: env.SF_WATCHDOG_INTERVAL_MS,
    metricsPort: env.SF_METRICS_PORT,
    metricsHost: env.SF_METRICS_HOST,
  });
  return ownedConnections(running, { nc, redis });
});
