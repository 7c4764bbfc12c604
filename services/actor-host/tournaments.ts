import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsumerMessages, Msg, Subscription } from 'nats';
import { z } from 'zod';
import {
  createTournament,
  isOver,
  nextDeadline,
  specProblem,
  standings,
  step,
  type TournamentEffect,
  type TournamentEvent,
  type TournamentState,
} from '../../actors/tournament/tournament.ts';
import {
  asSurfingerError,
  Blocks,
  codecs,
  MessageTypes,
  SurfingerError,
  TournamentSpec,
  type TournamentReply,
  type TournamentRequest,
  type TournamentSummary,
  CommonErrorCodes,
} from '../../protocol/index.ts';
import type { Logger } from '../common/logger.ts';
import { rejected } from '../common/rejections.ts';
import { request } from '../common/nats.ts';
import { replyError } from './actor.ts';
import { sendToGame } from './client.ts';
import { callEgress, EGRESS_GIVE_UP_MS, MAX_EDIT_DEFER_MS, PERMANENT_EGRESS } from './egress-call.ts';
import { ActorHostErrorCodes } from './errors.ts';
import { OrphanPicker, type HostOptions } from './host.ts';
import { Mailbox } from './mailbox.ts';
import { TOURNAMENT_KEYS, tournamentIdOf, tournamentKey, type SnapshotRecord } from './records.ts';

/**
 * Tournament actors (issue 20 item 4): one per tournament, hosted beside the channel-game actors
 * and kept by the same machinery — a lease `tournament.<id>` in the leases bucket (busy until the
 * tournament is over, so the orphan scan moves it off a dead host), a CAS-fenced snapshot under the
 * same key, and timers from the pure core's `nextDeadline`.
 *
 * A turn steps the pure core (actors/tournament) and commits its state with the effects as an
 * outbox, then performs the outbox in order: `startRound` sends `/start` to the channel's game
 * actor (the ordinary activation path, so the channel actor may be on any host, in any
 * workspace), `post`/`update` go through egress as the host's `game` kind. Channel results come
 * from the results stream, read from the current round's opening time, so a new owner after a
 * failover re-reads every result of the round and the core's once-per-channel rule drops repeats.
 */

/** What a tournament actor needs from its host: a subset of what the host itself gets. */
export type TournamentEnv = Pick<HostOptions<unknown>, 'nc' | 'js' | 'subjects' | 'clock' | 'directory' | 'snapshots' | 'log'>;

/** An effect committed with the step that produced it (transactional outbox, as for channel actors). */
const TournamentOutboxEntry = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('start'), id: z.number().int(), team: z.string(), channel: z.string(), round: z.number().int() }),
  z.object({
    kind: z.literal('egress'),
    id: z.number().int(),
    op: z.enum(['post', 'update']),
    team: z.string(),
    channel: z.string(),
    key: z.string().max(200),
    text: z.string().max(40_000),
    blocks: Blocks.optional(),
  }),
]);
type TournamentOutboxEntry = z.infer<typeof TournamentOutboxEntry>;

/** The snapshot's `state`: the core's state plus the outbox (channel actors keep theirs in the record). */
const Persisted = z.object({
  tournament: z.object({
    spec: TournamentSpec,
    phase: z.enum(['scheduled', 'collecting', 'between', 'finished', 'cancelled']),
    rounds: z.array(z.object({ round: z.number(), openedAt: z.number(), reported: z.record(z.string(), z.string()), skipped: z.array(z.string()), closedAt: z.number().nullable() })),
    players: z.record(z.string(), z.object({ team: z.string(), user: z.string(), channel: z.string(), points: z.number(), played: z.number(), withdrawn: z.boolean() })),
  }),
  outbox: z.array(TournamentOutboxEntry),
});
type Persisted = { tournament: TournamentState; outbox: TournamentOutboxEntry[] };

/** Who the `/start` of a tournament round is from when the creator is not a Slack user id. */
const STARTER = 'USURFINGER';

function decodePersisted(record: SnapshotRecord | null): Persisted | null {
  const parsed = Persisted.safeParse(record?.state);
  return parsed.success ? (parsed.data as Persisted) : null;
}

