/**
 * Round time limit from the original game: 5 s, plus 1/3 s per Hangul syllable and 1/5 s per
 * other character (spaces included) of what must be typed.
 */
export function timeLimitMs(target: string): number {
  let syllables = 0;
  let others = 0;
  for (const ch of target) {
    const code = ch.charCodeAt(0);
    if (code >= 0xac00 && code <= 0xd7a3) syllables++;
    else others++;
  }
  return Math.round(5_000 + (syllables * 1_000) / 3 + others * 200);
}
