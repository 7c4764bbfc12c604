import type { Rng } from '../rng.ts';

/**
 * Team battle (`/start teams N`): whoever joins is split into N random teams; a team's score in a
 * round is the mean of its members' scores. Pure rules only; game.ts drives the phases.
 */

export const MIN_TEAMS = 2;
export const MAX_TEAMS = 4;

/**
 * Shuffles the players (Fisher–Yates over the game's seeded RNG, so a replay splits the same way)
 * and deals them round-robin: team sizes differ by at most one.
 */
export function splitTeams(players: readonly string[], n: number, rng: Rng): string[][] {
  const shuffled = [...players];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  const teams: string[][] = Array.from({ length: n }, () => []);
  shuffled.forEach((user, i) => teams[i % n]!.push(user));
  return teams;
}

/**
 * Each team's mean over all its members. A member who missed the round, or whose answer cannot be
 * ranked (pasted, implausibly fast), scores 0 in that mean: a team never gains by a player leaving.
 */
export function teamRoundScores(teams: readonly (readonly string[])[], scores: ReadonlyMap<string, number>): number[] {
  return teams.map((members) => (members.length === 0 ? 0 : members.reduce((sum, u) => sum + (scores.get(u) ?? 0), 0) / members.length));
}

/** Indices of the teams with the best total (several when tied); none when nobody scored. */
export function leadingTeams(totals: readonly number[]): number[] {
  const best = Math.max(0, ...totals);
  if (best === 0) return [];
  return totals.flatMap((score, i) => (score === best ? [i] : []));
}
