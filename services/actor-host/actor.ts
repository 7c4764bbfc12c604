import { setTimeout as sleep } from 'node:timers/promises';
import { randomInt } from 'node:crypto';
import { headers as natsHeaders, ServiceErrorCodeHeader, ServiceErrorHeader, type JetStreamClient, type Msg, type NatsConnection, type Subscription } from 'nats';
import type { ActorEvent, Effect, GameLogic } from '../../actors/contract.ts';
import { t } from '../../actors/index.ts';
import { asSurfingerError, codecs, MessageTypes, pack, PlacementErrorCodes, SurfingerError, type GameInbound, type Reply, type Subjects } from '../../protocol/index.ts';
import type { Logger } from '../common/logger.ts';
import { rejected } from '../common/rejections.ts';
import type { StartVerdict } from './admission.ts';
import type { Clock } from './clock.ts';
import type { Directory } from './leases.ts';
import { ActorHostErrorCodes } from './errors.ts';
import { Mailbox } from './mailbox.ts';
import { noHistory, type History } from './history.ts';
import type { HostMetrics } from './metrics.ts';
import { actorKey, type OutboxEntry, type SnapshotRecord } from './records.ts';
import { callEgress, EGRESS_GIVE_UP_MS, MAX_EDIT_DEFER_MS, PERMANENT_EGRESS } from './egress-call.ts';
import { deferEdit, superseded } from './outbox.ts';
import type { SnapshotStore } from './snapshots.ts';

/** Everything an actor needs from its host; one object shared by every actor on the host. */
export interface ActorEnv<S> {
  logic: GameLogic<S>;
  clock: Clock;
  nc: NatsConnection;
  js: JetStreamClient;
  subjects: Subjects;
  snapshots: SnapshotStore;
  directory: Directory;
  metrics: HostMetrics;
  log: Logger;
  /** Records leases, commits and accepted answers for the history checker (noHistory outside tests). */
  history: History;
  /** Consecutive throwing steps tolerated before the game is reset with an apology. */
  maxRestarts: number;
  /** Called once when the actor stops for any reason, so the host forgets it. */
  onStopped(cell: ActorCell<S>): void;
  /** The host's game budget: a start holds a slot from `reserve` until its turn is committed (`release`). */
  admission: { reserve(): StartVerdict; release(starts: number): void };
}


function toEvent(msg: GameInbound): ActorEvent {
  switch (msg.type) {
    case MessageTypes.gameCommand:
      return { type: 'command', user: msg.user, command: msg.command, text: msg.text, lang: msg.lang };
    case MessageTypes.gameMessage:
      return { type: 'message', user: msg.user, text: msg.text, ts: msg.ts, eventId: msg.eventId };
    case MessageTypes.gameClick:
      return { type: 'click', user: msg.user, actionId: msg.actionId, value: msg.value, messageTs: msg.messageTs };
  }
}

/** Answers a request with a coded error the way the NATS service API does, so `request()` maps it. */
export function replyError(msg: Msg, code: string, message: string, status = 500): void {
  if (!msg.reply) return;
  const h = natsHeaders();
  h.set(ServiceErrorHeader, `${code}: ${message}`);
  h.set(ServiceErrorCodeHeader, String(status));
  msg.respond(new Uint8Array(0), { headers: h });
}

/** A turn steps at most this many events before committing, so one flooded channel cannot build a giant write. */
const MAX_TURN_EVENTS = 64;

interface Delivery {
  event: ActorEvent;
  /** null for timer ticks. */
  msg: Msg | null;
  /** hrtime when the request arrived (answer latency metric). */
  received: bigint | null;
}

