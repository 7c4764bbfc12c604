import { WebClient, WebClientEvent, ErrorCode as SlackErrorCode } from '@slack/web-api';
import { connectRedis } from '../common/redis.ts';
import type { NatsConnection, Subscription } from 'nats';
import { Counter, Histogram, type Registry } from 'prom-client';
import { asSurfingerError, codecs, createSubjects, MessageTypes, ServiceNames, type EgressReply, type EgressRequest } from '../../protocol/index.ts';
import type { Logger } from '../common/logger.ts';
import type { RunningService } from '../common/main-kit.ts';
import { createMetricsRegistry, startOpsServer } from '../common/metrics.ts';
import { addEndpoint, connectNats, type NatsAuth } from '../common/nats.ts';
import { slackSdkLogger } from '../common/slack-routing.ts';
import { parseTokenKeys, TokenStore } from '../common/token-store.ts';
import { isIdle, reserve, block, type PaceConfig, type PaceState } from './pacing.ts';

/**
 * Slack egress: the only code that calls the Web API to post. One WebClient per team (bot token
 * from the token store), per-channel pacing, 429 handling by the SDK (bounded retries), and
 * idempotency keys in Redis so a retried request — on this replica or another — never posts twice.
 */

export const EgressErrorCodes = {
  /** The team has no stored bot token (not installed, or uninstalled). */
  NOT_INSTALLED: 'SF_ERR_EGRESS_NOT_INSTALLED',
  /** Slack refused the call (platform error such as channel_not_found) or it failed after retries. */
  SLACK: 'SF_ERR_EGRESS_SLACK',
  /** Another request with this idempotency key is still being posted. */
  IN_FLIGHT: 'SF_ERR_EGRESS_IN_FLIGHT',
  /** update/delete without `ts`, or ephemeral without `user`. */
  INVALID: 'SF_ERR_EGRESS_INVALID',
} as const;

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
  pace: PaceConfig;
  /** Retries per Web API call (network errors and 429s), after the first attempt. */
  maxRetries: number;
  metricsPort: number;
  metricsHost: string;
  /** How long an idempotency key remembers its post. */
  idempotencyTtlSec?: number;
  /** How long a bot token stays cached before it is re-read (uninstalls also evict at once). */
  clientTtlMs?: number;
}

/** Only creating ops need dedupe: update and delete are idempotent by nature. */
const CREATES = new Set<EgressRequest['op']>(['post', 'ephemeral']);
const PENDING = '-';

