/**
 * Keeping a message inside Slack's limits (services/sandbox/message-limits.ts enforces them):
 * a section's text is at most 3,000 characters and a message's blocks together hold about 12,000.
 * A message over either is refused whole (`invalid_blocks`, `msg_blocks_too_long`), so long lists
 * — a 200-player result table, a 500-player join list — are cut here, with "… and N more".
 */

/** Under Slack's 3,000 per section, with room for a closing line. */
export const SECTION_BUDGET = 2_800;
/** Lines of one list across all its sections, under Slack's ~12,000 for all blocks together. */
export const LIST_BUDGET = 7_000;
/** A list of mentions inside one sentence (winners, players) stays short. */
export const INLINE_BUDGET = 600;

export interface Fitted {
  /** Section texts, each within SECTION_BUDGET, together within the list budget. */
  chunks: string[];
  /** Lines left out at the end. */
  hidden: number;
}

/**
 * Packs lines, in order, into sections of at most `sectionBudget` characters until `listBudget`
 * is spent; what does not fit is counted in `hidden`. A single over-long line is cut, never dropped.
 */
export function fitLines(lines: readonly string[], listBudget = LIST_BUDGET, sectionBudget = SECTION_BUDGET): Fitted {
  const chunks: string[] = [];
  let current = '';
  let spent = 0;
  let i = 0;
  for (; i < lines.length; i++) {
    const line = clip(lines[i]!, sectionBudget);
    if (spent + line.length + 1 > listBudget) break;
    if (current !== '' && current.length + 1 + line.length > sectionBudget) {
      chunks.push(current);
      current = '';
    }
    current = current === '' ? line : `${current}\n${line}`;
    spent += line.length + 1;
  }
  if (current !== '') chunks.push(current);
  return { chunks, hidden: lines.length - i };
}

/** Joins items with `sep` within `budget` characters; returns the joined text and how many were left out. */
export function fitInline(items: readonly string[], sep: string, budget = INLINE_BUDGET): { text: string; hidden: number } {
  let text = '';
  let i = 0;
  for (; i < items.length; i++) {
    const next = text === '' ? items[i]! : `${text}${sep}${items[i]!}`;
    if (next.length > budget && i > 0) break;
    text = clip(next, budget);
  }
  return { text, hidden: items.length - i };
}

/** Cuts by code points so a surrogate pair or a Hangul syllable is never split. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const chars = Array.from(text);
  let out = '';
  for (const ch of chars) {
    if (out.length + ch.length > max - 1) break;
    out += ch;
  }
  return `${out}…`;
}