export function summarize(state: TournamentState): TournamentSummary {
  const s = standings(state);
  return {
    id: state.spec.id,
    name: state.spec.name,
    phase: state.phase,
    round: state.rounds.length,
    rounds: state.spec.rounds,
    startsAt: state.spec.startsAt,
    channels: state.spec.channels.map((c) => ({ team: c.team, channel: c.channel })),
    history: state.rounds.map((r) => ({ round: r.round, openedAt: r.openedAt, reported: Object.keys(r.reported), skipped: r.skipped })),
    standings: [
      ...s.ranked.map((p) => ({ place: p.place, team: p.team, user: p.user, channel: p.channel, points: p.points, played: p.played })),
      ...s.withdrawn.map((p) => ({ place: null, team: p.team, user: p.user, channel: p.channel, points: p.points, played: p.played })),
    ],
    winners: s.winners.map((w) => w.user),
  };
}

const reply = (tournaments: TournamentSummary[]): TournamentReply => ({ type: MessageTypes.tournamentReply, ok: true, tournaments });

class TournamentCell {
  readonly key: string;
  private readonly log: Logger;
  private readonly mailbox: Mailbox;
  private sub: Subscription | null = null;
  private results: ConsumerMessages | null = null;
  /** Opening time the results reader started from (a new round restarts it). */
  private readingFrom = -1;
  private cancelTimer: (() => void) | null = null;
  private stopped = false;
  private pumping = false;

  constructor(
    private readonly env: TournamentEnv,
    readonly id: string,
    public leaseRev: number,
    private state: TournamentState,
    private pending: TournamentOutboxEntry[],
    private handles: Record<string, string>,
    private fx: number,
    private snapRev: number,
    private commitNo: number,
    private readonly onStopped: (cell: TournamentCell) => void,
  ) {
    this.key = tournamentKey(id);
    this.log = env.log.child({ tournament: id });
    this.mailbox = new Mailbox((err) => this.log.error({ err: asSurfingerError(err) }, 'tournament task failed'));
  }

  /** Restores (or, with `spec`, creates) the tournament and takes over: the first write fences any previous owner. */
  static async activate(env: TournamentEnv, id: string, leaseRev: number, spec: TournamentSpec | null, onStopped: (cell: TournamentCell) => void): Promise<TournamentCell> {
    const key = tournamentKey(id);
    const owner = { hostId: env.directory.hostId, incarnation: env.directory.incarnation };
    const stored = await env.snapshots.load(key);
    if (stored && spec) throw new SurfingerError(ActorHostErrorCodes.TOURNAMENT_EXISTS, `tournament ${id} already exists`);
    let persisted: Persisted;
    let fx = stored?.record?.fx ?? 0;
    if (stored) {
      const restored = decodePersisted(stored.record);
      if (!restored) throw new SurfingerError(ActorHostErrorCodes.CORRUPT_RECORD, `tournament ${id} snapshot is unreadable`);
      persisted = restored;
    } else if (spec) {
      const created = createTournament(spec);
      const outbox = created.effects.map((e) => toOutbox(e, fx++));
      persisted = { tournament: created.state, outbox };
    } else {
      throw new SurfingerError(ActorHostErrorCodes.TOURNAMENT_NOT_FOUND, `no tournament ${id}`);
    }
    const commit = (stored?.record?.commit ?? 0) + 1;
    const handles = { ...(stored?.record?.handles ?? {}) };
    const record: SnapshotRecord = { v: 1, owner, commit, state: persisted, handles, outbox: [], fx, log: null, savedAt: env.clock.now() };
    const rev = await env.snapshots.save(key, record, stored?.rev ?? 0);
    const cell = new TournamentCell(env, id, leaseRev, persisted.tournament, [...persisted.outbox], handles, fx, rev, commit, onStopped);
    await cell.start();
    return cell;
  }

  private async start(): Promise<void> {
    this.sub = this.env.nc.subscribe(this.env.subjects.tournament(this.id), { callback: (_err, msg) => this.receive(msg) });
    await this.env.nc.flush();
    this.log.info({ phase: this.state.phase, round: this.state.rounds.length }, 'tournament activated');
    this.pump();
    await this.readResults();
    this.arm();
    if (isOver(this.state)) void this.mailbox.enqueue(() => this.settle());
  }

  get summary(): TournamentSummary {
    return summarize(this.state);
  }

