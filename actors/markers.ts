import type { Rng } from './rng.ts';

/**
 * Anti-paste markers: invisible characters inserted between the prompt's characters. They look
 * like nothing on screen but travel with copy-paste, so an answer carrying any of them was pasted.
 * These five survive Slack's message text (the original SurFinger used the same family).
 */
export const MARKERS = ['\u200B', '\u200C', '\u200D', '\u2060', '\u200A'] as const;

const ANY_MARKER = /[\u200B\u200C\u200D\u2060\u200A]/;
const ALL_MARKERS = /[\u200B\u200C\u200D\u2060\u200A]/g;

/**
 * Puts one random marker in every gap between two characters (code points), so even a partial
 * copy of two adjacent characters carries one.
 */
export function insertMarkers(text: string, rng: Rng): string {
  const chars = Array.from(text);
  let out = chars[0] ?? '';
  for (let i = 1; i < chars.length; i++) out += MARKERS[rng.int(MARKERS.length)] + chars[i]!;
  return out;
}

export function hasMarkers(text: string): boolean {
  return ANY_MARKER.test(text);
}

export function stripMarkers(text: string): string {
  return hasMarkers(text) ? text.replace(ALL_MARKERS, '') : text;
}
