import { randomBytes } from 'node:crypto';
import type { KV, KvEntry } from 'nats';
import { SurfingerError } from '../../protocol/index.ts';
import type { Logger } from '../common/logger.ts';
import type { Clock } from './clock.ts';
import { ActorHostErrorCodes } from './errors.ts';
import { noHistory, type History } from './history.ts';
import { recordCodecs, type LeaseRecord, type MemberRecord } from './records.ts';

/**
 * Single activation, Orleans style (docs/runtime.md, "Leases"):
 *
 * 1. Each host keeps one membership record in the `members` bucket, renewed by CAS every TTL/3.
 *    nats-server 2.9 has no per-key TTL, so expiry is the `expiresAt` timestamp inside the value.
 * 2. Each actor has an ownership record in the `leases` bucket, claimed by CAS (create-if-absent,
 *    or update-by-revision when the recorded owner's membership is dead or the lease is released).
 *    An ownership record is valid only while its owner's membership (same incarnation) lives, so a
 *    host renews one key per TTL/3 however many actors it holds.
 * 3. A host whose membership lapsed, or whose renewal CAS failed, stops every actor at once.
 *
 * The fencing token for game state is the snapshot revision (snapshots.ts); the lease revision is
 * the token for lease updates. "Directory" is Orleans' name for this table of who hosts what.
 */

export type ClaimResult = { ok: true; rev: number } | { ok: false; owner: string };

// ---- the rules, pure (leases.test.ts drives them with a manual clock) --------------------------

/** Whose lease or membership: a host id and the incarnation of its membership. */
export interface Owner {
  hostId: string;
  incarnation: string;
}

/**
 * How long before its own expiry a host stops acting (rule 3): never alive in its own eyes but
 * dead in others', so the old owner has stopped before anyone may take its actors over.
 */
export function guardFor(ttlMs: number): number {
  return Math.min(250, Math.floor(ttlMs / 10));
}

/** Rule 3, the host's own view: its membership holds until `guardMs` before `expiresAt`. */
export function stillValid(expiresAt: number, guardMs: number, now: number): boolean {
  return now < expiresAt - guardMs;
}

/** Rule 2, everyone else's view: a membership lives while its `expiresAt` is ahead, for the same incarnation. */
export function memberLive(member: MemberRecord | undefined, incarnation: string | null, now: number): boolean {
  return member !== undefined && member.incarnation === incarnation && member.expiresAt > now;
}

/**
 * What a claim does over the lease record it read (`absent`: none, or deleted):
 * `create` it, it is already `ours`, it is `held` by a live owner, or `take` it over by CAS (its
 * owner is dead, or it was released), keeping it busy if it was.
 */
export type ClaimStep = { step: 'create' } | { step: 'ours' } | { step: 'held'; owner: string } | { step: 'take'; busy: boolean };

export function claimStep(lease: LeaseRecord | null | 'absent', self: Owner, ownerAlive: boolean, busy: boolean): ClaimStep {
  if (lease === 'absent') return { step: 'create' };
  if (lease && lease.hostId === self.hostId && lease.incarnation === self.incarnation) return { step: 'ours' };
  if (lease && lease.hostId !== null && ownerAlive) return { step: 'held', owner: lease.hostId };
  return { step: 'take', busy: busy || (lease?.busy ?? false) };
}

/** Leases that need a new owner: busy, and released or owned by a dead membership. */
export function orphanKeys(leases: Iterable<[string, LeaseRecord]>, alive: (hostId: string | null, incarnation: string | null) => boolean): string[] {
  const out: string[] = [];
  for (const [key, lease] of leases) if (lease.busy && !alive(lease.hostId, lease.incarnation)) out.push(key);
  return out;
}

/** Hosts that take new actors: membership alive and not draining. */
export function liveHostIds(members: Iterable<MemberRecord>, now: number): string[] {
  return [...members].filter((m) => m.expiresAt > now && !m.draining).map((m) => m.hostId);
}

// ---- the protocol over NATS KV ------------------------------------------------------------------

export interface DirectoryEvents {
  /** Our membership is gone: every actor must stop now, without writing. */
  onMembershipLost(): void;
  /** Someone else now owns (or released) a lease we may hold, as of lease revision `rev`. */
  onLeaseChanged(key: string, lease: LeaseRecord | null, rev: number): void;
}