  private receive(msg: Msg): void {
    let req: TournamentRequest;
    try {
      req = codecs.tournamentRequest.decode(msg.data);
    } catch (err) {
      const e = asSurfingerError(err);
      rejected(this.log, { code: e.code, subject: msg.subject, reason: e.message });
      return replyError(msg, e.code, e.message, 400);
    }
    if (req.op === 'show') return void this.mailbox.enqueue(() => void msg.respond(codecs.tournamentReply.encode(reply([this.summary]))));
    if (req.op === 'cancel') return this.deliver({ type: 'cancel', by: req.by ?? 'unknown' }, msg);
    if (req.op === 'withdraw' && req.team && req.user) return this.deliver({ type: 'withdraw', team: req.team, user: req.user }, msg);
    replyError(msg, ActorHostErrorCodes.TOURNAMENT_INVALID, `a tournament inbox does not take ${req.op}${req.op === 'withdraw' ? ' without team and user' : ''}`, 400);
  }

  private deliver(event: TournamentEvent, msg: Msg | null): void {
    void this.mailbox.enqueue(() => this.turn(event, msg));
  }

  private async turn(event: TournamentEvent, msg: Msg | null): Promise<void> {
    if (this.stopped || !this.env.directory.valid()) {
      if (msg) replyError(msg, ActorHostErrorCodes.LEASE_LOST, 'tournament moved; retry');
      return;
    }
    const wasOver = isOver(this.state);
    const out = step(this.state, event, this.env.clock.now());
    if (out.state !== this.state) {
      const entries = out.effects.map((e) => toOutbox(e, this.fx++));
      try {
        await this.commit(out.state, [...this.pending, ...entries]);
      } catch (err) {
        const e = asSurfingerError(err);
        if (e.code === ActorHostErrorCodes.LEASE_LOST) this.fence('snapshot fenced by a new owner');
        else this.log.warn({ code: e.code, reason: e.message }, 'could not commit a tournament turn; event dropped');
        if (msg) replyError(msg, e.code, 'tournament state not saved; retry');
        return;
      }
      this.state = out.state;
      this.pending.push(...entries);
      if (event.type !== 'channelResult' || out.effects.length > 0) this.log.info({ event: event.type, phase: this.state.phase, round: this.state.rounds.length }, 'tournament stepped');
    }
    if (msg?.reply) msg.respond(codecs.tournamentReply.encode(reply([this.summary])));
    this.pump();
    await this.readResults();
    this.arm();
    if (!wasOver && isOver(this.state)) void this.mailbox.enqueue(() => this.settle());
  }

  private async commit(state: TournamentState, outbox: TournamentOutboxEntry[]): Promise<void> {
    const { snapshots, directory, clock } = this.env;
    const persisted: Persisted = { tournament: state, outbox };
    const record: SnapshotRecord = {
      v: 1,
      owner: { hostId: directory.hostId, incarnation: directory.incarnation },
      commit: this.commitNo + 1,
      state: persisted,
      handles: this.handles,
      outbox: [],
      fx: this.fx,
      log: null,
      savedAt: clock.now(),
    };
    this.snapRev = await snapshots.save(this.key, record, this.snapRev);
    this.commitNo = record.commit;
  }

  private arm(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    const deadline = nextDeadline(this.state);
    if (this.stopped || deadline === null) return;
    this.cancelTimer = this.env.clock.setTimer(deadline, () => this.deliver({ type: 'tick' }, null));
  }

  /**
   * While a round collects, reads the results stream from the round's opening time (replayed in
   * full after a failover; results of other channels or of earlier games are ignored by the core).
   */
  private async readResults(): Promise<void> {
    const current = this.state.rounds[this.state.rounds.length - 1];
    const from = this.state.phase === 'collecting' && current ? current.openedAt : -1;
    if (from === this.readingFrom || this.stopped) return;
    this.results?.stop();
    this.results = null;
    this.readingFrom = from;
    if (from < 0) return;
    const { js, subjects } = this.env;
    // One filter over every channel's results: nats-server 2.9 has no multi-subject filters; the core ignores other channels.
    const consumer = await js.consumers.get(subjects.streams.results, { filterSubjects: subjects.allResults(), opt_start_time: new Date(from).toISOString() });
    this.results = await consumer.consume({
      callback: (m) => {
        try {
          const r = codecs.result.decode(m.data);
          if (r.type !== MessageTypes.roundResult) return;
          this.deliver(
            {
              type: 'channelResult',
              team: r.team,
              channel: r.channel,
              resultId: r.resultId,
              startedAt: r.startedAt,
              entries: r.entries.map((e) => ({ user: e.user, score: e.score, ranked: !e.pasted && !e.flagged })),
            },
            null,
          );
        } catch (err) {
          rejected(this.log, { code: asSurfingerError(err).code, subject: m.subject }, 'rejected result');
        }
      },
    });
  }

