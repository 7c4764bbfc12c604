import { createHash } from 'node:crypto';

/**
 * Which replica owns which team: rendezvous (highest-random-weight) hashing over the live members.
 * Every replica computes the same answer from the same member list, with no coordination; when a
 * member leaves only its teams move, and when one joins it takes about 1/N of the teams.
 */
export function ownerOf(team: string, members: readonly string[]): string | null {
  let best: string | null = null;
  let bestScore = -1n;
  for (const member of members) {
    const score = createHash('sha256').update(`${member}\u0000${team}`).digest().readBigUInt64BE(0);
    if (score > bestScore || (score === bestScore && best !== null && member < best)) {
      best = member;
      bestScore = score;
    }
  }
  return best;
}

export interface Heartbeat {
  id: string;
  at: number;
}

/** Members whose last heartbeat is younger than `ttlMs`, sorted for stable logs. */
export function liveMembers(beats: readonly Heartbeat[], now: number, ttlMs: number): string[] {
  return beats
    .filter((b) => now - b.at < ttlMs)
    .map((b) => b.id)
    .sort();
}
