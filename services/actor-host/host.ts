import { createHash } from 'node:crypto';
import type { JetStreamClient, NatsConnection, Subscription } from 'nats';
import type { GameLogic } from '../../actors/contract.ts';
import { asSurfingerError, codecs, MessageTypes, PlacementErrorCodes, SurfingerError, type Activate, type Activated, type HostLoad, type Subjects } from '../../protocol/index.ts';
import type { Logger } from '../common/logger.ts';
import { rejected } from '../common/rejections.ts';
import { request } from '../common/nats.ts';
import { ActorCell, type ActorEnv } from './actor.ts';
import { admitStart, hasRoom, place, type HostView, type StartVerdict } from './admission.ts';
import type { Clock } from './clock.ts';
import { Directory } from './leases.ts';
import { ActorHostErrorCodes } from './errors.ts';
import { noHistory, type History } from './history.ts';
import type { HostMetrics } from './metrics.ts';
import { actorKey, parseActorKey } from './records.ts';
import type { SnapshotStore } from './snapshots.ts';

export interface HostOptions<S> {
  hostId: string;
  logic: GameLogic<S>;
  nc: NatsConnection;
  js: JetStreamClient;
  subjects: Subjects;
  clock: Clock;
  directory: Directory;
  snapshots: SnapshotStore;
  metrics: HostMetrics;
  log: Logger;
  /** Idle actors are passivated after this long without a message. */
  passivateMs: number;
  /** How often load is published; placement ignores reports older than 3 periods. */
  loadIntervalMs?: number;
  maxRestarts?: number;
  /** Records leases, commits and answers for the history checker (chaos suite only). */
  history?: History;
  /** Budget of running games (SF_HOST_MAX_GAMES); undefined = no budget. */
  maxGames?: number;
}

/** The live host with the highest hash(key, host): every host computes the same answer. */
export function preferredHost(key: string, hosts: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const host of hosts) {
    const score = createHash('sha1').update(`${key}|${host}`).digest().readUInt32BE(0);
    if (score > bestScore) [best, bestScore] = [host, score];
  }
  return best;
}

/** Which orphaned leases this host should adopt now; shared by channel and tournament actors. */
export class OrphanPicker {
  /** When each current orphan was first seen (for the rendezvous grace). */
  private since = new Map<string, number>();

  constructor(private readonly directory: Directory) {}

  pick(skip: (key: string) => boolean): string[] {
    const { directory } = this;
    const now = Date.now();
    const live = directory.liveHosts();
    const seen = new Map<string, number>();
    const picked = directory.orphans().filter((key) => {
      if (skip(key)) return false;
      const since = this.since.get(key) ?? now;
      seen.set(key, since);
      // Rendezvous hashing splits the adoption work without coordination; any host steps in once
      // the preferred one has had half a TTL (it may be dead too, or draining).
      return preferredHost(key, live) === directory.hostId || now - since >= directory.ttlMs / 2;
    });
    this.since = seen;
    return picked;
  }
}

/**
 * Hosts many channel-game actors in one process: activation (single-flight here, single cluster-wide
 * through the Directory's lease CAS), load-aware placement, the orphan scan that adopts running games
 * of dead or departed hosts, passivation of idle actors and graceful drain.
 */
export class Host<S> {
  readonly hostId: string;
  private readonly actors = new Map<string, ActorCell<S>>();
  private readonly activating = new Map<string, Promise<Activated>>();
  private readonly loads = new Map<string, HostLoad>();
  private readonly env: ActorEnv<S>;
  private readonly timers: NodeJS.Timeout[] = [];
  private loadSub: Subscription | null = null;
  private draining = false;
  private readonly loadIntervalMs: number;
  /** Starts admitted but not yet committed: counted against the budget so a burst cannot overshoot it. */
  private reservedStarts = 0;
  /** Activations in flight for new games (placement counts them too, for the same reason). */
  private activatingNew = 0;
  private readonly orphans: OrphanPicker;

  constructor(private readonly o: HostOptions<S>) {
    this.hostId = o.hostId;
    this.loadIntervalMs = o.loadIntervalMs ?? 1_000;
    this.orphans = new OrphanPicker(o.directory);
    this.env = {
      logic: o.logic,
      clock: o.clock,
      nc: o.nc,
      js: o.js,
      subjects: o.subjects,
      snapshots: o.snapshots,
      directory: o.directory,
      metrics: o.metrics,
      log: o.log,
      history: o.history ?? noHistory,
      maxRestarts: o.maxRestarts ?? 3,
      admission: {
        reserve: () => this.reserveStart(),
        release: (n) => {
          this.reservedStarts -= n;
        },
      },
      onStopped: (cell) => {
        if (this.actors.get(cell.key) === cell) this.actors.delete(cell.key);
      },
    };
  }

