import type { Command } from 'commander';
import { connectRedis } from '../../services/common/redis.ts';
import { createSubjects } from '../../protocol/index.ts';
import { CommonEnv, parseEnv, redisUrl } from '../../services/common/config.ts';
import { createLogger } from '../../services/common/logger.ts';
import { connectNats } from '../../services/common/nats.ts';
import { rebuildRankingOf } from '../../services/ranking/rebuild.ts';

export function register(program: Command): void {
  const ranking = program.command('ranking').description('leaderboard maintenance');
  ranking
    .command('rebuild')
    .description('re-read the whole results stream into a fresh Redis generation and make it live (config from SF_NATS_URL, SF_REDIS_URL, SF_PREFIX)')
    .action(async () => {
      const env = parseEnv(CommonEnv, process.env);
      const log = createLogger('ranking-rebuild', { level: env.SF_LOG_LEVEL === 'info' ? 'warn' : env.SF_LOG_LEVEL });
      const subjects = createSubjects(env.SF_PREFIX);
      const nc = await connectNats(env.SF_NATS_URL, 'ranking-rebuild', { user: env.SF_NATS_USER, pass: env.SF_NATS_PASS });
      const redis = connectRedis(redisUrl(env), { maxRetriesPerRequest: 3 });
      try {
        const report = await rebuildRankingOf(nc, subjects, redis, log);
        process.stdout.write(`${JSON.stringify(report)}\n`);
      } finally {
        await redis.quit();
        await nc.drain();
      }
    });
}