export async function start(opts: EgressOptions): Promise<RunningService & { registry: Registry }> {
  const log = opts.log;
  const subjects = createSubjects(opts.prefix);
  const nc: NatsConnection = await connectNats(opts.natsUrl, ServiceNames.egress, opts.natsAuth, { jsReplicas: opts.jsReplicas });
  const redis = connectRedis(opts.redisUrl, { maxRetriesPerRequest: 3 });
  // ioredis reconnects by itself; without a listener every retry would print an unhandled error.
  redis.on('error', (err: Error) => log.warn({ code: 'SF_ERR_REDIS', reason: err.message }, 'redis connection error'));
  const tokens = new TokenStore(redis, parseTokenKeys(opts.tokenKeys, opts.production), opts.prefix);
  const registry = createMetricsRegistry('egress');
  const requests = new Counter({ name: 'sf_egress_requests_total', help: 'Egress requests by op and outcome', labelNames: ['op', 'outcome'], registers: [registry] });
  const rateLimited = new Counter({ name: 'sf_egress_429_total', help: 'Slack 429 answers seen by egress', registers: [registry] });
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
  const paces = new Map<string, PaceState>();

  async function clientFor(team: string): Promise<WebClient | null> {
    const cached = clients.get(team);
    if (cached && cached.expires > Date.now()) return cached.client;
    const creds = await tokens.get(team);
    if (!creds) return null;
    const client = new WebClient(creds.botToken, {
      slackApiUrl: opts.slackApiUrl,
      logger: slackSdkLogger(log.child({ team })),
      rejectRateLimitedCalls: false,
      retryConfig: { retries: opts.maxRetries, factor: 2, minTimeout: 100, maxTimeout: 2_000 },
      timeout: 10_000,
    });
    client.on(WebClientEvent.RATE_LIMITED, (retrySec: number, info: { body?: { channel?: unknown } }) => {
      rateLimited.inc();
      const channel = typeof info.body?.channel === 'string' ? info.body.channel : null;
      if (channel) paces.set(`${team}:${channel}`, block(paces.get(`${team}:${channel}`), Date.now(), retrySec, opts.pace));
      log.info({ team, channel, retrySec }, 'slack rate limited; waiting');
    });
    clients.set(team, { client, expires: Date.now() + clientTtl });
    return client;
  }

  async function paced(team: string, channel: string): Promise<void> {
    const key = `${team}:${channel}`;
    const now = Date.now();
    const { state, waitMs } = reserve(paces.get(key), now, opts.pace);
    paces.set(key, state);
    if (paces.size > 10_000) for (const [k, s] of paces) if (isIdle(s, now, opts.pace)) paces.delete(k);
    if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
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

  async function handle(req: EgressRequest): Promise<EgressReply> {
    const started = process.hrtime.bigint();
    const rlog = log.child({ team: req.team, channel: req.channel, op: req.op });
    const done = (outcome: string, reply: Omit<EgressReply, 'type'>): EgressReply => {
      requests.inc({ op: req.op, outcome });
      latency.observe({ op: req.op }, Number(process.hrtime.bigint() - started) / 1e9);
      return { type: MessageTypes.egressReply, ...reply };
    };
    if ((req.op === 'update' || req.op === 'delete') && !req.ts) return done('invalid', { ok: false, code: EgressErrorCodes.INVALID, error: `${req.op} needs ts` });
    if (req.op === 'ephemeral' && !req.user) return done('invalid', { ok: false, code: EgressErrorCodes.INVALID, error: 'ephemeral needs user' });

    const idemKey = `${opts.prefix}:egress:idem:${req.idempotencyKey}`;
    if (CREATES.has(req.op)) {
      const earlier = await claim(req.idempotencyKey);
      if (earlier && 'ts' in earlier) return done('duplicate', { ok: true, ts: earlier.ts });
      if (earlier) return done('in_flight', { ok: false, code: EgressErrorCodes.IN_FLIGHT, error: 'same idempotency key is being posted' });
    }
    try {
      const client = await clientFor(req.team);
      if (!client) {
        if (CREATES.has(req.op)) await redis.del(idemKey);
        rlog.warn({ code: EgressErrorCodes.NOT_INSTALLED }, 'no bot token for team');
        return done('not_installed', { ok: false, code: EgressErrorCodes.NOT_INSTALLED, error: 'team not installed' });
      }
      await paced(req.team, req.channel);
      const blocks = req.blocks as never;
      let ts: string | undefined;
      if (req.op === 'post') ts = (await client.chat.postMessage({ channel: req.channel, text: req.text, ...(blocks ? { blocks } : {}) })).ts;
      else if (req.op === 'ephemeral')
        ts = (await client.chat.postEphemeral({ channel: req.channel, user: req.user!, text: req.text, ...(blocks ? { blocks } : {}) })).message_ts;
      else if (req.op === 'update') ts = (await client.chat.update({ channel: req.channel, ts: req.ts!, text: req.text, ...(blocks ? { blocks } : {}) })).ts;
      else ts = (await client.chat.delete({ channel: req.channel, ts: req.ts! })).ts;
      if (CREATES.has(req.op)) await redis.set(idemKey, ts ?? '', 'EX', idemTtl);
      return done('ok', { ok: true, ...(ts ? { ts } : {}) });
    } catch (err) {
      if (CREATES.has(req.op)) await redis.del(idemKey);
      const slackError = (err as { code?: string; data?: { error?: string } }).code === SlackErrorCode.PlatformError ? (err as { data: { error: string } }).data.error : undefined;
      if (slackError === 'invalid_auth' || slackError === 'token_revoked' || slackError === 'account_inactive') clients.delete(req.team);
      const e = asSurfingerError(err, EgressErrorCodes.SLACK);
      rlog.warn({ code: EgressErrorCodes.SLACK, slackError, reason: e.message }, 'slack call failed');
      return done('error', { ok: false, code: EgressErrorCodes.SLACK, error: slackError ?? e.message.slice(0, 500) });
    }
  }

  const service = await nc.services.add({
    name: ServiceNames.egress,
    version: '0.1.0',
    description: 'Slack Web API egress (paced, 429-aware, idempotent)',
    // The watchdog reads 429 storms from here ($SRV.STATS), as Prometheus does from /metrics.
    statsHandler: async () => ({ rateLimited: (await rateLimited.get()).values[0]?.value ?? 0 }),
  });
  addEndpoint(service, 'egress', { subject: subjects.allEgress(), queue: subjects.queues.egress, input: codecs.egressRequest, output: codecs.egressReply, log, handle });

  // Uninstalled teams: forget the cached client at once instead of waiting for its TTL.
  const removed: Subscription = nc.subscribe(subjects.allTeamRemoved(), {
    callback: (err, msg) => {
      if (err) return;
      try {
        clients.delete(codecs.teamRemoved.decode(msg.data).team);
      } catch (e) {
        log.warn({ code: asSurfingerError(e).code, subject: msg.subject }, 'rejected message');
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
      // Bounded: with nats-server already gone a drain would wait for a reconnect forever.
      await Promise.race([nc.drain(), new Promise((r) => setTimeout(r, 2_000))]).finally(() => nc.close());
      redis.disconnect();
    },
  };
}
