/**
 * Duels (`/duel @user [rounds]`): a challenge the opponent accepts or declines, then best-of-N
 * head to head. Pure rules only; game.ts drives the phases.
 */

export const DEFAULT_DUEL_ROUNDS = 3;
export const MAX_DUEL_ROUNDS = 9;

export interface DuelArgs {
  opponent: string;
  rounds: number;
}

/**
 * `<@U123>` or `<@U123|name>` (what Slack sends for a mention when the command escapes them),
 * then an optional round count 1–9. Null for anything else; the caller answers with the usage.
 */
export function parseDuelArgs(text: string, defaultRounds = DEFAULT_DUEL_ROUNDS): DuelArgs | null {
  const m = /^<@([A-Za-z0-9_-]{1,64})(?:\|[^>]*)?>(?:\s+(\d{1,2}))?$/.exec(text.trim());
  if (!m) return null;
  const rounds = m[2] === undefined ? defaultRounds : Number(m[2]);
  if (rounds < 1 || rounds > MAX_DUEL_ROUNDS) return null;
  return { opponent: m[1]!, rounds };
}

/**
 * The duelist who won a round, by index into `players`, or null: nobody ranked, or both share the
 * best place (a tied round gives nobody the point). `groups` are the round's standings.
 */
export function roundWinner(players: readonly [string, string], groups: readonly string[][]): 0 | 1 | null {
  const best = groups[0] ?? [];
  const a = best.includes(players[0]);
  const b = best.includes(players[1]);
  if (a === b) return null;
  return a ? 0 : 1;
}

/** The duel is over once one side leads by more than the rounds left, or every round was played. */
export function isDecided(wins: readonly [number, number], completed: number, rounds: number): boolean {
  const left = rounds - completed;
  return left <= 0 || Math.abs(wins[0] - wins[1]) > left;
}

/**
 * Who won a finished duel: more rounds won; equal rounds → the higher total score; equal totals
 * too → null, a draw.
 */
export function duelWinner(players: readonly [string, string], wins: readonly [number, number], totals: readonly [number, number]): string | null {
  if (wins[0] !== wins[1]) return wins[0] > wins[1] ? players[0] : players[1];
  if (totals[0] !== totals[1]) return totals[0] > totals[1] ? players[0] : players[1];
  return null;
}
