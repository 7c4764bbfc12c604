import type { HostLoad } from '../../protocol/index.ts';

/**
 * Admission control (docs/runtime.md, "Admission control"): pure rules, given what placement knows
 * of every host and `now`, so they are tested with a manual clock.
 *
 * A host's capacity is a budget of running games (`SF_HOST_MAX_GAMES`): a running game costs
 * snapshot writes, timers and answers; an idle actor costs only memory and is passivated. A host
 * without a budget (`capacity` absent) has room for any number.
 */

/** What placement knows of one host: its last report, or for this host its live counts. */
export type HostView = Pick<HostLoad, 'hostId' | 'games' | 'running' | 'draining' | 'at' | 'capacity'>;

/** Placement keeps an activation local unless another host carries clearly less (10%, at least one game). */
export function isWithinBest(mine: number, best: number): boolean {
  return mine <= best * 1.1 + 1;
}

/** True while the host may take one more game. */
export function hasRoom(host: HostView): boolean {
  return !host.draining && (host.capacity === undefined || host.running < host.capacity);
}

export type Placement = { kind: 'here' } | { kind: 'forward'; hostId: string } | { kind: 'full' };

export interface PlaceOptions {
  /** Reports older than this are ignored (the host may be gone). */
  freshMs: number;
  /**
   * A new game (a command or click in a channel with no active actor) needs room. Anything else
   * (a running game whose actor is moving, a timer, an adoption) is already admitted work and may
   * go to any live host.
   */
  newGame: boolean;
}

/**
 * Where an activation goes:
 * 1. Candidates are this host and the hosts with a fresh report, not draining and, for a new game,
 *    with room.
 * 2. No candidate: the cluster is full.
 * 3. Here, if this host is a candidate carrying about as little as the least-loaded candidate
 *    (`isWithinBest`); otherwise the least-loaded candidate.
 */
export function place(self: HostView, others: Iterable<HostView>, now: number, opts: PlaceOptions): Placement {
  const fits = (h: HostView) => !h.draining && (!opts.newGame || hasRoom(h));
  let best: HostView | null = null;
  for (const h of others) {
    if (h.hostId === self.hostId || h.at < now - opts.freshMs || !fits(h)) continue;
    if (!best || h.games < best.games) best = h;
  }
  const selfFits = fits(self);
  if (selfFits && (!best || isWithinBest(self.games, best.games))) return { kind: 'here' };
  if (best) return { kind: 'forward', hostId: best.hostId };
  return selfFits ? { kind: 'here' } : { kind: 'full' };
}

export type StartVerdict = 'admit' | 'elsewhere' | 'full';

/**
 * May an actor already active on this host start a game here? If this host has no room but
 * another has, the actor should move there (`elsewhere`); if no host has room, `full`.
 */
export function admitStart(self: HostView, others: Iterable<HostView>, now: number, freshMs: number): StartVerdict {
  if (hasRoom(self)) return 'admit';
  return place(self, others, now, { freshMs, newGame: true }).kind === 'forward' ? 'elsewhere' : 'full';
}