  /** Runs the outbox in order, one entry at a time, retrying each until done or the actor stops. */
  private pump(): void {
    if (this.pumping || this.stopped) return;
    this.pumping = true;
    void (async () => {
      while (!this.stopped && this.pending.length > 0) {
        await this.perform(this.pending[0]!);
        if (this.stopped) break;
        this.pending.shift();
      }
      this.pumping = false;
      if (!this.stopped && this.pending.length === 0 && isOver(this.state)) void this.mailbox.enqueue(() => this.settle());
    })();
  }

  private async perform(entry: TournamentOutboxEntry): Promise<void> {
    const started = Date.now();
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        const retryAfterMs = await this.performOnce(entry);
        if (retryAfterMs === undefined) return;
        await sleep(Math.min(MAX_EDIT_DEFER_MS, retryAfterMs));
        continue;
      } catch (err) {
        const e = asSurfingerError(err);
        if (PERMANENT_EGRESS.test(e.code) || Date.now() - started > EGRESS_GIVE_UP_MS) {
          this.log.warn({ code: e.code, kind: entry.kind, team: entry.team, channel: entry.channel, reason: e.message }, 'tournament effect dropped');
          return;
        }
        if (attempt % 10 === 0) this.log.warn({ code: e.code, kind: entry.kind, reason: e.message, attempt }, 'tournament effect failed; retrying');
        await sleep(Math.min(2_000, 50 * 2 ** attempt));
      }
    }
  }

  /** Performs one entry; resolves with a delay when egress's budget is busy and the edit must wait. */
  private async performOnce(entry: TournamentOutboxEntry): Promise<number | undefined> {
    const { nc, subjects } = this.env;
    if (entry.kind === 'start') {
      const user = /^U[A-Z0-9]+$/.test(this.state.spec.createdBy) ? this.state.spec.createdBy : STARTER;
      // A second /start after a failover finds the game running and is refused: the round is not started twice.
      const answer = await sendToGame(
        nc,
        subjects,
        { type: MessageTypes.gameCommand, team: entry.team, channel: entry.channel, user, command: 'start', text: '', lang: this.state.spec.lang, receivedAt: this.env.clock.now() },
        { activate: true },
      );
      if (answer && answer.ok === false) this.log.info({ team: entry.team, channel: entry.channel, code: answer.code }, 'channel refused the round; it will be skipped if it sends nothing');
      return undefined;
    }
    const handle = `${entry.team}:${entry.channel}:${entry.key}`;
    const ts = entry.op === 'update' ? this.handles[handle] : undefined;
    if (entry.op === 'update' && ts === undefined) {
      this.log.warn({ team: entry.team, channel: entry.channel }, 'standings never posted in this channel; edit skipped');
      return undefined;
    }
    const out = await callEgress(nc, subjects, {
      team: entry.team,
      channel: entry.channel,
      op: entry.op,
      text: entry.text,
      ...(entry.blocks ? { blocks: entry.blocks } : {}),
      ...(ts !== undefined ? { ts } : {}),
      idempotencyKey: `tournament:${this.id}:${entry.id}`,
    });
    if ('busyForMs' in out) return out.busyForMs;
    if (entry.op === 'post' && out.ts) this.handles[handle] = out.ts;
    return undefined;
  }

  /** Over and every effect done: persist the handles, then let go of the lease (the snapshot stays for list/show). */
  private async settle(): Promise<void> {
    if (this.stopped || !isOver(this.state) || this.pending.length > 0) return;
    try {
      await this.commit(this.state, []);
      this.halt();
      await this.env.directory.release(this.key, this.leaseRev, false);
      this.log.info({ phase: this.state.phase }, 'tournament over; actor stopped');
    } catch (err) {
      if (asSurfingerError(err).code === ActorHostErrorCodes.LEASE_LOST) this.fence('lease lost while settling');
      else this.log.warn({ err: asSurfingerError(err).message }, 'could not settle the tournament; a new owner will');
    }
  }

  fence(reason: string): void {
    if (this.stopped) return;
    this.log.warn({ reason }, 'tournament fenced off; stopped');
    this.halt();
  }

  halt(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.sub?.unsubscribe();
    this.results?.stop();
    this.cancelTimer?.();
    this.onStopped(this);
  }

  /** Graceful handoff: final snapshot, lease released busy so another host adopts it at once. */
  async retire(): Promise<void> {
    this.sub?.unsubscribe();
    await this.mailbox.enqueue(async () => {
      if (this.stopped) return;
      try {
        await this.commit(this.state, this.pending);
        this.halt();
        await this.env.directory.release(this.key, this.leaseRev, !isOver(this.state) || this.pending.length > 0);
      } catch (err) {
        this.halt();
        this.log.warn({ err: asSurfingerError(err).message }, 'could not hand the tournament over cleanly; the lease will expire');
      }
    });
  }
}