/** What a turn has stepped but not yet committed. */
interface Turn<S> {
  before: S;
  state: S;
  cursor: SnapshotRecord['log'];
  entries: OutboxEntry[];
  /** Answers that changed the game, recorded in the history once the turn is committed. */
  answers: Array<{ gameId: string; user: string; text: string; eventId: string }>;
  /** Every event stepped (ticks included), in order, with the reply its request gets after the commit. */
  stepped: Array<{ msg: Msg | null; reply: Reply; received: bigint | null }>;
  /** Some state in the turn had a game running: the lease must be marked busy before the commit. */
  running: boolean;
  started: number;
  finished: number;
  /** Starts admitted in this turn, holding budget slots until the turn is committed. */
  reserved: number;
}

const sameBytes = (a: unknown, b: unknown) => Buffer.from(pack(a)).equals(Buffer.from(pack(b)));

/**
 * One channel-game actor: a mailbox feeding the pure `step`, a commit per turn that changed state
 * (a CAS-fenced snapshot that also holds the steps' effects as an outbox), and an ordered effect
 * queue that performs the outbox after the commit, so a slow Slack never blocks answers.
 *
 * Per turn — the events that queued while the previous turn committed (docs/runtime.md, "A turn"):
 * 1. For each event in order, `step(state, event, now)` — pure; a throw restarts this actor alone
 *    from its snapshot. If the game was or is running, the event (with `now`) becomes an event-log entry.
 * 2. Commit: snapshot {state, handles, outbox += effects} with CAS on the last revision. A failed
 *    CAS means another host took over: stop at once, answer SF_ERR_LEASE_LOST, perform nothing.
 * 3. Answer each request, then run the outbox in order (log append, Slack calls, result publishes),
 *    each idempotent (msg ids, idempotency keys), so re-running it after a failover is harmless.
 * 4. Arm a timer for `nextDeadline(state)`; it delivers a `tick` like any other event.
 */
export class ActorCell<S> {
  readonly key: string;
  readonly log: Logger;
  lastActivity: number;
  private readonly mailbox: Mailbox;
  private sub: Subscription | null = null;
  private cancelTimer: (() => void) | null = null;
  private stopped = false;
  private pumping = false;
  private restarts = 0;
  /** Events waiting for the next turn, and whether that turn is already in the mailbox. */
  private readonly inbox: Delivery[] = [];
  private turnQueued = false;

  private constructor(
    private readonly env: ActorEnv<S>,
    readonly team: string,
    readonly channel: string,
    public leaseRev: number,
    private state: S,
    private snapRev: number,
    private commitNo: number,
    private handles: Record<string, string>,
    private pending: OutboxEntry[],
    private fx: number,
    private cursor: SnapshotRecord['log'],
    private busy: boolean,
  ) {
    this.key = actorKey(team, channel);
    this.log = env.log.child({ team, channel });
    this.lastActivity = env.clock.now();
    this.mailbox = new Mailbox((err) => this.log.error({ err: asSurfingerError(err) }, 'actor task failed'));
  }

  /**
   * Restores the actor from its snapshot (or creates it) and takes over: the first write stamps
   * the snapshot with this host, which fences any previous owner. Effects are not replayed; only
   * the committed-but-unconfirmed outbox is finished, idempotently.
   */
  static async activate<S>(env: ActorEnv<S>, team: string, channel: string, lease: { rev: number; busy: boolean }): Promise<ActorCell<S>> {
    const key = actorKey(team, channel);
    const owner = { hostId: env.directory.hostId, incarnation: env.directory.incarnation };
    for (let attempt = 0; ; attempt++) {
      const stored = await env.snapshots.load(key);
      if (stored && stored.record === null) {
        // Losing one channel's game beats a channel that can never be activated again.
        env.log.error({ team, channel, code: ActorHostErrorCodes.CORRUPT_RECORD }, 'snapshot unreadable; starting the channel afresh');
      }
      const base: SnapshotRecord = stored?.record ?? {
        v: 1,
        owner,
        commit: 0,
        state: env.logic.initial({ team, channel }, randomInt(2 ** 32)),
        handles: {},
        outbox: [],
        fx: 0,
        log: null,
        savedAt: 0,
      };
      const record: SnapshotRecord = { ...base, owner, commit: base.commit + 1, savedAt: env.clock.now() };
      try {
        const rev = await env.snapshots.save(key, record, stored?.rev ?? 0);
        env.history.record(owner.incarnation, { kind: 'commit', key, snapRev: rev, leaseRev: lease.rev });
        const cell = new ActorCell<S>(env, team, channel, lease.rev, record.state as S, rev, record.commit, { ...record.handles }, [...record.outbox], record.fx, record.log, lease.busy);
        await cell.start();
        return cell;
      } catch (err) {
        // An old owner that has not noticed yet wrote in between; its write is history, read again.
        if (asSurfingerError(err).code !== ActorHostErrorCodes.LEASE_LOST || attempt >= 3) throw err;
      }
    }
  }