/** A CAS write lost the race: the key moved on since the revision we held. */
export function isCasConflict(err: unknown): boolean {
  const e = err as { message?: string; api_error?: { err_code?: number } };
  return e?.api_error?.err_code === 10071 || /wrong last sequence|key exists/i.test(String(e?.message));
}

export class Directory {
  /**
   * Random per membership: a restarted process, or this one rejoining after it lost its membership
   * (and fenced its actors), gets a new one, so leases of the old one read as dead and get adopted.
   */
  incarnation = randomBytes(6).toString('hex');
  private memberRev = 0;
  private expiresAt = 0;
  private lost = false;
  private draining = false;
  private renewTimer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> = Promise.resolve();
  private readonly members = new Map<string, MemberRecord>();
  private readonly leases = new Map<string, { lease: LeaseRecord; rev: number }>();
  private readonly watches: Array<{ stop(): void }> = [];
  /** Stop acting this long before our own expiry, so we are never alive in our eyes but dead in others'. */
  private readonly guardMs: number;

  constructor(
    private readonly kv: { members: KV; leases: KV },
    readonly hostId: string,
    readonly ttlMs: number,
    /** Wall time shared by all hosts (lease expiry is compared across processes), not game time. */
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly events: DirectoryEvents,
    private readonly onRenewFailure: () => void,
    private readonly history: History = noHistory,
  ) {
    this.guardMs = guardFor(ttlMs);
  }

  /** Registers this host (a new incarnation) and starts renewing and watching. */
  async join(): Promise<void> {
    await this.register();
    this.watches.push(await this.watch(this.kv.members, (key, entry) => this.onMember(key, entry)));
    this.watches.push(await this.watch(this.kv.leases, (key, entry) => this.onLease(key, entry)));
    this.scheduleRenew();
  }

  private async register(): Promise<void> {
    const now = this.clock.now();
    const record: MemberRecord = { hostId: this.hostId, incarnation: this.incarnation, expiresAt: now + this.ttlMs, draining: this.draining };
    // `put`, not `create`: a restarted process with the same host id replaces its dead predecessor.
    this.memberRev = await this.kv.members.put(this.hostId, recordCodecs.member.encode(record));
    this.expiresAt = record.expiresAt;
    this.lost = false;
    this.history.record(this.incarnation, { kind: 'member', expiresAt: record.expiresAt });
  }

  private scheduleRenew(): void {
    this.renewTimer = setTimeout(() => void this.renewSerially().finally(() => this.renewTimer && this.scheduleRenew()), Math.max(50, Math.floor(this.ttlMs / 3)));
  }

  /** Renewals never overlap: two CAS writes from one host would fail each other and look like a takeover. */
  private renewSerially(): Promise<void> {
    this.renewing = this.renewing.then(() => this.renew());
    return this.renewing;
  }

  private async renew(): Promise<void> {
    const now = this.clock.now();
    if (this.lost) {
      // Lost earlier (partition, NATS restart): rejoin; lost actors were already stopped.
      try {
        this.incarnation = randomBytes(6).toString('hex');
        await this.register();
        this.log.info({ hostId: this.hostId, incarnation: this.incarnation }, 'membership re-established');
      } catch (err) {
        this.onRenewFailure();
        this.log.warn({ err: (err as Error).message }, 'membership rejoin failed');
      }
      return;
    }
    const record: MemberRecord = { hostId: this.hostId, incarnation: this.incarnation, expiresAt: now + this.ttlMs, draining: this.draining };
    try {
      this.memberRev = await this.kv.members.update(this.hostId, recordCodecs.member.encode(record), this.memberRev);
      this.expiresAt = record.expiresAt;
      this.history.record(this.incarnation, { kind: 'member', expiresAt: record.expiresAt });
    } catch (err) {
      this.onRenewFailure();
      if (isCasConflict(err)) {
        this.log.error({ hostId: this.hostId }, 'membership record replaced by someone else; stopping all actors');
        this.loseMembership();
      } else {
        this.log.warn({ err: (err as Error).message, msLeft: this.expiresAt - now }, 'membership renewal failed; retrying');
        if (!this.valid()) this.loseMembership();
      }
    }
  }

