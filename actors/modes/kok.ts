/**
 * King of the Keyboard: survival rounds. Pure rules only; game.ts drives the phases.
 */

/** Typed during the join phase instead of pressing the button (compared trimmed, lower-cased). */
export const JOIN_WORDS: readonly string[] = ['join', '참가', '참여'];

export function isJoinWord(text: string): boolean {
  return JOIN_WORDS.includes(text.trim().toLowerCase());
}

export interface Elimination {
  eliminated: string[];
  missed: string[];
  /** Nobody still standing answered: the game ends without a king. */
  everyoneMissed: boolean;
}

/**
 * Who leaves after a round:
 *  1. Every standing player without an answer (missed) is out.
 *  2. Of those who answered, the bottom group is out: answers that cannot be ranked (pasted,
 *     implausibly fast, not 100% under fastest-correct) if any, else the lowest ranked group (ties
 *     leave together).
 *  3. If that bottom group is everyone who answered (all tied), nobody is out by score, so a round
 *     never eliminates all of its answerers.
 *  4. If nobody answered, nobody is eliminated and `everyoneMissed` ends the game (an idle channel
 *     would otherwise loop until the round cap).
 */
export function eliminate(standing: readonly string[], answered: readonly string[], groups: readonly string[][]): Elimination {
  const answeredSet = new Set(answered);
  const missed = standing.filter((u) => !answeredSet.has(u));
  if (answered.length === 0) return { eliminated: [], missed, everyoneMissed: true };
  const ranked = new Set(groups.flat());
  const unranked = answered.filter((u) => !ranked.has(u));
  const bottom = unranked.length > 0 ? unranked : (groups[groups.length - 1] ?? []);
  const byScore = bottom.length < answered.length ? bottom : [];
  const out = new Set([...missed, ...byScore]);
  return { eliminated: standing.filter((u) => out.has(u)), missed, everyoneMissed: false };
}