  private async start(): Promise<void> {
    this.sub = this.env.nc.subscribe(this.env.subjects.game(this.team, this.channel), { callback: (_err, msg) => this.receive(msg) });
    // The activation is answered only after the server knows our interest, so the sender's retry finds us.
    await this.env.nc.flush();
    await this.ensureBusy();
    this.pump();
    this.arm();
  }

  get running(): boolean {
    return !this.env.logic.isIdle(this.state);
  }

  /** Idle with nothing left to perform: may be passivated. */
  get quiescent(): boolean {
    return !this.running && this.pending.length === 0 && this.mailbox.size === 0;
  }

  private receive(msg: Msg): void {
    const received = process.hrtime.bigint();
    let inbound: GameInbound;
    try {
      inbound = codecs.gameInbound.decode(msg.data);
    } catch (err) {
      const e = asSurfingerError(err);
      rejected(this.log, { code: e.code, subject: msg.subject, reason: e.message });
      replyError(msg, e.code, e.message, 400);
      return;
    }
    if (inbound.team !== this.team || inbound.channel !== this.channel) {
      rejected(this.log, { code: ActorHostErrorCodes.MISROUTED, subject: msg.subject }, 'rejected message for another channel');
      replyError(msg, ActorHostErrorCodes.MISROUTED, 'payload team/channel do not match the subject', 400);
      return;
    }
    this.lastActivity = this.env.clock.now();
    this.deliver({ event: toEvent(inbound), msg, received });
  }

  private arm(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    if (this.stopped) return;
    const deadline = this.env.logic.nextDeadline(this.state);
    if (deadline === null) return;
    this.cancelTimer = this.env.clock.setTimer(deadline, () => this.deliver({ event: { type: 'tick' }, msg: null, received: null }));
  }

  /** Queues an event for the actor's next turn; at most one turn is waiting in the mailbox. */
  private deliver(item: Delivery): void {
    this.inbox.push(item);
    if (this.turnQueued) return;
    this.turnQueued = true;
    void this.mailbox.enqueue(() => this.turn());
  }

  /**
   * One mailbox turn: every event that arrived while the previous turn was committing is stepped
   * in order, then committed together (group commit). A burst — several players answering within
   * one snapshot write, a deadline tick among answers — costs one CAS write instead of one each,
   * and no event waits behind more than one commit. Each event still gets its own event-log entry
   * and its own reply, and no reply goes out before the commit holding its event.
   */
  private async turn(): Promise<void> {
    this.turnQueued = false;
    const batch = this.inbox.splice(0, MAX_TURN_EVENTS);
    if (this.inbox.length > 0) {
      this.turnQueued = true;
      void this.mailbox.enqueue(() => this.turn());
    }
    let draft = this.draft();
    for (const item of batch) {
      if (this.stopped || !this.env.directory.valid()) {
        if (!this.stopped) this.fence('membership lapsed');
        if (item.msg) replyError(item.msg, ActorHostErrorCodes.LEASE_LOST, 'actor moved; retry');
        continue;
      }
      const thrown = this.step(draft, item);
      if (thrown === null) continue;
      // A throwing step restarts from the snapshot: first commit what the turn already accepted.
      await this.commitTurn(draft);
      await this.crashed(thrown.err, item.msg);
      draft = this.draft();
    }
    await this.commitTurn(draft);
  }

