import { stripMarkers } from '../../actors/markers.ts';
import type { Rng } from '../../actors/rng.ts';
import { timeLimitMs } from '../../actors/timing.ts';

/**
 * How each simulated player behaves, as pure functions of the prompt, the time limit and an
 * injected RNG: the bot runner only schedules what these return, and tests pin every persona.
 * Delays are fractions of the round's limit so a persona means the same on short and long prompts.
 */
export const PERSONAS = ['accurate', 'typo', 'fast', 'slow', 'late', 'silent', 'paster'] as const;
export type Persona = (typeof PERSONAS)[number];

export interface PlannedAnswer {
  text: string;
  /** After the prompt appeared. */
  delayMs: number;
}

/** Answer window as a fraction of the limit, per persona that answers in time. */
const WINDOWS: Record<Exclude<Persona, 'silent' | 'late'>, [from: number, to: number]> = {
  paster: [0.05, 0.1],
  fast: [0.15, 0.3],
  accurate: [0.3, 0.55],
  typo: [0.3, 0.6],
  slow: [0.65, 0.85],
};

/** A late answer lands this long after the deadline: clearly late, yet inside a short game. */
const LATE_BY_MS: [number, number] = [1_500, 3_000];

const HANGUL_FIRST = 0xac00;
const HANGUL_LAST = 0xd7a3;
// Hangul syllable = 0xAC00 + (initial · 21 + medial) · 28 + final (Unicode 3.12).
const INITIALS = 19;
const MEDIALS = 21;
const FINALS = 28;
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

function between(rng: Rng, [from, to]: readonly [number, number]): number {
  return from + rng.next() * (to - from);
}

/** A different value in [0, n). */
function other(rng: Rng, value: number, n: number): number {
  return (value + 1 + rng.int(n - 1)) % n;
}

/**
 * One keyboard slip: in a Hangul syllable one jamo slot (initial, medial or final) becomes another,
 * which the jamo scorer counts as a small edit; any other character becomes a different letter.
 */
function slip(ch: string, rng: Rng): string {
  const code = ch.charCodeAt(0);
  if (code < HANGUL_FIRST || code > HANGUL_LAST) {
    const lower = ch.toLowerCase();
    const i = LETTERS.indexOf(lower);
    return LETTERS[i < 0 ? rng.int(LETTERS.length) : other(rng, i, LETTERS.length)]!;
  }
  const offset = code - HANGUL_FIRST;
  let initial = Math.floor(offset / (MEDIALS * FINALS));
  let medial = Math.floor(offset / FINALS) % MEDIALS;
  let final = offset % FINALS;
  const slot = rng.int(3);
  if (slot === 0) initial = other(rng, initial, INITIALS);
  else if (slot === 1) medial = other(rng, medial, MEDIALS);
  else final = other(rng, final, FINALS);
  return String.fromCharCode(HANGUL_FIRST + (initial * MEDIALS + medial) * FINALS + final);
}

/** `k` slips at distinct non-space characters (fewer when the text is shorter than k). */
export function addTypos(text: string, k: number, rng: Rng): string {
  const chars = Array.from(text);
  const candidates = chars.map((ch, i) => (ch === ' ' ? -1 : i)).filter((i) => i >= 0);
  for (let n = 0; n < k && candidates.length > 0; n++) {
    const [at] = candidates.splice(rng.int(candidates.length), 1);
    chars[at!] = slip(chars[at!]!, rng);
  }
  return chars.join('');
}

/**
 * What `persona` sends for a prompt as it appeared in the channel (`shown`, markers included), or
 * null for silence. Only the paster keeps the markers, as a copy-paste would.
 */
export function planAnswer(persona: Persona, shown: string, rng: Rng): PlannedAnswer | null {
  const typed = stripMarkers(shown);
  const limit = timeLimitMs(typed);
  switch (persona) {
    case 'silent':
      return null;
    case 'late':
      return { text: typed, delayMs: Math.round(limit + between(rng, LATE_BY_MS)) };
    case 'paster':
      return { text: shown, delayMs: Math.round(limit * between(rng, WINDOWS.paster)) };
    case 'typo':
      return { text: addTypos(typed, 1 + rng.int(3), rng), delayMs: Math.round(limit * between(rng, WINDOWS.typo)) };
    default:
      return { text: typed, delayMs: Math.round(limit * between(rng, WINDOWS[persona])) };
  }
}

/** Personas for the players of one channel: round-robin from an offset so every mix appears. */
export function castPlayers(players: number, offset: number): Persona[] {
  return Array.from({ length: players }, (_, i) => PERSONAS[(offset + i) % PERSONAS.length]!);
}