function toOutbox(effect: TournamentEffect, id: number): TournamentOutboxEntry {
  if (effect.type === 'startRound') return { kind: 'start', id, team: effect.team, channel: effect.channel, round: effect.round };
  return { kind: 'egress', id, op: effect.type, team: effect.team, channel: effect.channel, key: effect.key, text: effect.text, ...(effect.blocks ? { blocks: effect.blocks } : {}) };
}

/**
 * The tournament actors of one host, and the `tournamentAdmin` endpoint (create, list, show,
 * cancel) any host answers for the queue group.
 */
export class Tournaments {
  private readonly cells = new Map<string, TournamentCell>();
  private readonly activating = new Map<string, Promise<TournamentCell | null>>();
  private readonly orphans: OrphanPicker;
  private timer: NodeJS.Timeout | undefined;
  private draining = false;

  constructor(private readonly env: TournamentEnv) {
    this.orphans = new OrphanPicker(env.directory);
  }

  start(): void {
    this.timer = setInterval(() => void this.adoptOrphans(), Math.max(50, Math.floor(this.env.directory.ttlMs / 8)));
  }

  get size(): number {
    return this.cells.size;
  }

  async handle(req: TournamentRequest): Promise<TournamentReply> {
    switch (req.op) {
      case 'create':
        return reply([await this.create(req)]);
      case 'list':
        return reply(await this.list());
      case 'show':
        return reply([await this.show(this.idOf(req))]);
      case 'cancel':
      case 'withdraw':
        return this.forward(this.idOf(req), req);
    }
  }

  private idOf(req: TournamentRequest): string {
    if (!req.id) throw new SurfingerError(ActorHostErrorCodes.TOURNAMENT_INVALID, `${req.op} needs a tournament id`);
    return req.id;
  }

  private async create(req: TournamentRequest): Promise<TournamentSummary> {
    if (!req.spec) throw new SurfingerError(ActorHostErrorCodes.TOURNAMENT_INVALID, 'create needs a spec');
    const spec = req.spec;
    const problem = specProblem(spec);
    if (problem) throw new SurfingerError(ActorHostErrorCodes.TOURNAMENT_INVALID, problem);
    if (this.draining) throw new SurfingerError(ActorHostErrorCodes.DRAINING, `${this.env.directory.hostId} is draining`);
    const key = tournamentKey(spec.id);
    if (await this.env.snapshots.load(key)) throw new SurfingerError(ActorHostErrorCodes.TOURNAMENT_EXISTS, `tournament ${spec.id} already exists`);
    const claim = await this.env.directory.claim(key, true);
    if (!claim.ok) throw new SurfingerError(ActorHostErrorCodes.TOURNAMENT_EXISTS, `tournament ${spec.id} is being created on ${claim.owner}`);
    try {
      const cell = await TournamentCell.activate(this.env, spec.id, claim.rev, spec, (c) => this.forget(c));
      this.cells.set(key, cell);
      this.env.log.info({ tournament: spec.id, channels: spec.channels.length, rounds: spec.rounds, startsAt: spec.startsAt }, 'tournament created');
      return cell.summary;
    } catch (err) {
      await this.env.directory.release(key, claim.rev, false).catch(() => undefined);
      throw err;
    }
  }

  private async list(): Promise<TournamentSummary[]> {
    const out: TournamentSummary[] = [];
    for (const key of await this.env.snapshots.keys(TOURNAMENT_KEYS)) {
      const persisted = decodePersisted((await this.env.snapshots.load(key))?.record ?? null);
      if (persisted) out.push(summarize(persisted.tournament));
      else this.env.log.warn({ key, code: ActorHostErrorCodes.CORRUPT_RECORD }, 'unreadable tournament snapshot left out of the list');
    }
    return out;
  }