  private draft(): Turn<S> {
    return { before: this.state, state: this.state, cursor: this.cursor, entries: [], answers: [], stepped: [], running: false, started: 0, finished: 0, reserved: 0 };
  }

  /** Steps one event into the turn's draft; returns the error if the game logic threw. */
  private step(draft: Turn<S>, item: Delivery): { err: unknown } | null {
    const { logic, clock } = this.env;
    const { event, msg } = item;
    const now = clock.now();
    if (event.type === 'tick') {
      const deadline = logic.nextDeadline(draft.state);
      // A timer may fire a hair early by the wall clock; a tick before the deadline would be a lie.
      if (deadline === null || now < deadline) return null;
    }
    let result: { state: S; effects: Effect[] };
    try {
      result = logic.step(draft.state, event, now);
    } catch (err) {
      return { err };
    }
    this.restarts = 0;
    const prevIdle = logic.isIdle(draft.state);
    const nextIdle = logic.isIdle(result.state);
    if (prevIdle && !nextIdle && !this.admitted(msg)) return null;
    if (prevIdle && !nextIdle) draft.reserved++;
    const gameId = logic.gameId(result.state) ?? logic.gameId(draft.state);
    if ((!prevIdle || !nextIdle) && gameId !== null) {
      const fresh = draft.cursor?.gameId !== gameId;
      draft.cursor = { gameId, seq: fresh ? 1 : (draft.cursor?.seq ?? 0) + 1 };
      draft.entries.push({
        kind: 'log',
        id: this.fx++,
        record: { type: MessageTypes.gameEvent, gameId, team: this.team, channel: this.channel, seq: draft.cursor.seq, now, event, ...(fresh ? { base: draft.state } : {}) },
      });
    }
    let reply: Reply = { type: MessageTypes.reply, ok: true, responseType: 'none' };
    for (const effect of result.effects) {
      if (effect.type === 'reply') reply = { type: MessageTypes.reply, ok: true, responseType: effect.responseType, text: effect.text, ...(effect.blocks ? { blocks: effect.blocks } : {}) };
      else draft.entries.push(this.toOutbox(effect, gameId));
    }
    // Only the chaos suite records answers: comparing states costs an encode per message.
    if (this.env.history !== noHistory && event.type === 'message' && gameId !== null && !sameBytes(draft.state, result.state)) {
      draft.answers.push({ gameId, user: event.user, text: event.text, eventId: event.eventId });
    }
    draft.state = result.state;
    draft.running ||= !nextIdle;
    if (prevIdle && !nextIdle) draft.started++;
    if (!prevIdle && nextIdle) draft.finished++;
    draft.stepped.push({ msg, reply, received: event.type === 'message' ? item.received : null });
    return null;
  }

  /**
   * Admission (docs/runtime.md, "Admission control"): a step that would start a game is dropped,
   * unstepped (it is pure: nothing happened), when the host has no room. If another host has room
   * the actor retires so the sender's retry activates it there (SF_ERR_HOST_FULL is transient for
   * `sendToGame`); if none has, the sender hears SF_ERR_CLUSTER_FULL and tells the player.
   */
  private admitted(msg: Msg | null): boolean {
    const verdict = this.env.admission.reserve();
    if (verdict === 'admit') return true;
    this.log.info({ verdict }, 'game start refused: no room on this host');
    if (verdict === 'elsewhere') {
      if (msg) replyError(msg, PlacementErrorCodes.HOST_FULL, 'no room on this host; retry', 503);
      void this.retire(0);
    } else if (msg) replyError(msg, PlacementErrorCodes.CLUSTER_FULL, 'no actor host has room for a new game', 503);
    return false;
  }

  /** Commits the turn, then gives back the budget slots its starts held (they count as running once committed). */
  private async commitTurn(draft: Turn<S>): Promise<void> {
    try {
      await this.commitSteps(draft);
    } finally {
      if (draft.reserved > 0) this.env.admission.release(draft.reserved);
      draft.reserved = 0;
    }
  }

