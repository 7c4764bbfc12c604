import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Corpus, CorpusEntry } from '../../actors/contract.ts';
import { SurfingerError } from '../../protocol/errors.ts';
import { Lang } from '../../protocol/messages.ts';

export const CorpusErrorCodes = {
  /** A corpus file is missing, not JSON, or breaks a rule in validateCorpusFile. */
  INVALID: 'SF_ERR_CORPUS_INVALID',
} as const;

const DEFAULT_DIR = fileURLToPath(new URL('../../data/corpus', import.meta.url));

/** Longest prompt: the round timer grows with length, and longer lines wrap badly in Slack. */
export const MAX_TEXT_LENGTH = 120;
export const MIN_LEVEL = 1;
export const MAX_LEVEL = 5;

/**
 * The anti-paste markers (zero/hair-width spaces, word joiner, BOM). A prompt that already held one
 * would make every honest answer look pasted, so the corpus must never contain them.
 */
const MARKER_CHARS = /[\u200A-\u200D\u2060\uFEFF]/u;
/** Korean prompts: Hangul syllables, digits and the punctuation a Korean keyboard types without IME tricks. */
const KOREAN_ALLOWED = /^[가-힣0-9 .,!?~'"()%:;·-]+$/u;
const HANGUL_SYLLABLE = /[가-힣]/gu;
const LATIN_LETTER = /[A-Za-z]/u;
/** English prompts: printable ASCII only, so every character is on a plain US keyboard. */
const ENGLISH_ALLOWED = /^[\x20-\x7E]+$/u;

const EntrySchema = z.object({
  id: z.string().regex(/^(ko|en)-\d{4}$/u),
  text: z.string(),
  level: z.number().int().min(MIN_LEVEL).max(MAX_LEVEL),
});

const CorpusFileSchema = z.object({
  version: z.literal(1),
  lang: Lang,
  entries: z.array(EntrySchema),
});

/** Names the common schema failures by field so a report reads "level", not just "schema". */
const SCHEMA_RULES: Record<string, string> = { id: 'id-pattern', level: 'level', text: 'text-type' };

export type CorpusFile = z.infer<typeof CorpusFileSchema>;

/** One broken rule. `id` is absent when the problem is with the file as a whole. */
export interface CorpusProblem {
  id?: string;
  rule: string;
  message: string;
}

/**
 * Checks a parsed corpus file against every rule and returns all problems (empty = valid), so a
 * writer fixing the data sees the whole list at once instead of one error per run.
 */
export function validateCorpusFile(json: unknown, lang: Lang): CorpusProblem[] {
  const parsed = CorpusFileSchema.safeParse(json);
  if (!parsed.success) {
    return parsed.error.issues.map((issue) => {
      const id = entryIdAt(json, issue.path);
      const rule = SCHEMA_RULES[String(issue.path.at(-1))] ?? 'schema';
      const message = `${issue.path.join('.') || '(root)'}: ${issue.message}`;
      return id === undefined ? { rule, message } : { id, rule, message };
    });
  }
  const file = parsed.data;
  const problems: CorpusProblem[] = [];
  if (file.lang !== lang) {
    problems.push({ rule: 'lang', message: `file declares lang "${file.lang}", expected "${lang}"` });
  }
  const seenIds = new Set<string>();
  const seenTexts = new Map<string, string>();
  for (const { id, text } of file.entries) {
    const broke = (rule: string, message: string): void => {
      problems.push({ id, rule, message });
    };
    if (!id.startsWith(`${lang}-`)) broke('id-lang', `id must start with "${lang}-"`);
    if (seenIds.has(id)) broke('duplicate-id', 'id appears more than once');
    seenIds.add(id);
    const firstWithText = seenTexts.get(text);
    if (firstWithText !== undefined) broke('duplicate-text', `same text as ${firstWithText}`);
    else seenTexts.set(text, id);
    for (const [rule, message] of textProblems(text, lang)) broke(rule, message);
  }
  return problems;
}

function textProblems(text: string, lang: Lang): Array<[rule: string, message: string]> {
  const found: Array<[string, string]> = [];
  const length = [...text].length;
  if (length === 0) found.push(['empty', 'text is empty']);
  if (length > MAX_TEXT_LENGTH) found.push(['too-long', `${length} characters, max ${MAX_TEXT_LENGTH}`]);
  if (MARKER_CHARS.test(text)) found.push(['marker-char', 'contains an invisible anti-paste marker character']);
  if (/[\t\n\r]/u.test(text)) found.push(['control-whitespace', 'contains a tab or line break']);
  if (text !== text.trim()) found.push(['outer-whitespace', 'leading or trailing whitespace']);
  if (text.includes('  ')) found.push(['double-space', 'two spaces in a row']);
  if (lang === 'ko') {
    if (LATIN_LETTER.test(text)) found.push(['latin-in-korean', 'Korean text contains Latin letters']);
    else if (length > 0 && !KOREAN_ALLOWED.test(text)) found.push(['korean-charset', 'character outside Hangul, digits and plain punctuation']);
    // "Mostly Hangul": jamo scoring is the point of a Korean prompt, so digits/punctuation stay a minority.
    const nonSpace = text.replace(/ /gu, '').length;
    const hangul = text.match(HANGUL_SYLLABLE)?.length ?? 0;
    if (nonSpace > 0 && hangul * 2 < nonSpace) found.push(['mostly-hangul', 'fewer than half the characters are Hangul syllables']);
  } else if (length > 0 && !ENGLISH_ALLOWED.test(text)) {
    found.push(['ascii-only', 'English text contains a non-ASCII or control character']);
  }
  return found;
}

/** Maps a zod issue path like ['entries', 3, 'level'] back to that entry's id, when it has one. */
function entryIdAt(json: unknown, path: readonly PropertyKey[]): string | undefined {
  if (path[0] !== 'entries' || typeof path[1] !== 'number') return undefined;
  const entries = (json as { entries?: unknown }).entries;
  const entry = Array.isArray(entries) ? (entries[path[1]] as { id?: unknown } | undefined) : undefined;
  return typeof entry?.id === 'string' ? entry.id : `entries[${path[1]}]`;
}

function corpusPath(dir: string, lang: Lang): string {
  return join(dir, `${lang}.json`);
}

async function readCorpusFile(dir: string, lang: Lang): Promise<CorpusFile> {
  const file = corpusPath(dir, lang);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new SurfingerError(CorpusErrorCodes.INVALID, `${file}: cannot read corpus file`, { cause, details: { file } });
  }
  const problems = validateCorpusFile(json, lang);
  const first = problems[0];
  if (first !== undefined) {
    const where = first.id === undefined ? '' : ` entry ${first.id}`;
    const more = problems.length > 1 ? ` (+${problems.length - 1} more problems)` : '';
    throw new SurfingerError(CorpusErrorCodes.INVALID, `${file}${where}: ${first.rule}: ${first.message}${more}`, {
      details: { file, id: first.id, rule: first.rule, problems },
    });
  }
  return CorpusFileSchema.parse(json);
}

