import { disassemble } from 'es-hangul';
import { distance as levenshtein } from 'fastest-levenshtein';
import type { Lang } from '../protocol/messages.ts';
import { hasMarkers, stripMarkers } from './markers.ts';

/**
 * The one scoring module (product card, "Accuracy — the heart of the game"): both texts become jamo
 * sequences (한 → ㅎㅏㄴ, 값 → ㄱㅏㅂㅅ) and accuracy is 1 − Levenshtein distance / prompt jamo
 * length, so a missing space or one wrong jamo costs one edit, not the rest of the sentence.
 */

export interface ScoreInput {
  /** The target text; markers in it are ignored. */
  prompt: string;
  /** What the player typed; any marker in it means pasted. */
  answer: string;
  /** From the prompt's post to the answer's arrival, as seen by the actor. */
  elapsedMs: number;
  /** Picks WPM (English) or not; inferred from the prompt when absent (any Hangul → ko). */
  lang?: Lang;
}

export interface Score {
  /** Whole percent, rounded down, 0–100. */
  accuracy: number;
  /** Jamo (keystrokes) of the answer per minute (타수). 0 when elapsedMs ≤ 0. */
  speed: number;
  /** English only: words per minute, 5 characters = 1 word. */
  wpm: number | null;
  /** accuracy² × speed with accuracy as a fraction; 0 when pasted. */
  score: number;
  /** Levenshtein distance between the jamo sequences. */
  distance: number;
  /** Jamo length of the prompt (L). */
  length: number;
  pasted: boolean;
}

const SYLLABLE_BASE = 0xac00;
const SYLLABLE_COUNT = 11_172;
const COMPAT_JAMO_FIRST = 0x3131;
const COMPAT_JAMO_LAST = 0x318e;

/**
 * Syllable → jamo table built once from es-hangul, so es-hangul stays the definition while the hot
 * loop is an array lookup instead of a per-character library call.
 */
const SYLLABLE_JAMO: readonly string[] = Array.from({ length: SYLLABLE_COUNT }, (_, i) => disassemble(String.fromCharCode(SYLLABLE_BASE + i)));
/** Standalone compound jamo (ㄳ, ㅘ …) split the way es-hangul splits them inside syllables. */
const COMPAT_JAMO: readonly string[] = Array.from({ length: COMPAT_JAMO_LAST - COMPAT_JAMO_FIRST + 1 }, (_, i) => disassemble(String.fromCharCode(COMPAT_JAMO_FIRST + i)));

const ASCII_ONLY = /^[\x00-\x7f]*$/;
const HANGUL = /[\uac00-\ud7a3\u3131-\u318e]/;

/** Jamo decomposition equal to es-hangul `disassemble` (a test checks every syllable). */
export function toJamo(text: string): string {
  if (ASCII_ONLY.test(text)) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= SYLLABLE_BASE && code < SYLLABLE_BASE + SYLLABLE_COUNT) out += SYLLABLE_JAMO[code - SYLLABLE_BASE]!;
    else if (code >= COMPAT_JAMO_FIRST && code <= COMPAT_JAMO_LAST) out += COMPAT_JAMO[code - COMPAT_JAMO_FIRST]!;
    else out += text[i]!;
  }
  return out;
}

/**
 * A round scores every answer against the same prompt, so the prompt's decomposition (markers
 * stripped) is memoised, keyed by the prompt as given.
 * Sized above the corpus (≥ 300 sentences per language) so a host running many games at once keeps
 * every prompt; bounded and cleared wholesale so a stream of unusual prompts cannot leak memory.
 */
const PROMPT_CACHE_LIMIT = 4_096;
const promptJamo = new Map<string, string>();

function cachedPromptJamo(prompt: string): string {
  let jamo = promptJamo.get(prompt);
  if (jamo === undefined) {
    if (promptJamo.size >= PROMPT_CACHE_LIMIT) promptJamo.clear();
    jamo = toJamo(stripMarkers(prompt));
    promptJamo.set(prompt, jamo);
  }
  return jamo;
}

/**
 * Levenshtein distance with the common prefix and suffix cut off first: they never change the
 * distance, and a typical answer differs from the prompt in a few places, so the quadratic part
 * runs on a short middle.
 */
export function jamoDistance(a: string, b: string): number {
  let start = 0;
  const shorter = Math.min(a.length, b.length);
  while (start < shorter && a.charCodeAt(start) === b.charCodeAt(start)) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a.charCodeAt(endA - 1) === b.charCodeAt(endB - 1)) {
    endA--;
    endB--;
  }
  if (endA === start) return endB - start;
  if (endB === start) return endA - start;
  return levenshtein(a.slice(start, endA), b.slice(start, endB));
}

export function inferLang(text: string): Lang {
  return HANGUL.test(text) ? 'ko' : 'en';
}

/** Accuracy as a whole percent, floor(100 · (1 − d/L)) in integers so 93% never prints as 92. */
export function accuracyPercent(distance: number, length: number, answerEmpty: boolean): number {
  if (length === 0) return answerEmpty ? 100 : 0;
  return Math.max(0, Math.floor((100 * (length - distance)) / length));
}

export function scoreAnswer(input: ScoreInput): Score {
  const target = cachedPromptJamo(input.prompt);
  const pasted = hasMarkers(input.answer);
  const answer = pasted ? stripMarkers(input.answer) : input.answer;
  const typed = toJamo(answer);
  const distance = jamoDistance(target, typed);
  const length = target.length;
  const fraction = length === 0 ? (typed.length === 0 ? 1 : 0) : Math.max(0, 1 - distance / length);
  const minutes = input.elapsedMs / 60_000;
  const speed = minutes > 0 ? typed.length / minutes : 0;
  const lang = input.lang ?? inferLang(target);
  const wpm = lang === 'en' ? (minutes > 0 ? Array.from(answer).length / 5 / minutes : 0) : null;
  return {
    accuracy: accuracyPercent(distance, length, typed.length === 0),
    speed,
    wpm,
    score: pasted ? 0 : fraction * fraction * speed,
    distance,
    length,
    pasted,
  };
}
