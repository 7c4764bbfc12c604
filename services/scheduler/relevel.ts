import type { CorpusEntry } from '../../actors/contract.ts';
import type { Lang } from '../../protocol/index.ts';
import { loadCorpus, MAX_LEVEL, MIN_LEVEL, writeCorpusLevels } from '../common/corpus.ts';
import type { RankingReads } from '../ranking/reads.ts';

/**
 * Weekly re-level of prompt difficulty from real play.
 * 1. Only prompts with at least `minSample` ranked answers take part (a few lucky answers prove nothing).
 * 2. They are sorted by average accuracy, lowest first, and spread evenly over the levels: the
 *    lowest accuracy's target is level 5 (hardest), the highest's level 1. With fewer than two
 *    sampled prompts there is nothing to compare, so nothing moves.
 * 3. A prompt moves one level per week toward its target, so authored levels drift with evidence
 *    instead of jumping on one week's play.
 */

export interface RelevelMove {
  id: string;
  from: number;
  to: number;
  avgAccuracy: number;
  answers: number;
}

export function planRelevel(entries: readonly CorpusEntry[], stats: ReadonlyMap<string, { answers: number; avgAccuracy: number }>, minSample: number): RelevelMove[] {
  const sampled = entries
    .map((entry) => ({ entry, stat: stats.get(entry.id) }))
    .filter((x): x is { entry: CorpusEntry; stat: { answers: number; avgAccuracy: number } } => x.stat !== undefined && x.stat.answers >= minSample)
    .sort((a, b) => a.stat.avgAccuracy - b.stat.avgAccuracy || a.entry.id.localeCompare(b.entry.id));
  const moves: RelevelMove[] = [];
  if (sampled.length < 2) return moves;
  sampled.forEach(({ entry, stat }, i) => {
    const target = MAX_LEVEL - Math.round((i * (MAX_LEVEL - MIN_LEVEL)) / (sampled.length - 1));
    const to = entry.level + Math.sign(target - entry.level);
    if (to !== entry.level) moves.push({ id: entry.id, from: entry.level, to, avgAccuracy: Math.round(stat.avgAccuracy * 10) / 10, answers: stat.answers });
  });
  return moves;
}

export interface RelevelReport {
  sampled: Record<Lang, number>;
  moved: Record<Lang, RelevelMove[]>;
}

export async function runRelevel(store: RankingReads, corpusDir: string, minSample: number): Promise<RelevelReport> {
  const corpus = await loadCorpus(corpusDir);
  const report: RelevelReport = { sampled: { ko: 0, en: 0 }, moved: { ko: [], en: [] } };
  for (const lang of ['ko', 'en'] as const) {
    const stats = await store.promptStats(lang);
    report.sampled[lang] = corpus[lang].filter((e) => (stats.get(e.id)?.answers ?? 0) >= minSample).length;
    const moves = planRelevel(corpus[lang], stats, minSample);
    report.moved[lang] = moves;
    if (moves.length > 0) await writeCorpusLevels(corpusDir, lang, Object.fromEntries(moves.map((m) => [m.id, m.to])));
  }
  return report;
}
