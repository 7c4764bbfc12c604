import { disassembleCompleteCharacter } from 'es-hangul';
import type { Lang } from '../protocol/messages.ts';
import type { MessageKey } from './i18n/index.ts';

/**
 * Missions twist one round, as in the original game. Each has a target transform (what must be
 * typed), a standing rule (who wins) or a condition the whole channel meets or misses. All are
 * pure functions of the round's data, so they are tested in isolation.
 *  - transforms: `reverse`, `initials-swap` (spoonerism), `consonant-replace` (one initial
 *    consonant X becomes Y everywhere — the original's ㄱ → ㅋ mission);
 *  - standings: `second-best`, `fastest-correct`;
 *  - conditions: `all-perfect` (everyone who answers reaches 100 %), `average-95` (the average
 *    accuracy reaches 95 %), announced as accomplished or failed with the result.
 */
export const MISSIONS = ['reverse', 'second-best', 'initials-swap', 'fastest-correct', 'consonant-replace', 'all-perfect', 'average-95'] as const;
export type MissionId = (typeof MISSIONS)[number];

/** The drawn parameters of a mission that has some (`consonant-replace`: X and Y). */
export interface MissionArgs {
  from: string;
  to: string;
}

export const MISSION_BANNER: Readonly<Record<MissionId, MessageKey>> = {
  reverse: 'missionReverse',
  'second-best': 'missionSecondBest',
  'initials-swap': 'missionInitialsSwap',
  'fastest-correct': 'missionFastestCorrect',
  'consonant-replace': 'missionConsonantReplace',
  'all-perfect': 'missionAllPerfect',
  'average-95': 'missionAverage',
};

export const CONDITION_MISSIONS: readonly MissionId[] = ['all-perfect', 'average-95'];
export const AVERAGE_GOAL = 95;

/** The 19 initial consonants in Unicode order (a syllable's code = base + (cho × 21 + jung) × 28 + jong). */
const CHOSEONG = ['ㄱ', 'ㄲ', 'ㄴ', 'ㄷ', 'ㄸ', 'ㄹ', 'ㅁ', 'ㅂ', 'ㅃ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅉ', 'ㅊ', 'ㅋ', 'ㅌ', 'ㅍ', 'ㅎ'];
/** What X and Y are drawn from: plain consonants (ㅇ is silent as an initial, doubles are awkward to type). */
const KO_REPLACEABLE = ['ㄱ', 'ㄴ', 'ㄷ', 'ㄹ', 'ㅁ', 'ㅂ', 'ㅅ', 'ㅈ', 'ㅊ', 'ㅋ', 'ㅌ', 'ㅍ', 'ㅎ'];
const EN_REPLACEABLE = [...'bcdfghjklmnprstvwz'];

const SYLLABLE_BASE = 0xac00;
const SYLLABLE_LAST = 0xd7a3;
/** Syllables per initial consonant: 21 vowels × 28 finals. */
const PER_CHOSEONG = 588;

function isSyllable(ch: string): boolean {
  const code = ch.charCodeAt(0);
  return code >= SYLLABLE_BASE && code <= SYLLABLE_LAST;
}

/** Swaps the initial consonant (초성) of two syllables, keeping vowels and finals. */
function swapChoseong(a: string, b: string): [string, string] {
  const ia = a.charCodeAt(0) - SYLLABLE_BASE;
  const ib = b.charCodeAt(0) - SYLLABLE_BASE;
  const choA = Math.floor(ia / PER_CHOSEONG);
  const choB = Math.floor(ib / PER_CHOSEONG);
  return [
    String.fromCharCode(SYLLABLE_BASE + choB * PER_CHOSEONG + (ia % PER_CHOSEONG)),
    String.fromCharCode(SYLLABLE_BASE + choA * PER_CHOSEONG + (ib % PER_CHOSEONG)),
  ];
}

const LETTER = /^\p{L}$/u;

/** Swaps two first letters while each position keeps its own case (Hello world → Wello horld). */
function swapLetters(a: string, b: string): [string, string] {
  const withCaseOf = (ch: string, model: string) => (model === model.toUpperCase() ? ch.toUpperCase() : ch.toLowerCase());
  return [withCaseOf(b, a), withCaseOf(a, b)];
}

/**
 * Spoonerism over word pairs (1st↔2nd, 3rd↔4th …): Korean swaps the 초성 of each word's first
 * syllable, other scripts swap the first letters. Pairs whose first characters don't fit are kept.
 */
export function swapInitials(sentence: string, lang: Lang): string {
  const words = sentence.split(' ');
  const indexes = words.map((w, i) => ({ w, i })).filter(({ w }) => w.length > 0).map(({ i }) => i);
  for (let p = 0; p + 1 < indexes.length; p += 2) {
    const i = indexes[p]!;
    const j = indexes[p + 1]!;
    const [a, restA] = [Array.from(words[i]!)[0]!, Array.from(words[i]!).slice(1).join('')];
    const [b, restB] = [Array.from(words[j]!)[0]!, Array.from(words[j]!).slice(1).join('')];
    let swapped: [string, string] | null = null;
    if (lang === 'ko' && isSyllable(a) && isSyllable(b)) swapped = swapChoseong(a, b);
    else if (lang === 'en' && LETTER.test(a) && LETTER.test(b)) swapped = swapLetters(a, b);
    if (swapped) {
      words[i] = swapped[0] + restA;
      words[j] = swapped[1] + restB;
    }
  }
  return words.join(' ');
}

export function reverseText(sentence: string): string {
  return Array.from(sentence).reverse().join('');
}

