import { connectRedis } from '../common/redis.ts';
import type { KV, Subscription } from 'nats';
import { Counter, Gauge, type Registry } from 'prom-client';
import { asSurfingerError, codecs, CommonErrorCodes, createSubjects, MessageTypes, ServiceNames, type SupervisorState } from '../../protocol/index.ts';
import type { Delivery } from '../common/config.ts';
import { checkAppToken } from '../common/delivery.ts';
import { openBucket } from '../common/jetstream.ts';
import type { Logger } from '../common/logger.ts';
import { rejected } from '../common/rejections.ts';
import type { RunningService } from '../common/main-kit.ts';
import { createMetricsRegistry, startOpsServer } from '../common/metrics.ts';
import { closeNats, connectNats, type NatsAuth } from '../common/nats.ts';
import { SlackRouter } from '../common/slack-routing.ts';
import { TeamSettingsStore } from '../common/team-settings.ts';
import { BotMembership } from '../common/bot-membership.ts';
import { parseTokenKeys, TokenStore } from '../common/token-store.ts';
import { DEFAULT_BACKOFF, type BackoffConfig } from './backoff.ts';
import { routeEnvelope } from './envelopes.ts';
import { HAND_ON_BACKOFF, HAND_ON_GIVE_UP_MS, handOn } from './hand-on.ts';
import { SupervisorMembership } from './membership.ts';
import { UnitOpener } from './opener.ts';
import { HANDOFF_OVERLAP_BEATS, Ownership, planReconcile } from './ownership.ts';
import { TeamSocket } from './team-socket.ts';
import { openGameDoor } from '../actor-host/client.ts';

/**
 * Connection supervisor: holds the Socket Mode connections the delivery mode needs, always open.
 *
 * What a replica holds are *units*, each one connection (docs/runtime.md, "Delivery modes"):
 * - `socket` (one app for every workspace): `slot-0` … `slot-<SF_SOCKET_CONNECTIONS - 1>`, all
 *   opened with the deployment's one app token; Slack spreads every team's envelopes over them.
 * - `workspace-apps` (each workspace its own app): one unit per registered team (the token
 *   store), opened with that team's app token. With Socket Mode on, Slack sends slash commands
 *   over the socket too, so a team whose socket were closed could not even type `/start`: there is
 *   no idle expiry, a socket closes only when its team is removed.
 * - `http`: no units; envelopes never come, Slack posts to ingress.
 *
 * 1. Replicas heartbeat into the `members` KV bucket (membership.ts); the owner of a unit is the
 *    rendezvous-hash winner among live members (sharding.ts, ownership.ts). Only the owner opens
 *    the unit's socket (opener.ts).
 * 2. Every `heartbeatMs` each replica reconciles: queue opens of owned units it does not hold, hand
 *    off units it no longer owns (after a short overlap so the new owner is connected first), close
 *    units that are gone (a removed team). Queued opens run MAX_OPENING at a time, the next starting
 *    as soon as one finishes. A dead replica's heartbeat goes stale after `memberTtlMs`, so its
 *    units move within memberTtlMs + heartbeatMs + connect time.
 * 3. An envelope is acked only after what it carries was handed on (envelopes.ts, SlackRouter: the game actor
 *    answers after its commit). Unacked, Slack redelivers it, possibly on another connection of the
 *    same app, which is what makes a replica's crash or a Redis/NATS outage lose nothing.
 */

export { SupervisorErrorCodes } from './errors.ts';
export { MAX_OPENING } from './opener.ts';

export interface SupervisorOptions {
  log: Logger;
  natsUrl: string;
  natsAuth?: NatsAuth;
  /** Copies of the streams and buckets this service creates (SF_JS_REPLICAS). */
  jsReplicas?: number;
  redisUrl: string;
  prefix: string;
  supervisorId: string;
  delivery: Delivery;
  /** `socket` mode: the deployment's app-level token (xapp-…). */
  appToken?: string;
  /** `socket` mode: connections of the app, 1–10 (Slack's limit), spread over the replicas. */
  socketConnections?: number;
  slackApiUrl: string;
  tokenKeys: string | undefined;
  production: boolean;
  metricsPort: number;
  metricsHost: string;
  heartbeatMs?: number;
  memberTtlMs?: number;
  backoff?: BackoffConfig;
  random?: () => number;
}

/** Unit names in `socket` mode; sharded like teams. */
export const slotUnits = (connections: number): string[] => Array.from({ length: connections }, (_, i) => `slot-${i}`);