  /** Commits the turn (if it changed anything), then answers its requests and schedules what follows. */
  private async commitSteps(draft: Turn<S>): Promise<void> {
    const { metrics } = this.env;
    if (draft.stepped.length === 0) return this.arm();
    if (this.stopped) {
      // Fenced mid-turn: what the turn stepped is not ours to write any more.
      for (const { msg } of draft.stepped) if (msg) replyError(msg, ActorHostErrorCodes.LEASE_LOST, 'actor moved; retry');
      return;
    }
    if (draft.entries.length > 0 || !sameBytes(draft.before, draft.state)) {
      try {
        if (draft.running && !this.busy) await this.setBusy(true);
        await this.commit(draft.state, [...this.pending, ...draft.entries], draft.cursor);
      } catch (err) {
        const e = asSurfingerError(err);
        if (e.code === ActorHostErrorCodes.LEASE_LOST) this.fence('snapshot fenced by a new owner');
        else this.log.warn({ code: e.code, reason: e.message, events: draft.stepped.length }, 'could not commit a turn; its events dropped');
        const reason = e.code === ActorHostErrorCodes.LEASE_LOST ? 'actor moved; retry' : 'state store unavailable; retry';
        for (const { msg } of draft.stepped) if (msg) replyError(msg, e.code, reason);
        return;
      }
      this.state = draft.state;
      this.cursor = draft.cursor;
      this.pending.push(...draft.entries);
      metrics.started.inc(draft.started);
      metrics.finished.inc(draft.finished);
      metrics.turnEvents.observe(draft.stepped.length);
      for (const a of draft.answers) this.env.history.record(this.env.directory.incarnation, { kind: 'answer', key: this.key, ...a });
    }
    for (const { msg, reply, received } of draft.stepped) {
      if (msg?.reply) msg.respond(codecs.reply.encode(reply));
      if (received !== null) metrics.answerLatency.observe(Number(process.hrtime.bigint() - received) / 1e9);
    }
    this.pump();
    this.arm();
  }

  private toOutbox(effect: Exclude<Effect, { type: 'reply' }>, gameId: string | null): OutboxEntry {
    const id = this.fx++;
    const scope = gameId ?? this.key;
    switch (effect.type) {
      case 'publish':
        return { kind: 'publish', id, result: effect.result };
      case 'ephemeral':
        return { kind: 'egress', id, op: 'ephemeral', key: null, text: effect.text, ...(effect.blocks ? { blocks: effect.blocks } : {}), user: effect.user, idempotencyKey: `${scope}:eph:${id}` };
      case 'post':
      case 'update':
        // Stable across failover: the id was committed with the effect, so a retry reuses it.
        return { kind: 'egress', id, op: effect.type, key: effect.key, text: effect.text, ...(effect.blocks ? { blocks: effect.blocks } : {}), idempotencyKey: `${scope}:${effect.key}:${id}`.slice(0, 200) };
    }
  }

  private async commit(state: S, outbox: OutboxEntry[], cursor: SnapshotRecord['log']): Promise<void> {
    const { snapshots, directory, clock } = this.env;
    const record: SnapshotRecord = {
      v: 1,
      owner: { hostId: directory.hostId, incarnation: directory.incarnation },
      commit: this.commitNo + 1,
      state,
      handles: this.handles,
      outbox,
      fx: this.fx,
      log: cursor,
      savedAt: clock.now(),
    };
    for (let attempt = 0; ; attempt++) {
      try {
        this.snapRev = await snapshots.save(this.key, record, this.snapRev);
        this.commitNo = record.commit;
        this.env.history.record(directory.incarnation, { kind: 'commit', key: this.key, snapRev: this.snapRev, leaseRev: this.leaseRev });
        return;
      } catch (err) {
        const e = asSurfingerError(err);
        // NATS unreachable (e.g. a nats-server restart): keep the mailbox blocked and retry while we may.
        if (e.code === ActorHostErrorCodes.LEASE_LOST || this.stopped || !directory.valid()) {
          throw e.code === ActorHostErrorCodes.LEASE_LOST ? e : new SurfingerError(ActorHostErrorCodes.LEASE_LOST, 'lost ownership while committing', { cause: err });
        }
        this.log.warn({ err: e.message, attempt }, 'snapshot write failed; retrying');
        await sleep(Math.min(1_000, 50 * 2 ** attempt));
      }
    }
  }