/** The initial consonant (초성) of a complete Hangul syllable, or null for anything else. */
function choseongOf(ch: string): string | null {
  return isSyllable(ch) ? (disassembleCompleteCharacter(ch)?.choseong ?? null) : null;
}

/**
 * `consonant-replace`: every syllable whose 초성 is `from` gets `to` instead, vowel and final kept
 * (ㄱ → ㅋ: 가방 → 카방, 닭 → 탉). English replaces the letter everywhere, keeping each one's case.
 */
export function replaceConsonant(sentence: string, lang: Lang, args: MissionArgs): string {
  if (lang === 'en') {
    const withCase = (ch: string) => (ch === args.from.toUpperCase() ? args.to.toUpperCase() : ch === args.from ? args.to : ch);
    return Array.from(sentence, withCase).join('');
  }
  const to = CHOSEONG.indexOf(args.to);
  if (to < 0) return sentence;
  return Array.from(sentence, (ch) => {
    if (choseongOf(ch) !== args.from) return ch;
    const rest = (ch.charCodeAt(0) - SYLLABLE_BASE) % PER_CHOSEONG;
    return String.fromCharCode(SYLLABLE_BASE + to * PER_CHOSEONG + rest);
  }).join('');
}

/** The consonants X a `consonant-replace` mission could draw for this sentence (present in it). */
export function replaceableIn(sentence: string, lang: Lang): string[] {
  if (lang === 'en') {
    const lower = sentence.toLowerCase();
    return EN_REPLACEABLE.filter((c) => lower.includes(c));
  }
  const present = new Set(Array.from(sentence, choseongOf));
  return KO_REPLACEABLE.filter((c) => present.has(c));
}

/** What Y may be for X: another replaceable consonant of the same script. */
export function replacementsFor(from: string, lang: Lang): string[] {
  return (lang === 'en' ? EN_REPLACEABLE : KO_REPLACEABLE).filter((c) => c !== from);
}

/** What the players must type for this round. */
export function missionTarget(mission: MissionId | null, sentence: string, lang: Lang, args: MissionArgs | null = null): string {
  if (mission === 'reverse') return reverseText(sentence);
  if (mission === 'initials-swap') return swapInitials(sentence, lang);
  if (mission === 'consonant-replace' && args !== null) return replaceConsonant(sentence, lang, args);
  return sentence;
}

/** A transform mission that leaves the sentence unchanged (a palindrome, one word) is no twist. */
export function missionFits(mission: MissionId, sentence: string, lang: Lang): boolean {
  if (mission === 'consonant-replace') return replaceableIn(sentence, lang).length > 0;
  if (mission === 'reverse' || mission === 'initials-swap') return missionTarget(mission, sentence, lang) !== sentence;
  return true;
}

export interface Attempt {
  accuracy: number;
  /** Pasted answers never meet a condition. */
  pasted: boolean;
}

/**
 * A condition mission's outcome over the round's answers, or null for other missions.
 *  1. Nobody answered: failed (a condition nobody tried is not met).
 *  2. `all-perfect`: every answer is 100 % and typed by hand.
 *  3. `average-95`: the mean accuracy (a pasted answer counts 0) is at least AVERAGE_GOAL.
 */
export function conditionOutcome(mission: MissionId | null, attempts: readonly Attempt[]): { met: boolean; average: number } | null {
  if (mission === null || !CONDITION_MISSIONS.includes(mission)) return null;
  const average = attempts.length === 0 ? 0 : Math.floor(attempts.reduce((sum, a) => sum + (a.pasted ? 0 : a.accuracy), 0) / attempts.length);
  if (attempts.length === 0) return { met: false, average };
  const met = mission === 'all-perfect' ? attempts.every((a) => a.accuracy === 100 && !a.pasted) : average >= AVERAGE_GOAL;
  return { met, average };
}

export interface Contender {
  user: string;
  score: number;
  accuracy: number;
  elapsedMs: number;
  /** False for pasted or implausibly fast answers: never ranked. */
  eligible: boolean;
}

/**
 * Standing under a mission: groups of users, best group first; users in one group are tied.
 * Users missing from every group are unranked.
 *  1. Plain rounds (and the transform missions, already scored against their target): score, high first.
 *  2. second-best: the second-highest distinct score first, then the best, then the rest in order;
 *     with a single distinct score, that group wins.
 *  3. fastest-correct: only 100% answers, the fastest first.
 */
export function standings(mission: MissionId | null, contenders: readonly Contender[]): string[][] {
  const eligible = contenders.filter((c) => c.eligible);
  if (mission === 'fastest-correct') return groupBy(eligible.filter((c) => c.accuracy === 100), (c) => c.elapsedMs, 'asc');
  const byScore = groupBy(eligible, (c) => c.score, 'desc');
  if (mission === 'second-best' && byScore.length >= 2) return [byScore[1]!, byScore[0]!, ...byScore.slice(2)];
  return byScore;
}

function groupBy(items: readonly Contender[], key: (c: Contender) => number, order: 'asc' | 'desc'): string[][] {
  const sorted = [...items].sort((x, y) => (order === 'asc' ? key(x) - key(y) : key(y) - key(x)));
  const groups: string[][] = [];
  let last: number | undefined;
  for (const c of sorted) {
    const k = key(c);
    if (groups.length > 0 && k === last) groups[groups.length - 1]!.push(c.user);
    else groups.push([c.user]);
    last = k;
  }
  return groups;
}

/** Competition ranking (1, 1, 3 …) from standings; null for unranked users. */
export function ranksOf(groups: readonly string[][]): Map<string, number> {
  const ranks = new Map<string, number>();
  let place = 1;
  for (const group of groups) {
    for (const user of group) ranks.set(user, place);
    place += group.length;
  }
  return ranks;
}