  /** Called by the Directory when our membership is gone: nothing of ours may run any more. */
  membershipLost(): void {
    this.o.log.error({ actors: this.actors.size }, 'membership lost; fencing every actor');
    for (const cell of [...this.actors.values()]) cell.fence('membership lost');
  }

  /** Called by the Directory's lease watch: a newer lease revision not ours means another owner. */
  leaseChanged(key: string, rev: number): void {
    const cell = this.actors.get(key);
    if (cell && rev > cell.leaseRev) cell.fence('lease taken over');
  }

  async start(): Promise<void> {
    const { nc, subjects, directory } = this.o;
    this.loadSub = nc.subscribe(subjects.allHostLoads(), {
      callback: (_err, msg) => {
        try {
          const load = codecs.hostLoad.decode(msg.data);
          this.loads.set(load.hostId, load);
        } catch (err) {
          rejected(this.o.log, { code: asSurfingerError(err).code, subject: msg.subject }, 'rejected host load');
        }
      },
    });
    this.publishLoad();
    this.timers.push(setInterval(() => this.publishLoad(), this.loadIntervalMs));
    // Orphans are looked for several times per lease TTL so failover is bounded by the TTL, not the scan.
    this.timers.push(setInterval(() => void this.adoptOrphans(), Math.max(50, Math.floor(directory.ttlMs / 8))));
    this.timers.push(setInterval(() => this.passivateIdle(), Math.max(50, Math.min(5_000, Math.floor(this.o.passivateMs / 4)))));
  }

  get stats(): { games: number; running: number } {
    let running = 0;
    for (const cell of this.actors.values()) if (cell.running) running++;
    return { games: this.actors.size, running };
  }

  has(team: string, channel: string): boolean {
    return this.actors.has(actorKey(team, channel));
  }

  private publishLoad(): void {
    const load: HostLoad = {
      type: MessageTypes.hostLoad,
      hostId: this.hostId,
      ...this.stats,
      heapUsed: process.memoryUsage().heapUsed,
      draining: this.draining,
      // Wall time: compared with other processes' reports, unlike game time.
      at: Date.now(),
      ...(this.o.maxGames === undefined ? {} : { capacity: this.o.maxGames }),
    };
    this.loads.set(this.hostId, load);
    this.o.nc.publish(this.o.subjects.hostLoad(this.hostId), codecs.hostLoad.encode(load));
  }

  /**
   * The `activate` endpoint (queue group of hosts): place the actor (admission.ts `place`): here,
   * forwarded once to a host with room that carries clearly less, or refused when no host has room
   * for a new game. `hops` bounds forwarding so two hosts never bounce a request.
   */
  async handleActivate(req: Activate): Promise<Activated> {
    if (this.draining) throw new SurfingerError(ActorHostErrorCodes.DRAINING, `${this.hostId} is draining`);
    if (this.has(req.team, req.channel)) return this.activate(req.team, req.channel, req.reason);
    const newGame = req.reason === 'command' || req.reason === 'click';
    if ((req.hops ?? 0) > 0) {
      // Forwarded here on a report up to a period old: take it unless that view was out of date.
      if (newGame && !hasRoom(this.view())) throw this.refuse('placement', PlacementErrorCodes.HOST_FULL);
      return this.activateCounted(req, newGame);
    }
    const placement = place(this.view(), this.loads.values(), Date.now(), { freshMs: this.freshMs, newGame });
    if (placement.kind === 'full') throw this.refuse('placement', PlacementErrorCodes.CLUSTER_FULL);
    if (placement.kind === 'forward') {
      const best = this.loads.get(placement.hostId)!;
      try {
        // Count it now: the next report is up to a period away, and a burst must not all pick the same host.
        this.loads.set(best.hostId, { ...best, games: best.games + 1, running: best.running + (newGame ? 1 : 0) });
        return await request(this.o.nc, this.o.subjects.activateOn(best.hostId), codecs.activate, { ...req, hops: 1 }, codecs.activated, 2_000);
      } catch (err) {
        this.o.log.info({ to: best.hostId, code: asSurfingerError(err).code }, 'placement forward failed; activating here');
        // A retry re-places with fresher reports; a full host must not take the game meanwhile.
        if (newGame && !hasRoom(this.view())) throw this.refuse('placement', PlacementErrorCodes.HOST_FULL);
      }
    }
    return this.activateCounted(req, newGame);
  }

  private async activateCounted(req: Activate, newGame: boolean): Promise<Activated> {
    if (newGame) this.activatingNew++;
    try {
      return await this.activate(req.team, req.channel, req.reason);
    } finally {
      if (newGame) this.activatingNew--;
    }
  }

  private get freshMs(): number {
    return 3 * this.loadIntervalMs;
  }

  /** This host as placement sees it: live counts, with admitted-but-uncommitted starts and new activations as running. */
  private view(): HostView {
    const { games, running } = this.stats;
    return {
      hostId: this.hostId,
      games,
      running: running + this.reservedStarts + this.activatingNew,
      draining: this.draining,
      at: Date.now(),
      ...(this.o.maxGames === undefined ? {} : { capacity: this.o.maxGames }),
    };
  }

