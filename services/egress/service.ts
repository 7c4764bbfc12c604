import { WebClient, WebClientEvent } from '@slack/web-api';
import { connectRedis } from '../common/redis.ts';
import type { NatsConnection, Subscription } from 'nats';
import { Counter, Histogram, type Registry } from 'prom-client';
import { asSurfingerError, codecs, CommonErrorCodes, EgressErrorCodes, createSubjects, egressAllows, MessageTypes, ServiceNames, type EgressReply, type EgressRequest } from '../../protocol/index.ts';
import type { Logger } from '../common/logger.ts';
import { rejected } from '../common/rejections.ts';
import type { RunningService } from '../common/main-kit.ts';
import { createMetricsRegistry, startOpsServer } from '../common/metrics.ts';
import { addEndpoint, closeNats, connectNats, type NatsAuth } from '../common/nats.ts';
import { platformError, slackSdkLogger } from '../common/slack-sdk.ts';
import { slackTokenRefresher } from '../common/token-refresher.ts';
import { parseTokenKeys, TokenStore } from '../common/token-store.ts';
import { SharedPacer, type Bucket, type PaceConfig } from './pacing.ts';

/**
 * Slack egress: the only code that calls the Web API to post. One WebClient per team (bot token
 * from the token store), pacing shared by every replica through Redis (per channel, and per method
 * per workspace for the tiered methods — pacing.ts), 429 handling by the SDK (bounded retries, the
 * Retry-After held for every replica), and idempotency keys in Redis so a retried request — on this
 * replica or another — never posts twice.
 */


export interface EgressOptions {
  log: Logger;
  natsUrl: string;
  natsAuth?: NatsAuth;
  /** Copies of the streams and buckets this service creates (SF_JS_REPLICAS). */
  jsReplicas?: number;
  redisUrl: string;
  prefix: string;
  slackApiUrl: string;
  tokenKeys: string | undefined;
  production: boolean;
  /** Every call to one channel (Slack: about one message a second per channel). */
  pace: PaceConfig;
  /** Per-workspace budgets of the tiered methods (defaults: METHOD_BUDGETS). */
  methodBudgets?: Partial<Record<TieredOp, PaceConfig>>;
  /** Retries per Web API call (network errors and 429s), after the first attempt. */
  maxRetries: number;
  metricsPort: number;
  metricsHost: string;
  /** How long an idempotency key remembers its post. */
  idempotencyTtlSec?: number;
  /** The Slack app's OAuth client, to refresh rotating tokens (token rotation on). */
  slackApp?: { clientId: string; clientSecret: string };
  /** How long a bot token stays cached before it is re-read (uninstalls also evict at once). */
  clientTtlMs?: number;
}

/** Web API method of each op (the 429 metric's label, the budget's key). */
const METHODS = { post: 'chat.postMessage', update: 'chat.update', ephemeral: 'chat.postEphemeral', delete: 'chat.delete', publish: 'views.publish' } as const satisfies Record<
  Exclude<EgressRequest['op'], 'respond'>,
  string
>;
const TIERED_OPS = ['update', 'delete', 'ephemeral', 'publish'] as const;
type TieredOp = (typeof TIERED_OPS)[number];

/**
 * Slack's per-method, per-workspace tiers (Tier 3: 50+ a minute; Tier 4: 100+), kept a little
 * under the floor so a burst of countdown edits in many channels of one team never earns a 429.
 * chat.postMessage has no tier: its limit is the per-channel one. views.publish is Tier 4.
 */
export const METHOD_BUDGETS: Readonly<Record<TieredOp, PaceConfig>> = {
  update: { ratePerSec: 45 / 60, burst: 10 },
  delete: { ratePerSec: 45 / 60, burst: 10 },
  ephemeral: { ratePerSec: 90 / 60, burst: 20 },
  publish: { ratePerSec: 90 / 60, burst: 20 },
};

/** Only creating ops need dedupe: update, delete and publish (the Home tab is replaced) are idempotent by nature. */
const CREATES = new Set<EgressRequest['op']>(['post', 'ephemeral', 'respond']);
const PENDING = '-';

