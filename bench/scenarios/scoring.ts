import { disassemble } from 'es-hangul';
import { distance } from 'fastest-levenshtein';
import { Rng } from '../../actors/rng.ts';
import { scoreAnswer } from '../../actors/scoring.ts';
import { loadCorpus } from '../../services/common/corpus.ts';
import { addTypos } from '../../services/bots/personas.ts';
import { alternatingRates, round } from '../measure.ts';
import type { Measured, Scenario, ScenarioContext } from '../types.ts';

interface Pair {
  prompt: string;
  answer: string;
}

/**
 * The obvious implementation of the product card's rule, used as the baseline: decompose both
 * texts with es-hangul on every call and take their Levenshtein distance. Same outputs, no tricks.
 */
export function naiveScore(prompt: string, answer: string, elapsedMs: number): number {
  const target = disassemble(prompt);
  const typed = disassemble(answer);
  const fraction = Math.max(0, 1 - distance(target, typed) / target.length);
  return fraction * fraction * (typed.length / (elapsedMs / 60_000));
}

/** Answers grouped by prompt, as a round delivers them: one exact, three with 1–3 typos, one half-typed. */
function roundsOf(prompts: readonly string[], rng: Rng): Pair[] {
  return prompts.flatMap((prompt) => [
    { prompt, answer: prompt },
    ...[1, 2, 3].map((k) => ({ prompt, answer: addTypos(prompt, k, rng) })),
    { prompt, answer: addTypos(prompt.slice(0, Math.ceil(prompt.length / 2)), 1, rng) },
  ]);
}

async function run(ctx: ScenarioContext): Promise<Measured> {
  const corpus = await loadCorpus();
  const rng = new Rng(20_161_001);
  const grouped = roundsOf(
    corpus.ko.map((e) => e.text),
    rng,
  );
  // Many concurrent games: consecutive answers belong to different prompts.
  const interleaved = [...grouped].sort(() => rng.next() - 0.5);
  const durationMs = ctx.quick ? 300 : 2_000;
  const elapsedMs = 9_000;
  ctx.log(`${grouped.length} Korean answers over ${corpus.ko.length} prompts, ${durationMs} ms per pipeline in alternating slices`);
  const [naive, ours, oursInterleaved] = alternatingRates(
    [
      (i) => {
        const p = grouped[i % grouped.length]!;
        return naiveScore(p.prompt, p.answer, elapsedMs);
      },
      (i) => scoreAnswer({ ...grouped[i % grouped.length]!, elapsedMs, lang: 'ko' }),
      (i) => scoreAnswer({ ...interleaved[i % interleaved.length]!, elapsedMs, lang: 'ko' }),
    ],
    { durationMs, batch: 200 },
  ) as [number, number, number];
  const measured = { label: 'scoreAnswer', value: round(ours), unit: 'calls/s' };
  const baseline = { label: 'naive disassemble+levenshtein', value: round(naive), unit: 'calls/s' };
  const ratio = ours / naive;
  return {
    measured,
    baseline,
    ratio,
    figures: [
      measured,
      baseline,
      { label: 'scoreAnswer, answers of different games interleaved', value: round(oursInterleaved), unit: 'calls/s' },
      { label: 'interleaved / naive', value: round(oursInterleaved / naive, 2), unit: '×' },
    ],
    goal: { text: '≥ 2× naive', pass: ratio >= 2 },
    notes: ['answers come five per prompt (one round), as the actor scores them; the interleaved figure defeats the prompt memo'],
  };
}

export const scoring: Scenario = {
  name: 'scoring',
  description: 'scoreAnswer() calls/s on Korean corpus sentences vs the naive es-hangul + Levenshtein pipeline',
  cheap: true,
  run,
};