export async function start(opts: SupervisorOptions): Promise<RunningService & { registry: Registry }> {
  const id = opts.supervisorId;
  const log = opts.log.child({ supervisorId: id, delivery: opts.delivery });
  const subjects = createSubjects(opts.prefix);
  const heartbeatMs = opts.heartbeatMs ?? 500;
  const memberTtlMs = opts.memberTtlMs ?? 3_000;
  const backoff = opts.backoff ?? DEFAULT_BACKOFF;
  const random = opts.random ?? Math.random;
  const slots = opts.delivery === 'socket' ? slotUnits(opts.socketConnections ?? 2) : [];
  // Refuse to run deaf: a socket-mode cluster without a working app token would receive nothing.
  if (opts.delivery === 'socket') await checkAppToken(opts.slackApiUrl, opts.appToken);
  if (opts.delivery === 'http') opts.log.info({ delivery: 'http' }, 'delivery is http: Slack posts to ingress, this supervisor holds no sockets');

  const nc = await connectNats(opts.natsUrl, `${ServiceNames.supervisor}:${id}`, opts.natsAuth, { jsReplicas: opts.jsReplicas });
  const redis = connectRedis(opts.redisUrl, { maxRetriesPerRequest: 3 });
  // ioredis reconnects by itself; without a listener every retry would print an unhandled error.
  redis.on('error', (err: Error) => log.warn({ code: CommonErrorCodes.REDIS, reason: err.message }, 'redis connection error'));
  const tokens = new TokenStore(redis, parseTokenKeys(opts.tokenKeys, opts.production), opts.prefix);
  const settings = await TeamSettingsStore.open(nc, subjects);
  const members: KV = await openBucket(nc, subjects.buckets.members);
  const games = await openGameDoor(nc, subjects);
  const membership = new BotMembership({ redis, prefix: opts.prefix, tokens, slackApiUrl: opts.slackApiUrl, log });
  const router = new SlackRouter({ nc, subjects, redis, settings, tokens, log, games, membership });

  const registry = createMetricsRegistry('connection-supervisor');
  const socketsOpen = new Gauge({ name: 'sf_sockets_open', help: 'Open Socket Mode connections', registers: [registry] });
  // 0 in http delivery: the no-sockets alert compares open with wanted, so it holds in every mode.
  const socketsWanted = new Gauge({ name: 'sf_sockets_wanted', help: 'Socket Mode connections the delivery mode wants open, cluster-wide', registers: [registry] });
  const reconnectsTotal = new Counter({ name: 'sf_socket_reconnects_total', help: 'Dropped sockets re-established', registers: [registry] });
  const envelopesTotal = new Counter({ name: 'sf_envelopes_total', help: 'Socket Mode envelopes received', labelNames: ['type', 'outcome'], registers: [registry] });

  let reconnects = 0;
  let stopping = false;
  const ownership = new Ownership(id);
  const owns = (unit: string) => !stopping && ownership.owns(unit);
  // An event the games cannot take yet stays unacked and is retried here past Slack's ack window.
  const retryHandoff = <T>(work: () => Promise<T>): Promise<T> =>
    handOn(work, {
      giveUpMs: HAND_ON_GIVE_UP_MS,
      backoff: HAND_ON_BACKOFF,
      random,
      stopped: () => stopping,
      onRetry: (attempt, err) => {
        if (attempt === 1) log.warn({ code: asSurfingerError(err).code, reason: (err as Error).message }, 'event not handed on yet; retrying, unacked');
      },
    });

  /** The units this delivery mode wants open cluster-wide. */
  async function wantedUnits(): Promise<string[]> {
    if (opts.delivery === 'socket') return slots;
    if (opts.delivery === 'workspace-apps') return tokens.teams();
    return [];
  }

  const opener = new UnitOpener({
    log,
    backoff,
    random,
    owns,
    stopping: () => stopping,
    appTokenOf: async (unit) => (opts.delivery === 'socket' ? opts.appToken : (await tokens.get(unit))?.appToken),
    socketFor: (unit, appToken, ulog) =>
      new TeamSocket({
        unit,
        appToken,
        slackApiUrl: opts.slackApiUrl,
        log: ulog,
        backoff,
        random,
        onEnvelope: (envelope) =>
          void routeEnvelope(envelope, router, (outcome) => envelopesTotal.inc({ type: envelope.type, outcome }), retryHandoff).catch((err: unknown) => {
            // Not acked: Slack redelivers it (possibly on another connection), so nothing is lost here.
            const e = asSurfingerError(err);
            envelopesTotal.inc({ type: envelope.type, outcome: 'not_acked' });
            log.warn({ unit, code: e.code, reason: e.message }, 'envelope not handed on; left unacked for redelivery');
          }),
        onReconnect: () => {
          reconnects += 1;
          reconnectsTotal.inc();
        },
      }),
    onHeld: (size) => socketsOpen.set(size),
  });
  const { held } = opener;

  const supervisors = await SupervisorMembership.start({ nc, subjects, members, ownership, heartbeatMs, ttlMs: memberTtlMs, log });

  async function reconcile(): Promise<void> {
    const wanted = new Set(await wantedUnits());
    socketsWanted.set(wanted.size);
    const plan = planReconcile({ wanted, held, failedUntil: opener.failedUntil, owns, now: Date.now(), overlapMs: HANDOFF_OVERLAP_BEATS * heartbeatMs });
    for (const unit of plan.open) opener.want(unit);
    for (const unit of plan.forget) opener.failedUntil.delete(unit);
    for (const [unit, since] of plan.leaving) {
      const h = held.get(unit);
      if (h) h.leavingSince = since;
    }
    for (const { unit, why } of plan.close) void opener.close(unit, why);
  }

  // Two loops, so a slow reconcile (hundreds of opens) can never delay the heartbeat and make the
  // others think we died. Each skips a round rather than overlapping itself.
  const loop = (what: string, fn: () => Promise<void>) => {
    let running = false;
    return async () => {
      if (running || stopping) return;
      running = true;
      try {
        await fn();
      } catch (err) {
        const e = asSurfingerError(err);
        log.warn({ code: e.code, reason: e.message }, `${what} failed`);
      } finally {
        running = false;
      }
    };
  };
  const beat = loop('heartbeat', () => supervisors.heartbeat());
  const settle = loop('reconcile', reconcile);
  await beat();
  await settle();
  const beater = setInterval(() => void beat(), heartbeatMs);
  const ticker = setInterval(() => void settle(), heartbeatMs);

  /** A team was just installed (OAuth): open its socket now rather than at the next reconcile. */
  const activeSub: Subscription = nc.subscribe(subjects.allTeamActive(), {
    callback: (err, msg) => {
      if (err || opts.delivery !== 'workspace-apps') return;
      try {
        const team = codecs.teamActive.decode(msg.data).team;
        if (!owns(team)) return;
        opener.failedUntil.delete(team);
        opener.want(team);
      } catch (e) {
        rejected(log, { code: asSurfingerError(e).code, subject: msg.subject });
      }
    },
  });

  /** Uninstalled or revoked: its credentials are already gone, close its socket at once. */
  const removedSub: Subscription = nc.subscribe(subjects.allTeamRemoved(), {
    callback: (err, msg) => {
      if (err || opts.delivery !== 'workspace-apps') return;
      try {
        const team = codecs.teamRemoved.decode(msg.data).team;
        opener.forget(team);
        void opener.close(team, 'removed');
      } catch (e) {
        rejected(log, { code: asSurfingerError(e).code, subject: msg.subject });
      }
    },
  });

  const state = (): SupervisorState => ({
    type: MessageTypes.supervisorState,
    supervisorId: id,
    openSockets: held.size,
    teams: Object.fromEntries([...held].map(([unit, h]) => [unit, h.openedAt])),
    reconnects,
    members: [...ownership.live],
  });
  const service = await nc.services.add({
    name: ServiceNames.supervisor,
    version: '0.1.0',
    description: `Socket Mode connections (delivery ${opts.delivery})`,
    metadata: { supervisorId: id, delivery: opts.delivery },
    statsHandler: async () => {
      const s = state();
      return { openSockets: s.openSockets, teams: s.teams, reconnects: s.reconnects };
    },
  });
  // No request payload to validate: any message on this subject asks for the current state.
  service.addEndpoint('state', { subject: subjects.supervisorState(id), handler: (_err, msg) => msg.respond(codecs.supervisorState.encode(state())) });

  const ops = await startOpsServer({ port: opts.metricsPort, host: opts.metricsHost, registry, healthy: () => !nc.isClosed() && redis.status === 'ready' });

  return {
    registry,
    info: { supervisorId: id, delivery: opts.delivery, metricsUrl: ops.url },
    async stop() {
      stopping = true;
      opener.clearWaiting();
      clearInterval(ticker);
      clearInterval(beater);
      games.stop();
      activeSub.unsubscribe();
      removedSub.unsubscribe();
      // Leave the membership first so the others take our units, then give them a moment to connect.
      await supervisors.leave();
      if (held.size > 0) await new Promise((r) => setTimeout(r, 3 * heartbeatMs));
      await Promise.all([...held.keys()].map((unit) => opener.close(unit, 'stop')));
      await service.stop();
      await ops.close();
      await closeNats(nc);
      redis.disconnect();
    },
  };
}