export async function start(opts: EgressOptions): Promise<RunningService & { registry: Registry }> {
  const log = opts.log;
  const subjects = createSubjects(opts.prefix);
  const nc: NatsConnection = await connectNats(opts.natsUrl, ServiceNames.egress, opts.natsAuth, { jsReplicas: opts.jsReplicas });
  const redis = connectRedis(opts.redisUrl, { maxRetriesPerRequest: 3 });
  // ioredis reconnects by itself; without a listener every retry would print an unhandled error.
  redis.on('error', (err: Error) => log.warn({ code: CommonErrorCodes.REDIS, reason: err.message }, 'redis connection error'));
  const tokens = new TokenStore(redis, parseTokenKeys(opts.tokenKeys, opts.production), opts.prefix, {
    refresher: slackTokenRefresher({ slackApiUrl: opts.slackApiUrl, ...(opts.slackApp ? { app: opts.slackApp } : {}) }),
  });
  const registry = createMetricsRegistry('egress');
  const requests = new Counter({ name: 'sf_egress_requests_total', help: 'Egress requests by op and outcome', labelNames: ['op', 'outcome'], registers: [registry] });
  const rateLimited = new Counter({ name: 'sf_egress_429_total', help: 'Slack 429 answers seen by egress, by Web API method', labelNames: ['method'], registers: [registry] });
  // Zero series per method from the start: a dashboard's rate() over a missing series is "no data",
  // which reads as broken rather than as "no 429s".
  for (const method of Object.values(METHODS)) rateLimited.labels(method).inc(0);
  const latency = new Histogram({
    name: 'sf_egress_latency_seconds',
    help: 'Time from request to Slack answer, pacing included',
    labelNames: ['op'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
    registers: [registry],
  });
  const idemTtl = opts.idempotencyTtlSec ?? 86_400;
  const clientTtl = opts.clientTtlMs ?? 300_000;

  const clients = new Map<string, { client: WebClient; expires: number }>();
  const pacer = new SharedPacer(redis);
  const budgets = { ...METHOD_BUDGETS, ...opts.methodBudgets };
  const channelBucket = (team: string, channel: string): Bucket => ({ key: `${opts.prefix}:egress:pace:ch:${team}:${channel}`, cfg: opts.pace });
  const methodBucket = (team: string, op: TieredOp): Bucket => ({ key: `${opts.prefix}:egress:pace:m:${team}:${METHODS[op]}`, cfg: budgets[op] });
  const isTiered = (op: EgressRequest['op']): op is TieredOp => op !== 'post';
  const tieredOf = (method: string): TieredOp | undefined => TIERED_OPS.find((op) => METHODS[op] === method);

  async function clientFor(team: string): Promise<WebClient | null> {
    const cached = clients.get(team);
    if (cached && cached.expires > Date.now()) return cached.client;
    // Refreshed first when token rotation makes it due; cached no longer than it stays fresh.
    const bot = await tokens.freshBotToken(team);
    if (!bot) return null;
    const client = new WebClient(bot.token, {
      slackApiUrl: opts.slackApiUrl,
      logger: slackSdkLogger(log.child({ team })),
      rejectRateLimitedCalls: false,
      retryConfig: { retries: opts.maxRetries, factor: 2, minTimeout: 100, maxTimeout: 2_000 },
      timeout: 10_000,
    });
    client.on(WebClientEvent.RATE_LIMITED, (retrySec: number, info: { url?: string; body?: { channel?: unknown } }) => {
      // The SDK reports the full URL; the method is its last path segment (chat.postMessage).
      const method = (info.url ?? 'unknown').split('/').pop() || 'unknown';
      rateLimited.inc({ method });
      const channel = typeof info.body?.channel === 'string' ? info.body.channel : null;
      // Every replica holds off, not just this one: the next call to this channel (or method) may land anywhere.
      const tiered = tieredOf(method);
      const held = [...(channel ? [channelBucket(team, channel).key] : []), ...(tiered ? [methodBucket(team, tiered).key] : [])];
      for (const key of held) pacer.block(key, retrySec).catch((err: unknown) => log.warn({ code: asSurfingerError(err).code }, 'could not share a Retry-After'));
      log.info({ team, channel, method, retrySec }, 'slack rate limited; waiting');
    });
    clients.set(team, { client, expires: Math.min(Date.now() + clientTtl, bot.refreshAt) });
    return client;
  }

  /** Waits for the request's turn in its buckets, or answers how long they are busy past its `maxWaitMs`. */
  async function paced(req: EgressRequest): Promise<Bucket[] | { busyForMs: number }> {
    // A Home view has no channel (its `channel` is the user id): only the method's tier paces it.
    const buckets = [...(req.op === 'publish' ? [] : [channelBucket(req.team, req.channel)]), ...(isTiered(req.op) ? [methodBucket(req.team, req.op)] : [])];
    const waitMs = req.maxWaitMs === undefined ? await pacer.reserve(buckets) : await pacer.tryReserve(buckets, req.maxWaitMs);
    if (typeof waitMs !== 'number') return waitMs;
    if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
    return buckets;
  }

  /** Claims the idempotency key; returns the ts of an earlier identical post, or null to proceed. */
  async function claim(key: string): Promise<{ ts: string } | { inFlight: true } | null> {
    const redisKey = `${opts.prefix}:egress:idem:${key}`;
    // A pending claim expires on its own so a replica that died mid-post does not block forever.
    if ((await redis.set(redisKey, PENDING, 'EX', 60, 'NX')) === 'OK') return null;
    for (let i = 0; i < 25; i++) {
      const value = await redis.get(redisKey);
      if (value === null) return (await redis.set(redisKey, PENDING, 'EX', 60, 'NX')) === 'OK' ? null : { inFlight: true };
      if (value !== PENDING) return { ts: value };
      await new Promise((r) => setTimeout(r, 200));
    }
    return { inFlight: true };
  }

  async function handle(req: EgressRequest, msg: { subject: string }): Promise<EgressReply> {
    const started = process.hrtime.bigint();
    const rlog = log.child({ team: req.team, channel: req.channel, op: req.op });
    const done = (outcome: string, reply: Omit<EgressReply, 'type'>): EgressReply => {
      requests.inc({ op: req.op, outcome });
      latency.observe({ op: req.op }, Number(process.hrtime.bigint() - started) / 1e9);
      return { type: MessageTypes.egressReply, ...reply };
    };
    // The subject is what NATS permissions checked; the payload must not claim more.
    const scope = subjects.parseEgress(msg.subject);
    if (!scope || scope.team !== req.team || scope.channel !== req.channel || !egressAllows(scope.kind, req.op)) {
      rlog.warn({ code: EgressErrorCodes.SCOPE, subject: msg.subject }, 'egress request outside its subject');
      return done('refused', { ok: false, code: EgressErrorCodes.SCOPE, error: `${req.op} to ${req.team}/${req.channel} is not allowed on ${msg.subject}` });
    }
    if ((req.op === 'update' || req.op === 'delete') && !req.ts) return done('invalid', { ok: false, code: EgressErrorCodes.INVALID, error: `${req.op} needs ts` });
    if ((req.op === 'ephemeral' || req.op === 'publish') && !req.user) return done('invalid', { ok: false, code: EgressErrorCodes.INVALID, error: `${req.op} needs user` });
    if (req.op === 'respond' && !respondsTo(req.responseUrl)) return done('invalid', { ok: false, code: EgressErrorCodes.INVALID, error: 'respond needs a Slack response_url' });

    const idemKey = `${opts.prefix}:egress:idem:${req.idempotencyKey}`;
    if (CREATES.has(req.op)) {
      const earlier = await claim(req.idempotencyKey);
      if (earlier && 'ts' in earlier) return done('duplicate', { ok: true, ts: earlier.ts });
      if (earlier) return done('in_flight', { ok: false, code: EgressErrorCodes.IN_FLIGHT, error: 'same idempotency key is being posted' });
    }
    if (req.op === 'respond') return done(...(await respond(req, idemKey)));
    try {
      const client = await clientFor(req.team);
      if (!client) {
        if (CREATES.has(req.op)) await redis.del(idemKey);
        rlog.warn({ code: EgressErrorCodes.NOT_INSTALLED }, 'no bot token for team');
        return done('not_installed', { ok: false, code: EgressErrorCodes.NOT_INSTALLED, error: 'team not installed' });
      }
      const buckets = await paced(req);
      if (!Array.isArray(buckets)) {
        if (CREATES.has(req.op)) await redis.del(idemKey);
        return done('busy', { ok: false, code: EgressErrorCodes.BUSY, error: 'rate budget busy', retryAfterMs: buckets.busyForMs });
      }
      const sentAt = Date.now();
      const blocks = req.blocks as never;
      const send = async (c: WebClient): Promise<string | undefined> => {
        if (req.op === 'post') return (await c.chat.postMessage({ channel: req.channel, text: req.text, ...(blocks ? { blocks } : {}) })).ts;
        if (req.op === 'ephemeral') return (await c.chat.postEphemeral({ channel: req.channel, user: req.user!, text: req.text, ...(blocks ? { blocks } : {}) })).message_ts;
        if (req.op === 'update') return (await c.chat.update({ channel: req.channel, ts: req.ts!, text: req.text, ...(blocks ? { blocks } : {}) })).ts;
        if (req.op === 'publish') return (await c.views.publish({ user_id: req.user!, view: { type: 'home', blocks: blocks ?? [] } })).view?.id;
        return (await c.chat.delete({ channel: req.channel, ts: req.ts! })).ts;
      };
      // A rotating token can expire between the check and the call (clock skew, a slow queue):
      // refresh once and retry; Slack did nothing with the expired call.
      const ts = await send(client).catch(async (err: unknown) => {
        if (platformError(err) !== 'token_expired') throw err;
        clients.delete(req.team);
        // The token this call used: if another replica refreshed meanwhile, nothing is spent.
        await tokens.refresh(req.team, client.token ?? '');
        const renewed = await clientFor(req.team);
        if (!renewed) throw err;
        return send(renewed);
      });
      // Slack counts a call when it arrives, somewhere before the answer: a slow call moves the
      // channel's later slots back by its latency, so a late arrival never crowds the next one.
      await pacer.defer(buckets, Date.now() - sentAt);
      if (CREATES.has(req.op)) await redis.set(idemKey, ts ?? '', 'EX', idemTtl);
      return done('ok', { ok: true, ...(ts ? { ts } : {}) });
    } catch (err) {
      if (CREATES.has(req.op)) await redis.del(idemKey);
      const slackError = platformError(err);
      if (slackError === 'invalid_auth' || slackError === 'token_revoked' || slackError === 'account_inactive') clients.delete(req.team);
      const e = asSurfingerError(err, EgressErrorCodes.SLACK);
      rlog.warn({ code: EgressErrorCodes.SLACK, slackError, reason: e.message }, 'slack call failed');
      return done('error', { ok: false, code: EgressErrorCodes.SLACK, error: slackError ?? e.message.slice(0, 500) });
    }
  }

  /** Slack's response URLs live on hooks.slack.com (the sandbox serves them beside its Web API). */
  const hookOrigins = new Set(['https://hooks.slack.com', new URL(opts.slackApiUrl).origin]);
  function respondsTo(url: string | undefined): boolean {
    if (!url) return false;
    try {
      return hookOrigins.has(new URL(url).origin);
    } catch {
      return false;
    }
  }

  /** A slash command's late answer: one POST to its response_url (no token; the URL is the credential). */
  async function respond(req: EgressRequest, idemKey: string): Promise<[string, Omit<EgressReply, 'type'>]> {
    try {
      const res = await fetch(req.responseUrl!, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ response_type: req.responseType ?? 'ephemeral', text: req.text, ...(req.blocks ? { blocks: req.blocks } : {}) }),
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) throw new Error(`response_url answered HTTP ${res.status}`);
      await redis.set(idemKey, 'responded', 'EX', idemTtl);
      return ['ok', { ok: true }];
    } catch (err) {
      await redis.del(idemKey).catch(() => undefined);
      const e = asSurfingerError(err, EgressErrorCodes.SLACK);
      log.warn({ team: req.team, channel: req.channel, op: req.op, code: EgressErrorCodes.SLACK, reason: e.message }, 'response_url call failed');
      return ['error', { ok: false, code: EgressErrorCodes.SLACK, error: e.message.slice(0, 500) }];
    }
  }

  const service = await nc.services.add({
    name: ServiceNames.egress,
    version: '0.1.0',
    description: 'Slack Web API egress (paced, 429-aware, idempotent)',
    // The watchdog reads 429 storms from here ($SRV.STATS), as Prometheus does from /metrics.
    statsHandler: async () => ({ rateLimited: (await rateLimited.get()).values.reduce((sum, v) => sum + v.value, 0) }),
  });
  addEndpoint(service, 'egress', { subject: subjects.allEgress(), queue: subjects.queues.egress, input: codecs.egressRequest, output: codecs.egressReply, log, handle });

  // Uninstalled teams: forget the cached client at once instead of waiting for its TTL.
  const removed: Subscription = nc.subscribe(subjects.allTeamRemoved(), {
    callback: (err, msg) => {
      if (err) return;
      try {
        clients.delete(codecs.teamRemoved.decode(msg.data).team);
      } catch (e) {
        rejected(log, { code: asSurfingerError(e).code, subject: msg.subject });
      }
    },
  });

  const ops = await startOpsServer({ port: opts.metricsPort, host: opts.metricsHost, registry, healthy: () => !nc.isClosed() && redis.status === 'ready' });

  return {
    registry,
    info: { metricsUrl: ops.url },
    async stop() {
      await ops.close();
      removed.unsubscribe();
      await service.stop();
      await closeNats(nc);
      redis.disconnect();
    },
  };
}
