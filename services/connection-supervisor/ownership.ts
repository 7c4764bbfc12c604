import { liveMembers, ownerOf, type Heartbeat } from './sharding.ts';

/**
 * The supervisor's decisions, pure: who is a member, which units this replica owns, and what a
 * reconcile opens, hands off and closes. Time comes in as `now` (ownership.test.ts drives it by
 * hand); membership.ts, opener.ts and service.ts do the I/O around them.
 *
 * There is no idle expiry on purpose: with Socket Mode, slash commands arrive over the socket too,
 * so a team whose socket were closed could not even type `/start`. A unit closes only when it is
 * no longer wanted (its team removed) or no longer ours (handed off).
 */

/** A heartbeat this many periods late asks "dead or slow?" (membership.ts probes it). */
export const LATE_BEATS = 3;
/** A unit we no longer own stays open this many heartbeats, so its new owner connects first. */
export const HANDOFF_OVERLAP_BEATS = 2;

/** Our own heartbeat came this late: our event loop (or CPU) stalled, so others' beats only look old. */
export function isLagging(lastBeat: number, started: number, heartbeatMs: number): boolean {
  return lastBeat !== 0 && started - lastBeat > LATE_BEATS * heartbeatMs;
}

/** Members other than us whose heartbeat is late but not yet past the TTL: ask them whether they live. */
export function lateMembers(beats: readonly Heartbeat[], self: string, now: number, heartbeatMs: number, ttlMs: number): string[] {
  return beats.filter((b) => b.id !== self && now - b.at > LATE_BEATS * heartbeatMs && now - b.at < ttlMs).map((b) => b.id);
}

export interface MembersInput {
  self: string;
  /** Heartbeats as we heard them (timed by our clock, so skew between machines cannot matter). */
  beats: readonly Heartbeat[];
  /** Members proven dead (no responders): out at once, whatever their last beat. */
  gone: ReadonlySet<string>;
  previous: readonly string[];
  /** Whether we still hold a heartbeat of this member at all. */
  heard: (member: string) => boolean;
  lagging: boolean;
  now: number;
  ttlMs: number;
}

/**
 * The live member list after one heartbeat: members heard within the TTL and not proven dead,
 * always us; while we lag, this round may add members but never declares one dead.
 */
export function nextMembers(input: MembersInput): string[] {
  const { self, gone } = input;
  const next = liveMembers(input.beats.filter((b) => !gone.has(b.id)), input.now, input.ttlMs);
  if (!next.includes(self)) next.push(self);
  if (input.lagging) for (const m of input.previous) if (!next.includes(m) && !gone.has(m) && input.heard(m)) next.push(m);
  return next.sort();
}

/** `ownerOf` over the current member list, memoised (a sha256 per member) until the list changes. */
export class Ownership {
  private members: readonly string[];
  private readonly owners = new Map<string, string | null>();

  constructor(readonly self: string) {
    this.members = [self];
  }

  get live(): readonly string[] {
    return this.members;
  }

  /** Sets the member list; true when it changed (every unit's owner is then computed afresh). */
  setMembers(next: readonly string[]): boolean {
    if (next.join(',') === this.members.join(',')) {
      this.members = next;
      return false;
    }
    this.members = next;
    this.owners.clear();
    return true;
  }

  owns(unit: string): boolean {
    let owner = this.owners.get(unit);
    if (owner === undefined) {
      owner = ownerOf(unit, this.members);
      this.owners.set(unit, owner);
    }
    return owner === this.self;
  }
}

export interface HeldView {
  /** When we learned another replica owns this unit (null while it is ours). */
  leavingSince: number | null;
}

export interface ReconcilePlan {
  /** Owned, wanted, not in a failure backoff: queue an open (the opener skips what it holds). */
  open: string[];
  /** Failure records of units no longer wanted. */
  forget: string[];
  /** Held units: the new `leavingSince` of each. */
  leaving: Array<[string, number | null]>;
  close: Array<{ unit: string; why: 'removed' | 'handoff' }>;
}

/**
 * One reconcile, decided:
 * 1. open every wanted unit we own whose last failed open is past its backoff;
 * 2. forget failures of units nobody wants any more;
 * 3. close held units nobody wants (a removed team); a held unit we no longer own is marked leaving
 *    and closed once it has been leaving for `overlapMs`, so the new owner connects first; a unit
 *    that is ours again stops leaving.
 */
export function planReconcile(input: {
  wanted: ReadonlySet<string>;
  held: ReadonlyMap<string, HeldView>;
  failedUntil: ReadonlyMap<string, { until: number }>;
  owns: (unit: string) => boolean;
  now: number;
  overlapMs: number;
}): ReconcilePlan {
  const { wanted, owns, now } = input;
  const plan: ReconcilePlan = { open: [], forget: [], leaving: [], close: [] };
  for (const unit of wanted) {
    const failed = input.failedUntil.get(unit);
    if (owns(unit) && (!failed || failed.until <= now)) plan.open.push(unit);
  }
  for (const unit of input.failedUntil.keys()) if (!wanted.has(unit)) plan.forget.push(unit);
  for (const [unit, h] of input.held) {
    if (!wanted.has(unit)) {
      plan.close.push({ unit, why: 'removed' });
    } else if (!owns(unit)) {
      const since = h.leavingSince ?? now;
      plan.leaving.push([unit, since]);
      if (now - since >= input.overlapMs) plan.close.push({ unit, why: 'handoff' });
    } else {
      plan.leaving.push([unit, null]);
    }
  }
  return plan;
}
