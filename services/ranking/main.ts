import { connectRedis } from '../common/redis.ts';
import { z } from 'zod';
import { createSubjects } from '../../protocol/index.ts';
import { CommonEnv, natsAuth, parseEnv, redisUrl } from '../common/config.ts';
import { ownedConnections, runMain } from '../common/main-kit.ts';
import { connectNats } from '../common/nats.ts';
import { parsePageLinkSecret } from '../common/page-links.ts';
import { start } from './service.ts';

const env = parseEnv(
  CommonEnv.extend({
    /** Where ingress serves the public pages; /myscore links to `<url>/u/<team>/<user>`. */
    SF_PUBLIC_URL: z.string().url().default('http://127.0.0.1:3000'),
    NODE_ENV: z.string().default('development'),
    /** Signs the personal /u/ page links (at least 32 characters; required in production). */
    SF_PAGE_LINK_SECRET: z.string().optional(),
  }),
  process.env,
);

await runMain('ranking', env.SF_LOG_LEVEL, async (log) => {
  const nc = await connectNats(env.SF_NATS_URL, 'ranking', natsAuth(env), { jsReplicas: env.SF_JS_REPLICAS });
  const redis = connectRedis(redisUrl(env), { maxRetriesPerRequest: null });
  const running = await start({ nc, redis, subjects: createSubjects(env.SF_PREFIX), log, publicUrl: env.SF_PUBLIC_URL, pageLinkSecret: parsePageLinkSecret(env.SF_PAGE_LINK_SECRET, env.NODE_ENV === 'production'), metricsPort: env.SF_METRICS_PORT, metricsHost: env.SF_METRICS_HOST });
  return ownedConnections(running, { nc, redis });
});
