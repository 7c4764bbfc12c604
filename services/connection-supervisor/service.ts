import { connectRedis } from '../common/redis.ts';
import type { KV, Subscription } from 'nats';
import { Counter, Gauge, type Registry } from 'prom-client';
import { asSurfingerError, codecs, createSubjects, MessageTypes, pack, ServiceNames, type SupervisorState } from '../../protocol/index.ts';
import { openBucket } from '../common/jetstream.ts';
import type { Logger } from '../common/logger.ts';
import type { RunningService } from '../common/main-kit.ts';
import { createMetricsRegistry, startOpsServer } from '../common/metrics.ts';
import { connectNats, type NatsAuth } from '../common/nats.ts';
import { BlockActions, EventCallback, SlackRouter, SlashCommand } from '../common/slack-routing.ts';
import { TeamSettingsStore } from '../common/team-settings.ts';
import { parseTokenKeys, TokenStore } from '../common/token-store.ts';
import { DEFAULT_BACKOFF, backoffMs, type BackoffConfig } from './backoff.ts';
import { liveMembers, ownerOf, type Heartbeat } from './sharding.ts';
import { TeamSocket, type Envelope } from './team-socket.ts';
import { watchRunningGames } from '../actor-host/client.ts';

/**
 * Connection supervisor: a team's Socket Mode connection is open only while the team plays.
 *
 * 1. Any replica hearing TeamActive records the team in Redis (`<prefix>:supervisor:active`,
 *    team → last activity), so the record survives whichever replica owns the team.
 * 2. Replicas heartbeat into the `members` KV bucket; the owner of a team is the rendezvous-hash
 *    winner among live members (sharding.ts). Only the owner opens the team's socket.
 * 3. Every `heartbeatMs` each replica reconciles: queue opens of owned active teams, hand off teams
 *    it no longer owns (after a short overlap so the new owner is connected first), close idle ones.
 *    Queued opens run MAX_OPENING at a time, the next starting as soon as one finishes.
 *    A dead replica's heartbeat goes stale after `memberTtlMs`, so its teams move within
 *    memberTtlMs + heartbeatMs + connect time.
 */

export const SupervisorErrorCodes = {
  /** The team has no stored app token, so no Socket Mode connection can be opened. */
  NO_APP_TOKEN: 'SF_ERR_SUPERVISOR_NO_APP_TOKEN',
  /** apps.connections.open or the WebSocket handshake failed. */
  CONNECT: 'SF_ERR_SUPERVISOR_CONNECT',
} as const;

