import type { NatsConnection } from 'nats';
import type { Registry } from 'prom-client';
import type { GameLogic } from '../../actors/contract.ts';
import { codecs, createSubjects, ServiceNames } from '../../protocol/index.ts';
import { ensureStreams, openBucket } from '../common/jetstream.ts';
import type { Logger } from '../common/logger.ts';
import type { RunningService } from '../common/main-kit.ts';
import { createMetricsRegistry, startOpsServer } from '../common/metrics.ts';
import { addEndpoint, connectNats, type NatsAuth } from '../common/nats.ts';
import { systemClock, type Clock } from './clock.ts';
import { Directory } from './leases.ts';
import type { History } from './history.ts';
import { Host } from './host.ts';
import { createHostMetrics } from './metrics.ts';
import { SnapshotStore } from './snapshots.ts';
import { Tournaments } from './tournaments.ts';

export interface ActorHostOptions<S> {
  log: Logger;
  natsUrl: string;
  natsAuth?: NatsAuth;
  /** Copies of the streams and buckets this service creates (SF_JS_REPLICAS). */
  jsReplicas?: number;
  prefix: string;
  hostId: string;
  logic: GameLogic<S>;
  passivateMs: number;
  leaseTtlMs: number;
  metricsPort: number;
  metricsHost?: string;
  clock?: Clock;
  /** Host load publishing period (placement). */
  loadIntervalMs?: number;
  /** Records leases, commits and answers for the history checker (SF_HISTORY_DIR; chaos suite only). */
  history?: History;
  /** Budget of running games (SF_HOST_MAX_GAMES; docs/runtime.md, "Admission control"); undefined = no budget. */
  maxGames?: number;
}

export interface RunningActorHost extends RunningService {
  host: Host<unknown>;
  tournaments: Tournaments;
  registry: Registry;
  nc: NatsConnection;
  /** SIGKILL stand-in for in-process tests: drop the connection without any handoff. */
  crash(): Promise<void>;
}

/**
 * The actor-host service: connects to NATS, ensures streams and buckets, joins the membership,
 * serves activations (queue group + its own subject) and hosts actors until stopped.
 */
export async function start<S>(opts: ActorHostOptions<S>): Promise<RunningActorHost> {
  const log = opts.log.child({ hostId: opts.hostId });
  const clock = opts.clock ?? systemClock;
  const subjects = createSubjects(opts.prefix);
  const nc = await connectNats(opts.natsUrl, `${ServiceNames.actorHost}:${opts.hostId}`, opts.natsAuth, { jsReplicas: opts.jsReplicas });
  await ensureStreams(nc, subjects);
  // Short timeouts: a KV call that hangs longer than a fraction of the lease TTL is as good as failed.
  const js = nc.jetstream({ timeout: Math.max(500, Math.min(2_000, Math.floor(opts.leaseTtlMs / 2))) });
  const [members, leases, snapshotsKv] = await Promise.all([
    // Takeover decisions read these: only the leader's answer is current (jetstream.ts).
    openBucket(nc, subjects.buckets.members, { js, leaderReads: true }),
    openBucket(nc, subjects.buckets.leases, { js, leaderReads: true }),
    openBucket(nc, subjects.buckets.snapshots, { js, leaderReads: true }),
  ]);
  const registry = createMetricsRegistry('actor-host');
  let host!: Host<S>;
  let tournaments!: Tournaments;
  const metrics = createHostMetrics(registry, () => {
    const s = host.stats;
    return { active: s.games, running: s.running, ...(opts.maxGames === undefined ? {} : { capacity: opts.maxGames }) };
  });
  const directory = new Directory(
    { members, leases },
    opts.hostId,
    opts.leaseTtlMs,
    systemClock,
    log,
    {
      onMembershipLost: () => {
        host.membershipLost();
        tournaments.membershipLost();
      },
      onLeaseChanged: (key, _lease, rev) => {
        host.leaseChanged(key, rev);
        tournaments.leaseChanged(key, rev);
      },
    },
    () => metrics.renewFailures.inc(),
    opts.history,
  );
  const snapshots = new SnapshotStore(snapshotsKv);
  tournaments = new Tournaments({ nc, js, subjects, clock, directory, snapshots, log });
  host = new Host<S>({
    hostId: opts.hostId,
    logic: opts.logic,
    nc,
    js,
    subjects,
    clock,
    directory,
    snapshots,
    metrics,
    log,
    passivateMs: opts.passivateMs,
    ...(opts.loadIntervalMs === undefined ? {} : { loadIntervalMs: opts.loadIntervalMs }),
    ...(opts.history === undefined ? {} : { history: opts.history }),
    ...(opts.maxGames === undefined ? {} : { maxGames: opts.maxGames }),
  });
  await directory.join();
  await host.start();
  tournaments.start();
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type !== 'reconnect') continue;
      log.info('reconnected to NATS; re-reading leases and members');
      await directory.rewatch().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'could not restart KV watches'));
    }
  })();

  const service = await nc.services.add({
    name: ServiceNames.actorHost,
    version: '0.1.0',
    description: 'Hosts channel-game actors (virtual actors with single activation)',
    metadata: { hostId: opts.hostId },
    // The watchdog alerts on renew failures it reads here ($SRV.STATS), as Prometheus does from /metrics.
    statsHandler: async () => ({ ...host.stats, leaseRenewFailures: (await metrics.renewFailures.get()).values[0]?.value ?? 0 }),
  });
  addEndpoint(service, 'activate', { subject: subjects.activate(), queue: subjects.queues.actorHosts, input: codecs.activate, output: codecs.activated, log, handle: (req) => host.handleActivate(req) });
  addEndpoint(service, 'tournament', { subject: subjects.tournamentAdmin(), queue: subjects.queues.actorHosts, input: codecs.tournamentRequest, output: codecs.tournamentReply, log, handle: (req) => tournaments.handle(req) });
  addEndpoint(service, 'activate-on', { subject: subjects.activateOn(opts.hostId), input: codecs.activate, output: codecs.activated, log, handle: (req) => host.handleActivate(req) });
  await nc.flush();

  const ops = await startOpsServer({ port: opts.metricsPort, host: opts.metricsHost, registry, healthy: () => !nc.isClosed() && directory.valid() });

  let ended = false;
  return {
    host: host as Host<unknown>,
    tournaments,
    registry,
    nc,
    info: { hostId: opts.hostId, metricsUrl: ops.url, incarnation: directory.incarnation },
    async stop() {
      if (ended) return;
      ended = true;
      // Reverse of start: stop taking activations, hand actors over, then leave NATS and HTTP.
      await service.stop();
      await tournaments.drain();
      await host.drain();
      await nc.drain();
      await ops.close();
    },
    async crash() {
      if (ended) return;
      ended = true;
      tournaments.abandon();
      host.abandon();
      await nc.close();
      await ops.close();
    },
  };
}
