import { Redis } from 'ioredis';
import type { KV, Subscription } from 'nats';
import { Counter, Gauge, type Registry } from 'prom-client';
import { asSurfingerError, codecs, createSubjects, MessageTypes, pack, ServiceNames, type SupervisorState } from '../../protocol/index.ts';
import type { Delivery } from '../common/config.ts';
import { checkAppToken } from '../common/delivery.ts';
import { openBucket } from '../common/jetstream.ts';
import type { Logger } from '../common/logger.ts';
import { rejected } from '../common/rejections.ts';
import type { RunningService } from '../common/main-kit.ts';
import { createMetricsRegistry, startOpsServer } from '../common/metrics.ts';
import { connectNats, type NatsAuth } from '../common/nats.ts';
import { BlockActions, EventCallback, SlackRouter, SlashCommand } from '../common/slack-routing.ts';
import { TeamSettingsStore } from '../common/team-settings.ts';
import { BotMembership } from '../common/bot-membership.ts';
import { parseTokenKeys, TokenStore } from '../common/token-store.ts';
import { DEFAULT_BACKOFF, backoffMs, type BackoffConfig } from './backoff.ts';
import { liveMembers, ownerOf, type Heartbeat } from './sharding.ts';
import { TeamSocket, type Envelope } from './team-socket.ts';
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
 * 1. Replicas heartbeat into the `members` KV bucket; the owner of a unit is the rendezvous-hash
 *    winner among live members (sharding.ts). Only the owner opens the unit's socket.
 * 2. Every `heartbeatMs` each replica reconciles: queue opens of owned units it does not hold, hand
 *    off units it no longer owns (after a short overlap so the new owner is connected first), close
 *    units that are gone (a removed team). Queued opens run MAX_OPENING at a time, the next starting
 *    as soon as one finishes. A dead replica's heartbeat goes stale after `memberTtlMs`, so its
 *    units move within memberTtlMs + heartbeatMs + connect time.
 * 3. An envelope is acked only after what it carries was handed on (SlackRouter: the game actor
 *    answers after its commit). Unacked, Slack redelivers it, possibly on another connection of the
 *    same app, which is what makes a replica's crash or a Redis/NATS outage lose nothing.
 */

export const SupervisorErrorCodes = {
  /** The unit has no app token (a team installed without one), so no Socket Mode connection can be opened. */
  NO_APP_TOKEN: 'SF_ERR_SUPERVISOR_NO_APP_TOKEN',
  /** apps.connections.open or the WebSocket handshake failed. */
  CONNECT: 'SF_ERR_SUPERVISOR_CONNECT',
} as const;