  private loseMembership(): void {
    if (this.lost) return;
    this.lost = true;
    this.history.record(this.incarnation, { kind: 'lost' });
    this.events.onMembershipLost();
  }

  /** True while our membership is certainly alive in every other host's eyes. */
  valid(): boolean {
    if (!this.lost && !stillValid(this.expiresAt, this.guardMs, this.clock.now())) this.loseMembership();
    return !this.lost;
  }

  async setDraining(): Promise<void> {
    this.draining = true;
    await this.renewSerially();
  }

  /** Alive by the latest watched membership record (used by the orphan scan). */
  isAlive(hostId: string | null, incarnation: string | null): boolean {
    return hostId !== null && memberLive(this.members.get(hostId), incarnation, this.clock.now());
  }

  /** Hosts whose membership is alive and that take new actors (not draining). */
  liveHosts(): string[] {
    return liveHostIds(this.members.values(), this.clock.now());
  }

  /** Leases that need a new owner: busy, and released or owned by a dead membership. */
  orphans(): string[] {
    return orphanKeys([...this.leases].map(([key, { lease }]) => [key, lease]), (hostId, incarnation) => this.isAlive(hostId, incarnation));
  }

  /**
   * Claims the actor for this host: create-if-absent, or CAS over a lease whose owner is dead or
   * that was released. The owner's liveness is read from KV (not the watch) so a stale view can
   * never steal a live lease.
   */
  async claim(key: string, busy: boolean): Promise<ClaimResult> {
    const claimed = await this.claimOnce(key, busy);
    if (claimed.ok) this.history.record(this.incarnation, { kind: 'claim', key, leaseRev: claimed.rev });
    return claimed;
  }