/** Loads and validates every language's corpus; throws SF_ERR_CORPUS_INVALID on the first bad file. */
export async function loadCorpus(dir: string = DEFAULT_DIR): Promise<Corpus> {
  const [ko, en] = await Promise.all([readCorpusFile(dir, 'ko'), readCorpusFile(dir, 'en')]);
  return { ko: ko.entries, en: en.entries };
}

/** One entry per line keeps diffs from the weekly re-level job readable in review. */
function formatCorpusFile(file: CorpusFile): string {
  const lines = file.entries.map((entry: CorpusEntry) => `    ${JSON.stringify({ id: entry.id, text: entry.text, level: entry.level })}`);
  return `{\n  "version": ${file.version},\n  "lang": ${JSON.stringify(file.lang)},\n  "entries": [\n${lines.join(',\n')}\n  ]\n}\n`;
}

/**
 * Rewrites the levels of `lang`'s corpus (weekly re-level job). Every id must exist and the result
 * must still validate. The file is written to a temp name in the same directory, then renamed over
 * the original: rename is atomic on one filesystem, so a loader never reads a half-written corpus.
 */
export async function writeCorpusLevels(dir: string, lang: Lang, levels: Record<string, number>): Promise<void> {
  const file = await readCorpusFile(dir, lang);
  const known = new Set(file.entries.map((entry) => entry.id));
  const unknown = Object.keys(levels).filter((id) => !known.has(id));
  const target = corpusPath(dir, lang);
  if (unknown.length > 0) {
    throw new SurfingerError(CorpusErrorCodes.INVALID, `${target} entry ${unknown[0]}: unknown-id: no such entry`, {
      details: { file: target, id: unknown[0], rule: 'unknown-id', unknown },
    });
  }
  const next: CorpusFile = {
    ...file,
    entries: file.entries.map((entry) => ({ ...entry, level: levels[entry.id] ?? entry.level })),
  };
  const problems = validateCorpusFile(next, lang);
  const first = problems[0];
  if (first !== undefined) {
    throw new SurfingerError(CorpusErrorCodes.INVALID, `${target} entry ${first.id ?? '?'}: ${first.rule}: ${first.message}`, {
      details: { file: target, id: first.id, rule: first.rule, problems },
    });
  }
  const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, formatCorpusFile(next), 'utf8');
    await rename(temp, target);
  } catch (err) {
    // Leave no stray temp file behind for the next run to trip over; the fs error itself is the news.
    await rm(temp, { force: true });
    throw err;
  }
}