export interface SupervisorOptions {
  log: Logger;
  natsUrl: string;
  natsAuth?: NatsAuth;
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

/**
 * Opens in flight per replica. A slot is refilled as soon as an open finishes, so the open rate
 * follows how fast opens complete (not the reconcile tick); the bound keeps a burst of thousands of
 * opens (a replica's teams after a failover, a cold start) from starving our own event loop, whose
 * heartbeat must stay on time.
 *
 * Slack: apps.connections.open is Tier 1, counted per app token. In `workspace-apps` mode every team
 * has its own app token, so each team's limit is spent only by its own opens; in `socket` mode at
 * most 10 connections share one token. Either way opens are one at a time per unit, retried after
 * failures with backoff (backoff.ts), and the SDK's WebClient honours a 429's Retry-After.
 */
export const MAX_OPENING = 64;

/** Unit names in `socket` mode; sharded like teams. */
export const slotUnits = (connections: number): string[] => Array.from({ length: connections }, (_, i) => `slot-${i}`);

interface Held {
  socket: TeamSocket;
  openedAt: number;
  /** When we learned another replica owns this unit; we close after the handover overlap. */
  leavingSince: number | null;
}

export async function start(opts: SupervisorOptions): Promise<RunningService & { registry: Registry }> {
  const id = opts.supervisorId;
  const log = opts.log.child({ supervisorId: id, delivery: opts.delivery });
  const subjects = createSubjects(opts.prefix);
  const heartbeatMs = opts.heartbeatMs ?? 500;
  const memberTtlMs = opts.memberTtlMs ?? 3_000;
  const backoff = opts.backoff ?? DEFAULT_BACKOFF;
  const random = opts.random ?? Math.random;
  const memberKey = `supervisor.${id}`;
  const slots = opts.delivery === 'socket' ? slotUnits(opts.socketConnections ?? 2) : [];
  // Refuse to run deaf: a socket-mode cluster without a working app token would receive nothing.
  if (opts.delivery === 'socket') await checkAppToken(opts.slackApiUrl, opts.appToken);
  if (opts.delivery === 'http') opts.log.info({ delivery: 'http' }, 'delivery is http: Slack posts to ingress, this supervisor holds no sockets');

  const nc = await connectNats(opts.natsUrl, `${ServiceNames.supervisor}:${id}`, opts.natsAuth);
  const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: 3 });
  // ioredis reconnects by itself; without a listener every retry would print an unhandled error.
  redis.on('error', (err: Error) => log.warn({ code: 'SF_ERR_REDIS', reason: err.message }, 'redis connection error'));
  const tokens = new TokenStore(redis, parseTokenKeys(opts.tokenKeys, opts.production), opts.prefix);
  const settings = await TeamSettingsStore.open(nc, subjects);
  const members: KV = await openBucket(nc, subjects.buckets.members);
  const games = await openGameDoor(nc, subjects);
  const membership = new BotMembership({ redis, prefix: opts.prefix, tokens, slackApiUrl: opts.slackApiUrl, log });
  const router = new SlackRouter({ nc, subjects, redis, settings, tokens, log, games, membership });

  const registry = createMetricsRegistry('connection-supervisor');
  const socketsOpen = new Gauge({ name: 'sf_sockets_open', help: 'Open Socket Mode connections', registers: [registry] });
  const reconnectsTotal = new Counter({ name: 'sf_socket_reconnects_total', help: 'Dropped sockets re-established', registers: [registry] });
  const envelopesTotal = new Counter({ name: 'sf_envelopes_total', help: 'Socket Mode envelopes received', labelNames: ['type', 'outcome'], registers: [registry] });

  const held = new Map<string, Held>();
  const opening = new Set<string>();
  /** Owned units waiting for an opening slot, oldest first. */
  const waiting = new Set<string>();
  /** Units whose last open failed: not retried by reconcile before this time (a TeamActive retries at once). */
  const failedUntil = new Map<string, { until: number; attempt: number }>();
  let live: string[] = [id];
  let reconnects = 0;
  let stopping = false;

  /** ownerOf for the current member list (a sha256 per member), asked for every unit each reconcile. */
  const owners = new Map<string, string | null>();
  const owns = (unit: string) => {
    if (stopping) return false;
    let owner = owners.get(unit);
    if (owner === undefined) {
      owner = ownerOf(unit, live);
      owners.set(unit, owner);
    }
    return owner === id;
  };

  /** The units this delivery mode wants open cluster-wide. */
  async function wantedUnits(): Promise<string[]> {
    if (opts.delivery === 'socket') return slots;
    if (opts.delivery === 'workspace-apps') return tokens.teams();
    return [];
  }

  async function appTokenOf(unit: string): Promise<string | undefined> {
    if (opts.delivery === 'socket') return opts.appToken;
    return (await tokens.get(unit))?.appToken;
  }

  /** Queues an open of `unit` and starts it if a slot is free. */
  function wantOpen(unit: string): void {
    if (held.has(unit) || opening.has(unit)) return;
    waiting.add(unit);
    fillSlots();
  }

  /** Starts waiting opens while fewer than MAX_OPENING are in flight; every finished open calls it again. */
  function fillSlots(): void {
    for (const unit of waiting) {
      if (opening.size >= MAX_OPENING || stopping) return;
      waiting.delete(unit);
      if (owns(unit)) void openUnit(unit);
    }
  }

  async function openUnit(unit: string): Promise<void> {
    if (held.has(unit) || opening.has(unit) || stopping) return;
    opening.add(unit);
    const ulog = log.child({ unit });
    try {
      const appToken = await appTokenOf(unit);
      if (!appToken) {
        ulog.warn({ code: SupervisorErrorCodes.NO_APP_TOKEN }, 'no app token for this unit; its events cannot arrive');
        noteFailure(unit);
        return;
      }
      const socket = new TeamSocket({
        unit,
        appToken,
        slackApiUrl: opts.slackApiUrl,
        log: ulog,
        backoff,
        random,
        onEnvelope: (envelope) => onEnvelope(unit, envelope),
        onReconnect: () => {
          reconnects += 1;
          reconnectsTotal.inc();
        },
      });
      await socket.open();
      if (!owns(unit)) {
        await socket.close();
        return;
      }
      held.set(unit, { socket, openedAt: Date.now(), leavingSince: null });
      failedUntil.delete(unit);
      socketsOpen.set(held.size);
      ulog.info('socket opened');
    } catch (err) {
      const e = asSurfingerError(err, SupervisorErrorCodes.CONNECT);
      ulog.warn({ code: SupervisorErrorCodes.CONNECT, reason: e.message }, 'socket open failed');
      noteFailure(unit);
    } finally {
      opening.delete(unit);
      fillSlots();
    }
  }

  function noteFailure(unit: string): void {
    const attempt = (failedUntil.get(unit)?.attempt ?? 0) + 1;
    failedUntil.set(unit, { attempt, until: Date.now() + backoffMs(attempt, random, backoff) });
  }

  async function closeUnit(unit: string, why: 'handoff' | 'removed' | 'stop'): Promise<void> {
    const h = held.get(unit);
    if (!h) return;
    held.delete(unit);
    socketsOpen.set(held.size);
    await h.socket.close();
    log.info({ unit, why }, 'socket closed');
  }

  function onEnvelope(unit: string, envelope: Envelope): void {
    void handleEnvelope(envelope).catch((err: unknown) => {
      // Not acked: Slack redelivers it (possibly on another connection), so nothing is lost here.
      const e = asSurfingerError(err);
      envelopesTotal.inc({ type: envelope.type, outcome: 'not_acked' });
      log.warn({ unit, code: e.code, reason: e.message }, 'envelope not handed on; left unacked for redelivery');
    });
  }

  /**
   * Every envelope is answered within Slack's 3 s (router budget 2.5 s):
   * 1. events: acked only once the router handed the event on (or knows nobody wants it); a
   *    failed handoff throws, so the envelope stays unacked and Slack redelivers it;
   * 2. commands: acked with their answer (the router always produces one, "unavailable" included);
   * 3. clicks: acked at once, their effects arrive as messages (Slack ignores the ack's payload).
   */
  async function handleEnvelope(envelope: Envelope): Promise<void> {
    const ack = (response?: Record<string, unknown>) => envelope.ack(response).catch(() => undefined);
    const count = (outcome: string) => envelopesTotal.inc({ type: envelope.type, outcome });
    if (envelope.type === 'events_api') {
      const parsed = EventCallback.safeParse(envelope.body);
      if (!parsed.success) {
        await ack();
        return count('malformed');
      }
      const outcome = await router.event(parsed.data);
      await ack();
      return count(outcome);
    }
    if (envelope.type === 'slash_commands' || envelope.type === 'interactive') {
      // A redelivered envelope (retry_attempt > 0 after a lost ack) must not run a command twice.
      if (!(await router.firstDelivery(`envelope:${envelope.envelopeId}`))) {
        await ack();
        return count('duplicate');
      }
      if (envelope.type === 'slash_commands') {
        const parsed = SlashCommand.safeParse(envelope.body);
        if (!parsed.success) {
          await ack();
          return count('malformed');
        }
        await ack({ ...(await router.command(parsed.data)) });
        return count('forwarded');
      }
      await ack();
      const parsed = BlockActions.safeParse(envelope.body);
      if (!parsed.success) return count('ignored');
      await router.interaction(parsed.data);
      return count('forwarded');
    }
    await ack();
    count('ignored');
  }

  /**
   * Heartbeats arrive by a KV watch (pushed, no listing round trips) and are timed by when *we*
   * heard them, so clock skew between machines cannot kill or resurrect a member.
   */
  const heard = new Map<string, number>();
  const watcher = await members.watch({ key: 'supervisor.*' });
  void (async () => {
    for await (const entry of watcher) {
      const member = entry.key.slice('supervisor.'.length);
      if (entry.operation !== 'PUT' || entry.value.length === 0) heard.delete(member);
      else heard.set(member, Date.now());
    }
  })();

  let lastBeat = 0;
  async function heartbeat(): Promise<void> {
    const started = Date.now();
    // A late heartbeat means our own event loop (or CPU) stalled; others' beats then only look old
    // because we read them late, so this round may add members but never declares one dead.
    const lagging = lastBeat !== 0 && started - lastBeat > 3 * heartbeatMs;
    lastBeat = started;
    await members.put(memberKey, pack({ id, at: started } satisfies Heartbeat));
    const beats: Heartbeat[] = [...heard].map(([member, at]) => ({ id: member, at }));
    const now = Date.now();
    const gone = await probeLate(beats, now);
    const next = liveMembers(beats.filter((b) => !gone.has(b.id)), now, memberTtlMs);
    if (!next.includes(id)) next.push(id);
    if (lagging) for (const m of live) if (!next.includes(m) && !gone.has(m) && heard.has(m)) next.push(m);
    next.sort();
    if (next.join(',') !== live.join(',')) {
      log.info({ members: next }, 'supervisor membership changed');
      owners.clear();
    }
    live = next;
  }

  /**
   * A heartbeat a few periods late is ambiguous: a dead replica, or one stalled by load. Ask it:
   * NATS answers "no responders" at once when nobody is subscribed any more, which is definitive
   * proof of death (a SIGKILLed process loses its subscriptions with its connection). A timeout
   * only means "slow", so that replica keeps its teams until its heartbeat is memberTtlMs old.
   */
  async function probeLate(beats: Heartbeat[], now: number): Promise<Set<string>> {
    const gone = new Set<string>();
    const late = beats.filter((b) => b.id !== id && now - b.at > 3 * heartbeatMs && now - b.at < memberTtlMs);
    await Promise.all(
      late.map(async (b) => {
        try {
          await nc.request(subjects.supervisorState(b.id), new Uint8Array(), { timeout: heartbeatMs });
        } catch (err) {
          if ((err as { code?: string }).code === '503') gone.add(b.id);
        }
      }),
    );
    return gone;
  }

  async function reconcile(): Promise<void> {
    const now = Date.now();
    const wanted = new Set(await wantedUnits());
    for (const unit of wanted) {
      const failed = failedUntil.get(unit);
      if (owns(unit) && (!failed || failed.until <= now)) wantOpen(unit);
    }
    for (const unit of failedUntil.keys()) if (!wanted.has(unit)) failedUntil.delete(unit);
    for (const [unit, h] of held) {
      if (!wanted.has(unit)) {
        void closeUnit(unit, 'removed');
      } else if (!owns(unit)) {
        h.leavingSince ??= now;
        // Keep our socket a moment so the new owner connects first: no gap for events.
        if (now - h.leavingSince >= 2 * heartbeatMs) void closeUnit(unit, 'handoff');
      } else {
        h.leavingSince = null;
      }
    }
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
  const beat = loop('heartbeat', heartbeat);
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
        failedUntil.delete(team);
        wantOpen(team);
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
        waiting.delete(team);
        failedUntil.delete(team);
        void closeUnit(team, 'removed');
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
    members: live,
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
      waiting.clear();
      clearInterval(ticker);
      clearInterval(beater);
      watcher.stop();
      games.stop();
      activeSub.unsubscribe();
      removedSub.unsubscribe();
      // Leave the membership first so the others take our units, then give them a moment to connect.
      await members.delete(memberKey).catch(() => undefined);
      if (held.size > 0) await new Promise((r) => setTimeout(r, 3 * heartbeatMs));
      await Promise.all([...held.keys()].map((unit) => closeUnit(unit, 'stop')));
      await service.stop();
      await ops.close();
      // Bounded: with nats-server already gone a drain would wait for a reconnect forever.
      await Promise.race([nc.drain(), new Promise((r) => setTimeout(r, 2_000))]).finally(() => nc.close());
      redis.disconnect();
    },
  };
}
