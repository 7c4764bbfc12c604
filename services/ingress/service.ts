import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import { connectRedis } from '../common/redis.ts';
import { createSubjects, ServiceNames } from '../../protocol/index.ts';
import type { Logger } from '../common/logger.ts';
import type { RunningService } from '../common/main-kit.ts';
import { createMetricsRegistry } from '../common/metrics.ts';
import { connectNats, type NatsAuth } from '../common/nats.ts';
import { RedisRateLimiter, SlackRouter, type RateLimits } from '../common/slack-routing.ts';
import { TeamSettingsStore } from '../common/team-settings.ts';
import { parseTokenKeys, TokenStore } from '../common/token-store.ts';
import { oauthRoutes, type OAuthConfig } from './oauth.ts';
import { registerPages } from './pages/index.ts';
import { IngressErrorCodes, slackRoutes } from './slack-routes.ts';
import { watchRunningGames } from '../actor-host/client.ts';

/** Ingress: Slack's HTTP entry point (commands, buttons, events, OAuth) plus health and metrics. */
export interface IngressOptions {
  log: Logger;
  natsUrl: string;
  natsAuth?: NatsAuth;
  /** Copies of the streams and buckets this service creates (SF_JS_REPLICAS). */
  jsReplicas?: number;
  redisUrl: string;
  prefix: string;
  host: string;
  port: number;
  /** One per Slack app (the sandbox gives each team its own); a request may match any. */
  signingSecrets: string[];
  tokenKeys: string | undefined;
  production: boolean;
  oauth: OAuthConfig;
  rateLimits: RateLimits;
  /** Largest Slack body accepted (bytes); bigger → 413. */
  bodyLimit: number;
  replyBudgetMs?: number;
  /** Admin page login; without a password the admin page cannot be logged into. */
  admin: { user: string; password: string | undefined };
}

export async function start(opts: IngressOptions): Promise<RunningService> {
  const log = opts.log;
  const subjects = createSubjects(opts.prefix);
  const nc = await connectNats(opts.natsUrl, ServiceNames.ingress, opts.natsAuth, { jsReplicas: opts.jsReplicas });
  const redis = connectRedis(opts.redisUrl, { maxRetriesPerRequest: 3 });
  // ioredis reconnects by itself; without a listener every retry would print an unhandled error.
  redis.on('error', (err: Error) => log.warn({ code: 'SF_ERR_REDIS', reason: err.message }, 'redis connection error'));
  const tokens = new TokenStore(redis, parseTokenKeys(opts.tokenKeys, opts.production), opts.prefix);
  const settings = await TeamSettingsStore.open(nc, subjects);
  const registry = createMetricsRegistry('ingress');
  const runningGames = await watchRunningGames(nc, subjects);
  const router = new SlackRouter({
    nc,
    runningGames,
    subjects,
    redis,
    settings,
    tokens,
    log,
    limiter: new RedisRateLimiter(redis, opts.prefix, opts.rateLimits),
    ...(opts.replyBudgetMs === undefined ? {} : { replyBudgetMs: opts.replyBudgetMs }),
  });
  // Registered for discovery ($SRV.PING/INFO): ingress has no NATS endpoints of its own.
  const service = await nc.services.add({ name: ServiceNames.ingress, version: '0.1.0', description: 'Slack HTTP ingress' });

  const app = Fastify({ logger: false, bodyLimit: opts.bodyLimit, trustProxy: true });
  app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, req, reply) => {
    const status = err.statusCode ?? 500;
    if (status === 413) {
      log.info({ url: req.url, code: IngressErrorCodes.TOO_LARGE }, 'rejected oversized body');
      return reply.code(413).send({ ok: false, error: 'body_too_large', limit: opts.bodyLimit });
    }
    if (status < 500) {
      log.info({ url: req.url, status, code: err.code }, 'bad request');
      return reply.code(status).send({ ok: false, error: 'bad_request', detail: err.message.slice(0, 200) });
    }
    log.error({ url: req.url, err }, 'request failed');
    return reply.code(500).send({ ok: false, error: 'internal_error' });
  });
  await app.register(async (scope) => slackRoutes(scope, { router, redis, prefix: opts.prefix, signingSecrets: opts.signingSecrets, log, registry, bodyLimit: opts.bodyLimit }));
  oauthRoutes(app, { config: opts.oauth, redis, prefix: opts.prefix, tokens, log });
  await registerPages(app, { nc, subjects, redis, log: log.child({ part: 'pages' }), admin: { user: opts.admin.user, password: opts.admin.password ?? randomBytes(32).toString('base64url') }, installUrl: '/slack/install' });
  app.get('/healthz', async (_req, reply) => {
    const ok = !nc.isClosed() && redis.status === 'ready';
    return reply.code(ok ? 200 : 503).send({ ok });
  });
  app.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));

  await app.listen({ port: opts.port, host: opts.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : opts.port;
  const url = `http://${opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host}:${port}`;

  return {
    info: { url },
    async stop() {
      await app.close();
      runningGames.stop();
      await service.stop();
      // Bounded: with nats-server already gone a drain would wait for a reconnect forever.
      await Promise.race([nc.drain(), new Promise((r) => setTimeout(r, 2_000))]).finally(() => nc.close());
      redis.disconnect();
    },
  };
}
