import { performance } from 'node:perf_hooks';
import { Rng } from '../../actors/rng.ts';
import { planAnswer, type Persona } from '../../services/bots/personas.ts';
import { channelOf, startActorBench } from '../actor-bench.ts';
import { pool } from '../pool.ts';
import { percentiles, type Percentiles } from '../percentiles.ts';
import { round } from '../measure.ts';
import { requestReplyOp } from './nats-baseline.ts';
import type { Figure, Measured, Scenario, ScenarioContext } from '../types.ts';

const PLAYERS: readonly Persona[] = ['fast', 'accurate', 'typo', 'slow'];
const GOAL_GAMES = 1_000;
const GOAL_P99_MS = 10;
const REPLAY_MS = 10_000;

interface Level {
  games: number;
  /** Games whose prompt went out within the wait; the rest never opened a round to answer. */
  posted: number;
  actor: Percentiles;
  raw: Percentiles;
  answers: number;
  errors: number;
  /** Answers per second while the rounds were open. */
  rate: number;
}

/**
 * `games` concurrent normal games on one host; each of 4 players answers its prompt when their
 * persona would (a fraction of the time limit after the prompt went out): an open loop at the
 * arrival rate real players produce. Latency = answer request → the actor's reply, which is sent
 * after the answer was scored and its snapshot committed. The same send times are then replayed
 * (the first 10 s of them) against a bare NATS responder: the baseline is that arrival pattern
 * with no actor behind it.
 */
async function level(games: number, ctx: ScenarioContext, seed: number): Promise<Level> {
  // A short countdown: it only delays the part being measured, and the suite has a time budget.
  const bench = await startActorBench({ game: { countdownStepMs: 100 } });
  try {
    const rng = new Rng(seed);
    const latencies: number[] = [];
    const sendTimes: number[] = [];
    const pending: Array<Promise<void>> = [];
    let errors = 0;
    let seq = 0;
    bench.onPrompt((team, channel, prompt) => {
      PLAYERS.forEach((persona, p) => {
        const plan = planAnswer(persona, prompt.shown, rng);
        if (plan === null) return;
        pending.push(
          new Promise<void>((resolve) => {
            setTimeout(() => {
              const t0 = performance.now();
              sendTimes.push(t0);
              bench
                .say(team, channel, `U${p}`, plan.text, ++seq)
                .then(
                  () => latencies.push(performance.now() - t0),
                  () => errors++,
                )
                .finally(resolve);
            }, Math.max(0, prompt.at + plan.delayMs - performance.now()));
          }),
        );
      });
    });
    ctx.log(`${games} games: starting`);
    await pool(games, 64, (i) => bench.startGame(channelOf(i).team, channelOf(i).channel, 'U0', 'normal easy'));
    const posted = await bench.waitForPrompts(games, 30_000 + games * 4);
    await Promise.all(pending);
    sendTimes.sort((a, b) => a - b);
    const spanMs = sendTimes[sendTimes.length - 1]! - sendTimes[0]!;
    ctx.log(`${games} games: ${latencies.length} answers over ${Math.round(spanMs)} ms; replaying the send times against raw NATS`);
    const raw = await requestReplyOp(bench.nats.url);
    const rawLatencies: number[] = [];
    try {
      const origin = sendTimes[0]!;
      const start = performance.now();
      // The first 10 s of arrivals are enough for the baseline's percentiles and keep the suite in budget.
      await Promise.all(
        sendTimes.filter((t) => t - origin <= REPLAY_MS).map(
          (t, i) =>
            new Promise<void>((resolve) => {
              setTimeout(() => {
                const t0 = performance.now();
                void raw.op(i).then(() => rawLatencies.push(performance.now() - t0), () => undefined).finally(resolve);
              }, Math.max(0, start + (t - origin) - performance.now()));
            }),
        ),
      );
    } finally {
      await raw.close();
    }
    return { games, posted, actor: percentiles(latencies), raw: percentiles(rawLatencies), answers: latencies.length, errors, rate: (sendTimes.length * 1000) / Math.max(1, spanMs) };
  } finally {
    await bench.stop();
  }
}

async function run(ctx: ScenarioContext): Promise<Measured> {
  const sizes = ctx.quick ? [20, 100] : [100, GOAL_GAMES, 5_000];
  const levels: Level[] = [];
  for (const [i, games] of sizes.entries()) levels.push(await level(games, ctx, 1_000 + i));
  const goalLevel = levels.find((l) => l.games === GOAL_GAMES) ?? levels[levels.length - 1]!;
  const figures: Figure[] = levels.flatMap((l) => [
    { label: `${l.games} games p50`, value: round(l.actor.p50, 2), unit: 'ms' },
    { label: `${l.games} games p95`, value: round(l.actor.p95, 2), unit: 'ms' },
    { label: `${l.games} games p99`, value: round(l.actor.p99, 2), unit: 'ms' },
    { label: `${l.games} games raw NATS p99 (same send times)`, value: round(l.raw.p99, 2), unit: 'ms' },
    { label: `${l.games} games: prompts posted`, value: l.posted, unit: `of ${l.games}` },
    { label: `${l.games} games answers (errors ${l.errors})`, value: l.answers, unit: 'answers' },
    { label: `${l.games} games answer rate`, value: round(l.rate), unit: 'answers/s' },
  ]);
  const measured = { label: `p99 at ${goalLevel.games} games`, value: round(goalLevel.actor.p99, 2), unit: 'ms' };
  const baseline = { label: 'raw NATS p99, same arrivals', value: round(goalLevel.raw.p99, 2), unit: 'ms' };
  const errors = levels.reduce((n, l) => n + l.errors + (l.games - l.posted), 0);
  return {
    measured,
    baseline,
    ratio: goalLevel.actor.p99 / goalLevel.raw.p99,
    figures: [measured, baseline, ...figures],
    goal: { text: `p99 < ${GOAL_P99_MS} ms at ${GOAL_GAMES.toLocaleString('en-US')} games, every round opened, 0 errors`, pass: goalLevel.games === GOAL_GAMES && goalLevel.actor.p99 < GOAL_P99_MS && errors === 0 },
    notes: [
      'easy normal games, 4 players per game (fast, accurate, typo, slow personas) answer once per round; each answer is scored and its snapshot committed to JetStream KV before the reply',
      ...(ctx.quick ? ['quick run: the 1,000-game goal level was not run'] : []),
    ],
    charts: [
      {
        file: 'latency-vs-concurrency.svg',
        title: 'answer → scored latency vs concurrent games',
        xLabel: 'concurrent games on one host',
        yLabel: 'ms',
        series: [
          { name: 'p50', points: levels.map((l) => [l.games, l.actor.p50]) },
          { name: 'p95', points: levels.map((l) => [l.games, l.actor.p95]) },
          { name: 'p99', points: levels.map((l) => [l.games, l.actor.p99]) },
          { name: 'raw NATS p99', points: levels.map((l) => [l.games, l.raw.p99]) },
        ],
      },
    ],
  };
}

export const answerLatency: Scenario = {
  name: 'answer-latency',
  description: 'answer → scored in-cluster latency p50/p95/p99 at 100, 1,000 and 5,000 concurrent games on one host',
  cheap: false,
  // 5,000 games take a while to start on 2 shared cores; the suite total stays under 10 minutes.
  timeoutMs: 300_000,
  run,
};
