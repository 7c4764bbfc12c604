import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import Fastify from 'fastify';
import { connectRedis } from '../common/redis.ts';
import { CommonErrorCodes, createSubjects, ServiceNames, SurfingerError } from '../../protocol/index.ts';
import type { Logger } from '../common/logger.ts';
import type { RunningService } from '../common/main-kit.ts';
import { checkEventsUrl } from '../common/delivery.ts';
import { createMetricsRegistry, startOpsServer } from '../common/metrics.ts';
import { closeNats, connectNats, type NatsAuth } from '../common/nats.ts';
import { RedisRateLimiter, SlackRouter, type RateLimits } from '../common/slack-routing.ts';
import { TeamSettingsStore } from '../common/team-settings.ts';
import { BotMembership } from '../common/bot-membership.ts';
import { slackTokenRefresher } from '../common/token-refresher.ts';
import { parseTokenKeys, TokenStore } from '../common/token-store.ts';
import { oauthRoutes, type OAuthConfig } from './oauth.ts';
import { registerPages } from './pages/index.ts';
import { IngressErrorCodes, slackRoutes } from './slack-routes.ts';
import { openGameDoor } from '../actor-host/client.ts';

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
  /** Verifies the personal `/u/` page links (SF_PAGE_LINK_SECRET). */
  pageLinkSecret: string;
  /** Admin page login; without a password the admin page cannot be logged into. */
  admin: { user: string; password: string | undefined };
  /**
   * `http` delivery: once listening, prove Slack can reach `<publicUrl>/slack/events` (a signed
   * url_verification through the public URL); refuse to start otherwise. Absent = no check.
   */
  eventsUrlCheck?: { publicUrl: string };
  /** Which proxies may name the client in X-Forwarded-For (`parseTrustProxy`); default none. */
  trustProxy?: TrustProxy;
  /** The ops server (/metrics, /healthz) for Prometheus: never the public port. */
  metricsPort?: number;
  metricsHost?: string;
}

/** Fastify's `trustProxy`: false (the peer is the client), a hop count, or proxy addresses / CIDRs. */
export type TrustProxy = false | number | string[];

/**
 * SF_TRUST_PROXY: empty = trust no proxy; a whole number = that many proxy hops in front of
 * ingress (e.g. 1 behind one ingress controller); otherwise a comma-separated list of proxy
 * addresses or CIDRs. Trusting every hop (`true`) would let any client pick its own address in
 * X-Forwarded-For, which is how the admin sign-in lockout was bypassed.
 */
export function parseTrustProxy(value: string | undefined): TrustProxy {
  const v = (value ?? '').trim();
  if (v === '' || v === '0' || v === 'false') return false;
  if (/^\d+$/.test(v)) return Number(v);
  const list = v.split(',').map((x) => x.trim()).filter((x) => x.length > 0);
  for (const entry of list) {
    const [addr = '', bits] = entry.split('/');
    const family = isIP(addr);
    const max = family === 6 ? 128 : 32;
    if (family === 0 || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= max))) {
      throw new SurfingerError(CommonErrorCodes.CONFIG, `SF_TRUST_PROXY entry "${entry}" is not a hop count, an IP address or a CIDR`);
    }
  }
  return list;
}

/**
 * On every response ingress sends (pages, OAuth, Slack routes, health, errors and 404s). The page
 * scope sets a stricter CSP for its own HTML; the OAuth result pages carry an inline <style>, no
 * script, hence `style-src 'unsafe-inline'` and nothing else.
 */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
};