  private async setBusy(busy: boolean): Promise<void> {
    this.leaseRev = await this.env.directory.update(this.key, this.leaseRev, busy);
    this.busy = busy;
  }

  /** A restored actor with a running game or pending effects must survive its host: mark the lease. */
  private async ensureBusy(): Promise<void> {
    if (!this.busy && (this.running || this.pending.length > 0)) await this.setBusy(true);
  }

  /**
   * A throwing step is a bug in the game: restart this actor from its snapshot (the event is
   * dropped and answered with a code). After `maxRestarts` in a row the game is reset with an
   * apology so one poisoned game cannot loop forever.
   */
  private async crashed(err: unknown, msg: Msg | null): Promise<void> {
    const { metrics, snapshots, logic, maxRestarts } = this.env;
    metrics.restarts.inc();
    this.restarts++;
    this.log.error({ err: asSurfingerError(err), restarts: this.restarts, gameId: logic.gameId(this.state) }, 'actor step threw; restarting from snapshot');
    if (msg) replyError(msg, ActorHostErrorCodes.ACTOR_CRASHED, 'the game hit an error; try again');
    const stored = await snapshots.load(this.key);
    if (!stored?.record || stored.rev !== this.snapRev) return this.fence('snapshot moved during restart');
    this.state = stored.record.state as S;
    if (this.restarts <= maxRestarts) return this.arm();
    const fresh = logic.initial({ team: this.team, channel: this.channel }, randomInt(2 ** 32));
    const id = this.fx++;
    const apology: OutboxEntry = { kind: 'egress', id, op: 'post', key: 'apology', text: `${t('ko', 'broken')}\n${t('en', 'broken')}`, idempotencyKey: `${this.key}:apology:${id}` };
    await this.commit(fresh, [...this.pending, apology], null);
    this.state = fresh;
    this.cursor = null;
    this.pending.push(apology);
    this.restarts = 0;
    this.pump();
    this.arm();
  }

  /** Runs the outbox in order, one entry at a time, retrying each until done or the actor stops. */
  private pump(): void {
    if (this.pumping || this.stopped) return;
    this.pumping = true;
    void (async () => {
      while (!this.stopped && this.pending.length > 0) {
        if (superseded(this.pending, 0)) {
          this.pending.shift();
          this.env.metrics.editsCoalesced.inc();
          continue;
        }
        const entry = this.pending[0]!;
        const deferMs = await this.perform(entry);
        if (this.stopped) break;
        this.pending.shift();
        if (deferMs !== null) {
          const { pending, wait } = deferEdit(this.pending, entry);
          this.pending = pending;
          if (wait) await sleep(Math.min(deferMs, MAX_EDIT_DEFER_MS));
        }
      }
      this.pumping = false;
      if (!this.stopped && this.pending.length === 0 && !this.running && this.busy) void this.mailbox.enqueue(() => this.settle());
    })();
  }

  /** The game is over and every effect is done: persist the empty outbox, then unmark the lease. */
  private async settle(): Promise<void> {
    if (this.stopped || this.running || this.pending.length > 0 || !this.busy) return;
    try {
      await this.commit(this.state, [], this.cursor);
      await this.setBusy(false);
    } catch (err) {
      if (asSurfingerError(err).code === ActorHostErrorCodes.LEASE_LOST) this.fence('lease lost while settling');
      else throw err;
    }
  }