  /**
   * An actor active here is about to start a game (admission.ts `admitStart`). Admitted starts hold
   * a slot until their turn commits. Activations in flight do not count here: the actor asking is
   * one of them (it was activated for this very start).
   */
  private reserveStart(): StartVerdict {
    const self: HostView = { ...this.view(), running: this.stats.running + this.reservedStarts };
    const verdict = admitStart(self, this.loads.values(), Date.now(), this.freshMs);
    if (verdict === 'admit') this.reservedStarts++;
    else this.o.metrics.admissionRefused.inc({ at: 'start', code: verdict === 'full' ? PlacementErrorCodes.CLUSTER_FULL : PlacementErrorCodes.HOST_FULL });
    return verdict;
  }

  private refuse(at: 'placement', code: typeof PlacementErrorCodes.CLUSTER_FULL | typeof PlacementErrorCodes.HOST_FULL): SurfingerError {
    this.o.metrics.admissionRefused.inc({ at, code });
    return new SurfingerError(code, code === PlacementErrorCodes.CLUSTER_FULL ? 'no actor host has room for a new game' : `${this.hostId} has no room for a new game`);
  }

  /** Activates the actor here unless another live host owns it; concurrent calls share one attempt. */
  activate(team: string, channel: string, reason: Activate['reason']): Promise<Activated> {
    const key = actorKey(team, channel);
    if (this.actors.has(key)) return Promise.resolve({ type: MessageTypes.activated, ok: true, hostId: this.hostId });
    if (this.draining) return Promise.reject(new SurfingerError(ActorHostErrorCodes.DRAINING, `${this.hostId} is draining`));
    const inflight = this.activating.get(key);
    if (inflight) return inflight;
    const attempt = (async (): Promise<Activated> => {
      const claim = await this.o.directory.claim(key, false);
      if (!claim.ok) return { type: MessageTypes.activated, ok: true, hostId: claim.owner };
      const cell = await ActorCell.activate(this.env, team, channel, { rev: claim.rev, busy: false }).catch((err: unknown) => {
        this.env.history.record(this.o.directory.incarnation, { kind: 'stop', key, reason: 'activation failed' });
        throw err;
      });
      this.actors.set(key, cell);
      this.o.metrics.activations.inc({ reason });
      cell.log.info({ reason }, 'actor activated');
      return { type: MessageTypes.activated, ok: true, hostId: this.hostId };
    })().finally(() => this.activating.delete(key));
    this.activating.set(key, attempt);
    return attempt;
  }

  /** Running games whose owner died or left: claim them (CAS decides between hosts) and resume them. */
  private async adoptOrphans(): Promise<void> {
    const { directory } = this.o;
    if (this.draining || !directory.valid()) return;
    // Tournament keys have their own adopter (tournaments.ts).
    const orphans = this.orphans.pick((key) => parseActorKey(key) === null || this.actors.has(key) || this.activating.has(key));
    if (orphans.length > 0) this.o.log.info({ orphans: orphans.length }, 'adopting running games of departed hosts');
    await Promise.all(
      orphans.map(async (key) => {
        const id = parseActorKey(key);
        if (!id) return;
        try {
          await this.activate(id.team, id.channel, 'restore');
        } catch (err) {
          this.o.log.warn({ key, code: asSurfingerError(err).code, reason: (err as Error).message }, 'orphan adoption failed');
        }
      }),
    );
  }

  private passivateIdle(): void {
    const now = this.o.clock.now();
    for (const cell of this.actors.values()) {
      if (cell.quiescent && now - cell.lastActivity >= this.o.passivateMs) {
        this.o.metrics.passivations.inc();
        cell.log.info('actor passivated');
        void cell.retire(0);
      }
    }
  }

  /** Stops everything at once with no writes, as a killed process would (in-process chaos tests). */
  abandon(): void {
    for (const t of this.timers) clearInterval(t);
    this.loadSub?.unsubscribe();
    this.o.directory.abandon();
    for (const cell of [...this.actors.values()]) cell.abandon();
  }

  /**
   * Graceful handoff: refuse activations, tell placement, hand every actor over (final snapshot,
   * lease released busy so running games are adopted at once), then leave the membership.
   */
  async drain(): Promise<void> {
    this.draining = true;
    for (const t of this.timers) clearInterval(t);
    this.publishLoad();
    await this.o.directory.setDraining().catch(() => undefined);
    await Promise.allSettled([...this.activating.values()]);
    // Only a short grace for in-flight effects: the outbox travels in the snapshot and the next owner
    // finishes it idempotently, whereas waiting on a paced Slack channel would stall the game.
    await Promise.all([...this.actors.values()].map((cell) => cell.retire(200)));
    this.loadSub?.unsubscribe();
    await this.o.directory.leave();
  }
}