  private async claimOnce(key: string, busy: boolean): Promise<ClaimResult> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const now = this.clock.now();
      if (!this.valid()) throw new SurfingerError(ActorHostErrorCodes.LEASE_LOST, 'this host has no live membership');
      const entry = await this.kv.leases.get(key);
      const mine: LeaseRecord = { hostId: this.hostId, incarnation: this.incarnation, busy, at: now };
      try {
        const lease = entry === null || entry.operation !== 'PUT' ? 'absent' : this.decodeLease(key, entry);
        const ownerAlive = lease !== 'absent' && lease !== null && lease.hostId !== null && (await this.memberAlive(lease.hostId, lease.incarnation, now));
        const step = claimStep(lease, { hostId: this.hostId, incarnation: this.incarnation }, ownerAlive, busy);
        if (step.step === 'create') return { ok: true, rev: await this.kv.leases.create(key, recordCodecs.lease.encode(mine)) };
        if (step.step === 'ours') return { ok: true, rev: entry!.revision };
        if (step.step === 'held') return { ok: false, owner: step.owner };
        return { ok: true, rev: await this.kv.leases.update(key, recordCodecs.lease.encode({ ...mine, busy: step.busy }), entry!.revision) };
      } catch (err) {
        if (!isCasConflict(err)) throw err;
        // Someone else wrote the lease between our read and write: look again.
      }
    }
    const entry = await this.kv.leases.get(key);
    const lease = entry && entry.operation === 'PUT' ? this.decodeLease(key, entry) : null;
    return { ok: false, owner: lease?.hostId ?? 'unknown' };
  }

  private async memberAlive(hostId: string, incarnation: string | null, now: number): Promise<boolean> {
    const entry = await this.kv.members.get(hostId);
    if (entry === null || entry.operation !== 'PUT') return false;
    try {
      return memberLive(recordCodecs.member.decode(entry.value), incarnation, now);
    } catch {
      return false;
    }
  }

  /** CAS update of a lease we hold; throws LEASE_LOST if someone else moved it. */
  async update(key: string, rev: number, busy: boolean): Promise<number> {
    const mine: LeaseRecord = { hostId: this.hostId, incarnation: this.incarnation, busy, at: this.clock.now() };
    try {
      return await this.kv.leases.update(key, recordCodecs.lease.encode(mine), rev);
    } catch (err) {
      if (!isCasConflict(err)) throw err;
      // An unanswered earlier attempt of ours may have landed: adopt it if the record is ours.
      const entry = await this.kv.leases.get(key);
      const lease = entry && entry.operation === 'PUT' ? this.decodeLease(key, entry) : null;
      if (entry && lease && lease.hostId === this.hostId && lease.incarnation === this.incarnation && lease.busy === busy) return entry.revision;
      throw new SurfingerError(ActorHostErrorCodes.LEASE_LOST, `lease ${key} moved on`, { cause: err });
    }
  }

  /**
   * Gives the actor up. A busy actor's lease stays, ownerless, so another host adopts it at once
   * (its timers keep firing); an idle one is deleted (the next message activates it anywhere).
   */
  async release(key: string, rev: number, busy: boolean): Promise<void> {
    try {
      if (busy) await this.kv.leases.update(key, recordCodecs.lease.encode({ hostId: null, incarnation: null, busy: true, at: this.clock.now() }), rev);
      else await this.kv.leases.delete(key, { previousSeq: rev });
    } catch (err) {
      // Someone already took it over: nothing of ours to release.
      if (!isCasConflict(err)) throw err;
    }
  }

  /** Leaves the cluster (graceful stop): other hosts see us dead at once, not after the TTL. */
  async leave(): Promise<void> {
    clearTimeout(this.renewTimer);
    this.renewTimer = undefined;
    await this.renewing;
    for (const w of this.watches) w.stop();
    if (this.lost) return;
    this.lost = true;
    await this.kv.members.delete(this.hostId, { previousSeq: this.memberRev }).catch((err: unknown) => {
      this.log.warn({ err: (err as Error).message }, 'could not remove membership record');
    });
  }

  /**
   * Restarts both watches (after a NATS reconnect an ordered-consumer watch can lag for seconds
   * until its heartbeat check notices). The fresh watch re-delivers every current value.
   */
  async rewatch(): Promise<void> {
    for (let attempt = 0; this.renewTimer !== undefined; attempt++) {
      for (const w of this.watches.splice(0)) w.stop();
      try {
        this.watches.push(await this.watch(this.kv.members, (key, entry) => this.onMember(key, entry)));
        this.watches.push(await this.watch(this.kv.leases, (key, entry) => this.onLease(key, entry)));
        return;
      } catch (err) {
        // JetStream may still be starting right after a server restart.
        if (attempt % 10 === 0) this.log.warn({ err: (err as Error).message, attempt }, 'KV watch restart failed; retrying');
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  /** Stops renewing and watching without telling anyone: the in-process stand-in for kill -9. */
  abandon(): void {
    clearTimeout(this.renewTimer);
    this.renewTimer = undefined;
    for (const w of this.watches) w.stop();
    this.lost = true;
  }

  private decodeLease(key: string, entry: KvEntry): LeaseRecord | null {
    try {
      return recordCodecs.lease.decode(entry.value);
    } catch (err) {
      this.log.warn({ key, err: (err as Error).message, code: ActorHostErrorCodes.CORRUPT_RECORD }, 'undecodable lease record; treating as released');
      return null;
    }
  }

  private onMember(key: string, entry: KvEntry): void {
    if (entry.operation !== 'PUT') return void this.members.delete(key);
    try {
      this.members.set(key, recordCodecs.member.decode(entry.value));
    } catch {
      this.members.delete(key);
    }
  }

  private onLease(key: string, entry: KvEntry): void {
    const lease = entry.operation === 'PUT' ? this.decodeLease(key, entry) : null;
    if (lease) this.leases.set(key, { lease, rev: entry.revision });
    else this.leases.delete(key);
    if (!lease || lease.hostId !== this.hostId || lease.incarnation !== this.incarnation) this.events.onLeaseChanged(key, lease, entry.revision);
  }

  private async watch(kv: KV, apply: (key: string, entry: KvEntry) => void): Promise<{ stop(): void }> {
    let ready!: () => void;
    const initialized = new Promise<void>((r) => (ready = r));
    const iter = await kv.watch({ key: '>', initializedFn: () => ready() });
    void (async () => {
      for await (const entry of iter) apply(entry.key, entry);
    })().catch((err: unknown) => this.log.error({ err }, 'kv watch ended'));
    await initialized;
    return { stop: () => iter.stop() };
  }
}
