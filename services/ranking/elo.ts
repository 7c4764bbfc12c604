/**
 * Duel ratings (Elo). Every player starts at INITIAL_RATING; after a rated duel each moves by
 * K × (result − expected), expected = 1 / (1 + 10^((theirs − mine) / 400)), result 1 / ½ / 0.
 * Ratings are kept whole: the change is rounded once and applied with opposite signs, so the pair's
 * sum never drifts.
 */
export const INITIAL_RATING = 1000;
export const K_FACTOR = 32;

export function expectedScore(mine: number, theirs: number): number {
  return 1 / (1 + 10 ** ((theirs - mine) / 400));
}

/** New ratings of A and B; `resultA` is 1 (A won), 0.5 (draw) or 0 (B won). */
export function rateDuel(a: number, b: number, resultA: 0 | 0.5 | 1): [number, number] {
  const change = Math.round(K_FACTOR * (resultA - expectedScore(a, b)));
  return [a + change, b - change];
}