  /** Performs one entry, retrying until done; resolves with a delay when an edit must step back (busy budget). */
  private async perform(entry: OutboxEntry): Promise<number | null> {
    const started = Date.now();
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        return (await this.performOnce(entry)) ?? null;
      } catch (err) {
        const e = asSurfingerError(err);
        if (entry.kind === 'egress' && (PERMANENT_EGRESS.test(e.code) || Date.now() - started > EGRESS_GIVE_UP_MS)) {
          this.log.warn({ code: e.code, op: entry.op, key: entry.key, reason: e.message }, 'slack call dropped');
          return null;
        }
        if (attempt % 10 === 0) this.log.warn({ code: e.code, kind: entry.kind, reason: e.message, attempt }, 'effect failed; retrying');
        await sleep(Math.min(2_000, 50 * 2 ** attempt));
      }
    }
    return null;
  }

  private async performOnce(entry: OutboxEntry): Promise<number | void> {
    const { js, nc, subjects } = this.env;
    switch (entry.kind) {
      case 'log':
        // Nats-Msg-Id = gameId:seq: an append repeated after a failover is dropped by the stream.
        await js.publish(subjects.gameEvents(entry.record.gameId), codecs.gameEvent.encode(entry.record), { msgID: `${entry.record.gameId}:${entry.record.seq}` });
        return;
      case 'publish':
        await js.publish(subjects.results(this.team, this.channel), codecs.result.encode(entry.result), { msgID: entry.result.resultId });
        return;
      case 'egress': {
        const ts = entry.op === 'update' && entry.key !== null ? this.handles[entry.key] : undefined;
        if (entry.op === 'update' && ts === undefined) {
          this.log.warn({ key: entry.key }, 'update of a message that was never posted; skipped');
          return;
        }
        // A busy edit steps back behind the game's other effects (outbox.ts).
        const out = await callEgress(nc, subjects, {
          team: this.team,
          channel: this.channel,
          op: entry.op,
          text: entry.text,
          ...(entry.blocks ? { blocks: entry.blocks } : {}),
          ...(ts !== undefined ? { ts } : {}),
          ...(entry.user !== undefined ? { user: entry.user } : {}),
          idempotencyKey: entry.idempotencyKey,
        });
        if ('busyForMs' in out) return out.busyForMs;
        if (entry.op === 'post' && entry.key !== null && out.ts) this.handles[entry.key] = out.ts;
        return;
      }
    }
  }

  /** Lease lost: stop at once, write nothing; the new owner finishes our committed outbox. */
  fence(reason: string): void {
    if (this.stopped) return;
    this.env.metrics.fenced.inc();
    this.log.warn({ reason }, 'actor fenced off; stopped');
    this.halt(`fenced: ${reason}`);
  }

  /** Stops without a trace of cleanup (a killed host): no writes, no release. */
  abandon(): void {
    this.halt('abandoned');
  }

  private halt(reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.env.history.record(this.env.directory.incarnation, { kind: 'stop', key: this.key, reason });
    this.sub?.unsubscribe();
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.env.onStopped(this);
  }

  /**
   * Passivation and graceful handoff: stop intake, let queued events and (briefly) the outbox
   * finish, write a final snapshot, release the lease. A running game's lease stays marked busy
   * and ownerless so another host adopts it at once and its timers keep firing there.
   */
  async retire(effectGraceMs: number): Promise<void> {
    this.sub?.unsubscribe();
    await this.mailbox.enqueue(async () => {
      if (this.stopped) return;
      this.cancelTimer?.();
      const until = Date.now() + effectGraceMs;
      while (this.pumping && this.pending.length > 0 && Date.now() < until) await sleep(20);
      const busy = this.running || this.pending.length > 0;
      try {
        await this.commit(this.state, this.pending, this.cursor);
        // Forget the actor before releasing, so our own release is not mistaken for a takeover.
        this.halt('released');
        await this.env.directory.release(this.key, this.leaseRev, busy);
      } catch (err) {
        this.halt('release failed');
        this.log.warn({ err: asSurfingerError(err).message }, 'could not hand the actor over cleanly; the lease will expire');
      }
    });
  }
}