  /** The committed state (the snapshot is written before any effect goes out, so it is never behind what channels show). */
  private async show(id: string): Promise<TournamentSummary> {
    const stored = await this.env.snapshots.load(tournamentKey(id));
    if (!stored) throw new SurfingerError(ActorHostErrorCodes.TOURNAMENT_NOT_FOUND, `no tournament ${id}`);
    const persisted = decodePersisted(stored.record);
    if (!persisted) throw new SurfingerError(ActorHostErrorCodes.CORRUPT_RECORD, `tournament ${id} snapshot is unreadable`);
    return summarize(persisted.tournament);
  }

  /** Sends a request to the tournament's actor, activating it (here) when it is not active anywhere. */
  private async forward(id: string, req: TournamentRequest): Promise<TournamentReply> {
    let last: SurfingerError | null = null;
    for (let attempt = 0; attempt < 8; attempt++) {
      try {
        return await request(this.env.nc, this.env.subjects.tournament(id), codecs.tournamentRequest, req, codecs.tournamentReply, 3_000);
      } catch (err) {
        last = asSurfingerError(err);
        if (last.code !== CommonErrorCodes.NO_RESPONDERS && last.code !== ActorHostErrorCodes.LEASE_LOST && last.code !== CommonErrorCodes.TIMEOUT) throw last;
      }
      if (last.code === CommonErrorCodes.NO_RESPONDERS) {
        const summary = await this.show(id);
        // An ended tournament has no actor any more, and nothing left to cancel.
        if (summary.phase === 'finished' || summary.phase === 'cancelled') return reply([summary]);
        await this.activate(id);
      }
      await sleep(Math.min(500, 25 * 2 ** attempt));
    }
    throw new SurfingerError(ActorHostErrorCodes.ACTIVATION_FAILED, `could not reach tournament ${id}`, { cause: last });
  }

  /** Activates the tournament here unless a live host owns it; concurrent calls share one attempt. */
  private activate(id: string): Promise<TournamentCell | null> {
    const key = tournamentKey(id);
    const existing = this.cells.get(key);
    if (existing) return Promise.resolve(existing);
    const inflight = this.activating.get(key);
    if (inflight) return inflight;
    const attempt = (async () => {
      if (this.draining) return null;
      const claim = await this.env.directory.claim(key, true);
      if (!claim.ok) return null;
      const cell = await TournamentCell.activate(this.env, id, claim.rev, null, (c) => this.forget(c));
      this.cells.set(key, cell);
      return cell;
    })().finally(() => this.activating.delete(key));
    this.activating.set(key, attempt);
    return attempt;
  }

  private forget(cell: TournamentCell): void {
    if (this.cells.get(cell.key) === cell) this.cells.delete(cell.key);
  }

  /** Running tournaments whose owner died or left: the same rendezvous split as channel actors (host.ts). */
  private async adoptOrphans(): Promise<void> {
    const { directory } = this.env;
    if (this.draining || !directory.valid()) return;
    const orphans = this.orphans.pick((key) => tournamentIdOf(key) === null || this.cells.has(key) || this.activating.has(key));
    await Promise.all(
      orphans.map(async (key) => {
        try {
          const cell = await this.activate(tournamentIdOf(key)!);
          if (cell) this.env.log.info({ tournament: cell.id }, 'adopted a tournament of a departed host');
        } catch (err) {
          this.env.log.warn({ key, code: asSurfingerError(err).code, reason: (err as Error).message }, 'tournament adoption failed');
        }
      }),
    );
  }

  leaseChanged(key: string, rev: number): void {
    const cell = this.cells.get(key);
    if (cell && rev > cell.leaseRev) cell.fence('lease taken over');
  }

  membershipLost(): void {
    for (const cell of [...this.cells.values()]) cell.fence('membership lost');
  }

  abandon(): void {
    clearInterval(this.timer);
    for (const cell of [...this.cells.values()]) cell.halt();
  }

  async drain(): Promise<void> {
    this.draining = true;
    clearInterval(this.timer);
    await Promise.allSettled([...this.activating.values()]);
    await Promise.all([...this.cells.values()].map((cell) => cell.retire()));
  }
}