export async function start(opts: IngressOptions): Promise<RunningService> {
  const log = opts.log;
  const subjects = createSubjects(opts.prefix);
  const nc = await connectNats(opts.natsUrl, ServiceNames.ingress, opts.natsAuth, { jsReplicas: opts.jsReplicas });
  const redis = connectRedis(opts.redisUrl, { maxRetriesPerRequest: 3 });
  // ioredis reconnects by itself; without a listener every retry would print an unhandled error.
  redis.on('error', (err: Error) => log.warn({ code: CommonErrorCodes.REDIS, reason: err.message }, 'redis connection error'));
  // Ingress reads bot tokens too (the /start membership check): it refreshes them like egress.
  const slackApp = opts.oauth.clientId && opts.oauth.clientSecret ? { clientId: opts.oauth.clientId, clientSecret: opts.oauth.clientSecret } : undefined;
  const tokens = new TokenStore(redis, parseTokenKeys(opts.tokenKeys, opts.production), opts.prefix, { refresher: slackTokenRefresher({ slackApiUrl: opts.oauth.slackApiUrl, ...(slackApp ? { app: slackApp } : {}) }) });
  const settings = await TeamSettingsStore.open(nc, subjects);
  const registry = createMetricsRegistry('ingress');
  const games = await openGameDoor(nc, subjects);
  const router = new SlackRouter({
    nc,
    games,
    subjects,
    redis,
    settings,
    tokens,
    log,
    limiter: new RedisRateLimiter(redis, opts.prefix, opts.rateLimits),
    membership: new BotMembership({ redis, prefix: opts.prefix, tokens, slackApiUrl: opts.oauth.slackApiUrl, log }),
    ...(opts.replyBudgetMs === undefined ? {} : { replyBudgetMs: opts.replyBudgetMs }),
  });
  // Registered for discovery ($SRV.PING/INFO): ingress has no NATS endpoints of its own.
  const service = await nc.services.add({ name: ServiceNames.ingress, version: '0.1.0', description: 'Slack HTTP ingress' });

  const trust = opts.trustProxy ?? false;
  // A hop count as proxy-addr means it: the first n hops from this server are proxies.
  const app = Fastify({ logger: false, bodyLimit: opts.bodyLimit, trustProxy: typeof trust === 'number' ? (_addr: string, hop: number) => hop < trust : trust });
  // onRequest, not onSend: headers set here survive error handlers and the 404 handler too.
  app.addHook('onRequest', async (_req, reply) => {
    reply.headers(SECURITY_HEADERS);
  });
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
  oauthRoutes(app, { config: opts.oauth, redis, prefix: opts.prefix, tokens, log, onInstalled: (team) => router.teamActive(team, 'install') });
  await registerPages(app, { nc, subjects, redis, log: log.child({ part: 'pages' }), admin: { user: opts.admin.user, password: opts.admin.password ?? randomBytes(32).toString('base64url') }, installUrl: '/slack/install', tokens, slackApiUrl: opts.oauth.slackApiUrl, pageLinkSecret: opts.pageLinkSecret });
  const healthy = () => !nc.isClosed() && redis.status === 'ready';
  app.get('/healthz', async (_req, reply) => {
    const ok = healthy();
    return reply.code(ok ? 200 : 503).send({ ok });
  });
  // Liveness: the process answers. Redis or NATS down fails readiness above, never this (metrics.ts).
  app.get('/livez', async () => ({ ok: true }));
  // Metrics stay off the public port (the Kubernetes Ingress routes every path to it).
  const ops = await startOpsServer({ port: opts.metricsPort ?? 0, host: opts.metricsHost ?? '127.0.0.1', registry, healthy });

  await app.listen({ port: opts.port, host: opts.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : opts.port;
  const url = `http://${opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host}:${port}`;
  if (opts.eventsUrlCheck) {
    try {
      await checkEventsUrl(opts.eventsUrlCheck.publicUrl, opts.signingSecrets[0] ?? '');
    } catch (err) {
      await app.close();
      await ops.close();
      games.stop();
      await service.stop();
      await nc.close();
      redis.disconnect();
      throw err;
    }
    log.info({ eventsUrl: `${opts.eventsUrlCheck.publicUrl}/slack/events` }, 'events URL answers url_verification');
  }

  return {
    info: { url, metricsUrl: ops.url, ...(opts.eventsUrlCheck ? { eventsUrlChecked: true } : {}) },
    async stop() {
      await app.close();
      await ops.close();
      games.stop();
      await service.stop();
      await closeNats(nc);
      redis.disconnect();
    },
  };
}