export interface SupervisorOptions {
  log: Logger;
  natsUrl: string;
  natsAuth?: NatsAuth;
  /** Copies of the streams and buckets this service creates (SF_JS_REPLICAS). */
  jsReplicas?: number;
  redisUrl: string;
  prefix: string;
  supervisorId: string;
  idleMs: number;
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
 * TeamActive (a replica's teams after a failover, a cold start) from starving our own event loop,
 * whose heartbeat must stay on time.
 *
 * Slack: apps.connections.open is Tier 1, counted per app token. Here every installed team has its
 * own app token (TokenStore), so each team's limit is spent only by its own opens: one at a time,
 * retried after failures with backoff (backoff.ts), and the SDK's WebClient honours a 429's
 * Retry-After. Many teams opening at once share no per-token budget, so no global rate is needed.
 */
export const MAX_OPENING = 64;

interface Held {
  socket: TeamSocket;
  lastActivity: number;
  persistedAt: number;
  /** When we learned another replica owns this team; we close after the handover overlap. */
  leavingSince: number | null;
}

export async function start(opts: SupervisorOptions): Promise<RunningService & { registry: Registry }> {
  const id = opts.supervisorId;
  const log = opts.log.child({ supervisorId: id });
  const subjects = createSubjects(opts.prefix);
  const heartbeatMs = opts.heartbeatMs ?? 500;
  const memberTtlMs = opts.memberTtlMs ?? 3_000;
  const backoff = opts.backoff ?? DEFAULT_BACKOFF;
  const random = opts.random ?? Math.random;
  const activeKey = `${opts.prefix}:supervisor:active`;
  const memberKey = `supervisor.${id}`;

  const nc = await connectNats(opts.natsUrl, `${ServiceNames.supervisor}:${id}`, opts.natsAuth, { jsReplicas: opts.jsReplicas });
  const redis = connectRedis(opts.redisUrl, { maxRetriesPerRequest: 3 });
  // ioredis reconnects by itself; without a listener every retry would print an unhandled error.
  redis.on('error', (err: Error) => log.warn({ code: 'SF_ERR_REDIS', reason: err.message }, 'redis connection error'));
  const tokens = new TokenStore(redis, parseTokenKeys(opts.tokenKeys, opts.production), opts.prefix);
  const settings = await TeamSettingsStore.open(nc, subjects);
  const members: KV = await openBucket(nc, subjects.buckets.members);
  const runningGames = await watchRunningGames(nc, subjects);
  const router = new SlackRouter({ nc, subjects, redis, settings, tokens, log, runningGames });

  const registry = createMetricsRegistry('connection-supervisor');
  const socketsOpen = new Gauge({ name: 'sf_sockets_open', help: 'Open team Socket Mode connections', registers: [registry] });
  const reconnectsTotal = new Counter({ name: 'sf_socket_reconnects_total', help: 'Dropped team sockets re-established', registers: [registry] });
  const envelopesTotal = new Counter({ name: 'sf_envelopes_total', help: 'Socket Mode envelopes received', labelNames: ['type', 'outcome'], registers: [registry] });

  const held = new Map<string, Held>();
  const opening = new Set<string>();
  /** Owned active teams waiting for an opening slot, oldest first: team → last activity. */
  const waiting = new Map<string, number>();
  /** Teams whose last open failed: not retried by reconcile before this time (a TeamActive retries at once). */
  const failedUntil = new Map<string, { until: number; attempt: number }>();
  let live: string[] = [id];
  let reconnects = 0;
  let stopping = false;

  /** ownerOf for the current member list (a sha256 per member), asked for every team each reconcile. */
  const owners = new Map<string, string | null>();
  const owns = (team: string) => {
    if (stopping) return false;
    let owner = owners.get(team);
    if (owner === undefined) {
      owner = ownerOf(team, live);
      owners.set(team, owner);
    }
    return owner === id;
  };

  /** Queues an open of `team` and starts it if a slot is free. */
  function wantOpen(team: string, lastActivity: number): void {
    if (held.has(team) || opening.has(team)) return;
    waiting.set(team, lastActivity);
    fillSlots();
  }

  /** Starts waiting opens while fewer than MAX_OPENING are in flight; every finished open calls it again. */
  function fillSlots(): void {
    for (const [team, lastActivity] of waiting) {
      if (opening.size >= MAX_OPENING || stopping) return;
      waiting.delete(team);
      if (owns(team)) void openTeam(team, lastActivity);
    }
  }

  async function openTeam(team: string, lastActivity: number): Promise<void> {
    if (held.has(team) || opening.has(team) || stopping) return;
    opening.add(team);
    const tlog = log.child({ team });
    try {
      const creds = await tokens.get(team);
      if (!creds?.appToken) {
        // Not an error to retry: such a team is served over HTTP events. Ask again only on its next TeamActive.
        tlog.info({ code: SupervisorErrorCodes.NO_APP_TOKEN }, 'team has no app token; events stay on HTTP');
        failedUntil.set(team, { attempt: 0, until: Date.now() + opts.idleMs });
        return;
      }
      const socket = new TeamSocket({
        team,
        appToken: creds.appToken,
        slackApiUrl: opts.slackApiUrl,
        log: tlog,
        backoff,
        random,
        onEnvelope: (envelope) => onEnvelope(team, envelope),
        onReconnect: () => {
          reconnects += 1;
          reconnectsTotal.inc();
        },
      });
      await socket.open();
      if (!owns(team)) {
        await socket.close();
        return;
      }
      held.set(team, { socket, lastActivity, persistedAt: lastActivity, leavingSince: null });
      failedUntil.delete(team);
      socketsOpen.set(held.size);
      tlog.info('socket opened');
    } catch (err) {
      const e = asSurfingerError(err, SupervisorErrorCodes.CONNECT);
      tlog.warn({ code: SupervisorErrorCodes.CONNECT, reason: e.message }, 'socket open failed');
      noteFailure(team);
    } finally {
      opening.delete(team);
      fillSlots();
    }
  }

  function noteFailure(team: string): void {
    const attempt = (failedUntil.get(team)?.attempt ?? 0) + 1;
    failedUntil.set(team, { attempt, until: Date.now() + backoffMs(attempt, random, backoff) });
  }

  async function closeTeam(team: string, why: 'idle' | 'handoff' | 'removed' | 'stop'): Promise<void> {
    const h = held.get(team);
    if (!h) return;
    held.delete(team);
    socketsOpen.set(held.size);
    await h.socket.close();
    log.info({ team, why }, 'socket closed');
  }

  function touch(team: string, now: number): void {
    const h = held.get(team);
    if (!h) return;
    h.lastActivity = now;
    h.leavingSince = null;
    // Persist sparingly: the record only has to be fresh enough for a failover to keep the team.
    if (now - h.persistedAt > Math.min(opts.idleMs / 4, 30_000)) {
      h.persistedAt = now;
      void redis.hset(activeKey, team, String(now)).catch(() => undefined);
    }
  }

  function onEnvelope(team: string, envelope: Envelope): void {
    touch(team, Date.now());
    void handleEnvelope(team, envelope).catch((err: unknown) => {
      const e = asSurfingerError(err);
      envelopesTotal.inc({ type: envelope.type, outcome: 'error' });
      log.error({ team, code: e.code, err: e }, 'envelope failed');
    });
  }

  /** Every envelope is acked within Slack's 3 s: events and clicks at once, commands with their answer (router budget 2.5 s). */
  async function handleEnvelope(team: string, envelope: Envelope): Promise<void> {
    const ack = (response?: Record<string, unknown>) => envelope.ack(response).catch(() => undefined);
    const count = (outcome: string) => envelopesTotal.inc({ type: envelope.type, outcome });
    if (envelope.type === 'events_api') {
      await ack();
      const parsed = EventCallback.safeParse(envelope.body);
      if (!parsed.success) return count('malformed');
      count(await router.event(parsed.data));
      return;
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
    const active = await redis.hgetall(activeKey);
    for (const [team, at] of Object.entries(active)) {
      const last = Number(at);
      if (now - last >= opts.idleMs) {
        if (owns(team) && !held.has(team)) await redis.hdel(activeKey, team);
        continue;
      }
      const failed = failedUntil.get(team);
      if (owns(team) && (!failed || failed.until <= now)) wantOpen(team, last);
    }
    for (const [team, h] of held) {
      const recorded = Number(active[team] ?? 0);
      if (now - Math.max(h.lastActivity, recorded) >= opts.idleMs) {
        // Only forget the record if nobody refreshed it meanwhile.
        if (recorded <= h.lastActivity) await redis.hdel(activeKey, team);
        void closeTeam(team, 'idle');
      } else if (!owns(team)) {
        h.leavingSince ??= now;
        // Keep our socket a moment so the new owner connects first: no gap for events.
        if (now - h.leavingSince >= 2 * heartbeatMs) void closeTeam(team, 'handoff');
      } else {
        h.leavingSince = null;
        if (recorded > h.lastActivity) h.lastActivity = recorded;
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

  const activeSub: Subscription = nc.subscribe(subjects.allTeamActive(), {
    callback: (err, msg) => {
      if (err) return;
      let team: string;
      try {
        team = codecs.teamActive.decode(msg.data).team;
      } catch (e) {
        log.warn({ code: asSurfingerError(e).code, subject: msg.subject }, 'rejected message');
        return;
      }
      const now = Date.now();
      void redis.hset(activeKey, team, String(now)).catch(() => undefined);
      if (!owns(team)) return;
      failedUntil.delete(team);
      if (held.has(team)) touch(team, now);
      else wantOpen(team, now);
    },
  });

  const removedSub: Subscription = nc.subscribe(subjects.allTeamRemoved(), {
    callback: (err, msg) => {
      if (err) return;
      try {
        const team = codecs.teamRemoved.decode(msg.data).team;
        void redis.hdel(activeKey, team).catch(() => undefined);
        waiting.delete(team);
        void closeTeam(team, 'removed');
      } catch (e) {
        log.warn({ code: asSurfingerError(e).code, subject: msg.subject }, 'rejected message');
      }
    },
  });

  const state = (): SupervisorState => ({
    type: MessageTypes.supervisorState,
    supervisorId: id,
    openSockets: held.size,
    teams: Object.fromEntries([...held].map(([team, h]) => [team, h.lastActivity])),
    reconnects,
    members: live,
  });
  const service = await nc.services.add({
    name: ServiceNames.supervisor,
    version: '0.1.0',
    description: 'Per-team Socket Mode connections, opened on demand',
    metadata: { supervisorId: id },
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
    info: { supervisorId: id, metricsUrl: ops.url },
    async stop() {
      stopping = true;
      waiting.clear();
      clearInterval(ticker);
      clearInterval(beater);
      watcher.stop();
      runningGames.stop();
      activeSub.unsubscribe();
      removedSub.unsubscribe();
      // Leave the membership first so the others take our teams, then give them a moment to connect.
      await members.delete(memberKey).catch(() => undefined);
      if (held.size > 0) await new Promise((r) => setTimeout(r, 3 * heartbeatMs));
      await Promise.all([...held.keys()].map((team) => closeTeam(team, 'stop')));
      await service.stop();
      await ops.close();
      // Bounded: with nats-server already gone a drain would wait for a reconnect forever.
      await Promise.race([nc.drain(), new Promise((r) => setTimeout(r, 2_000))]).finally(() => nc.close());
      redis.disconnect();
    },
  };
}
