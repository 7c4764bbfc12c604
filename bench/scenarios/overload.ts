import { setTimeout as sleep } from 'node:timers/promises';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Rng } from '../../actors/rng.ts';
import { PlacementErrorCodes } from '../../protocol/index.ts';
import { startRedisServer, type RedisServer } from '../../services/local/local-infra.ts';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { channelOf, startActorBench, type ActorBench } from '../actor-bench.ts';
import { Players } from '../players.ts';
// The same load as answer-latency's goal level (ramp, settle, window, ten-round games), so the two read alike.
import { GOAL_GAMES, RAMP_MS, SETTLE_MS, START_TEXT, WINDOW_MS } from './answer-latency.ts';
import { percentiles, type Percentiles } from '../../services/common/percentiles.ts';
import { round } from '../measure.ts';
import type { EdgeAnswer, EdgeStart } from '../edge-worker.ts';
import type { Figure, Measured, Scenario, ScenarioContext } from '../types.ts';

/** Offered to one host whose budget is GOAL_GAMES (the same-run baseline runs that many without a budget): five times what it may take. */
const OFFERED = 5_000;
const GOAL_RATIO = 2;
/** --quick: a fifth of the scale (the reduced run for a shared machine), with a window long enough for a p99. */
const QUICK_BASE = 200;
const QUICK_WINDOW_MS = 8_000;
/**
 * A refused player tries `/start` again after this long: "try again in a minute" compressed 4×, so
 * refusals keep arriving during the measured window (4,000 refused channels: ~270 starts/s), not
 * only during the ramp.
 */
const RETRY_MS = 15_000;

interface Level {
  offered: number;
  budget: number | null;
  /** Channels whose game is running at the end (prompts posted). */
  admitted: number;
  /** `/start` answers that were the busy text, retries included. */
  busy: number;
  /** Channels left without a game whose last `/start` answer was not "busy" (an error, "unavailable", "too slow"). */
  other: number;
  /** Refusals the host counted (sf_admission_refused_total, SF_ERR_CLUSTER_FULL). */
  refusedCounted: number;
  runningMax: number;
  /** Actors in memory at the end, idle ones included (activated for a start that was then refused). */
  actors: number;
  answers: Percentiles;
  answered: number;
  answerErrors: number;
  fenced: number;
  renewFailures: number;
  loopDelay: Percentiles;
}

async function hostMetric(bench: ActorBench, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await bench.host.registry.getSingleMetric(name)?.get();
  return (m?.values ?? []).filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((sum, v) => sum + v.value, 0);
}

/**
 * `offered` channels start a ten-round game at random moments over RAMP_MS, each `/start` through
 * the real SlackRouter (bench/edge-worker.ts, as ingress and the supervisor answer it), against one
 * host with `budget`.
 * A refused channel tries again every RETRY_MS until the window closes. Admitted games are played
 * by four players each (bench/players.ts); their answers in the window are the measured latency.
 */
async function level(offered: number, budget: number | null, redisServer: RedisServer, ctx: ScenarioContext, seed: number): Promise<Level> {
  const bench = await startActorBench({ game: { countdownStepMs: 100, pauseMs: 1_000 }, ...(budget === null ? {} : { maxGames: budget }) });
  const windowMs = ctx.quick ? QUICK_WINDOW_MS : WINDOW_MS;
  // tsx's loader is registered in the main thread only: the worker registers it, then loads the edge.
  const entry = new URL('../edge-worker.ts', import.meta.url).href;
  const edge = new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`, {
    eval: true,
    workerData: { natsUrl: bench.nats.url, redisUrl: redisServer.url, prefix: bench.subjects.prefix },
  });
  try {
    await once(edge, 'message');
    const rng = new Rng(seed);
    const players = new Players(bench, rng);
    let busy = 0;
    /** The last answer each channel's `/start` got: only a channel left without a game must have been told "busy". */
    const lastAnswer = new Map<number, 'admitted' | 'busy' | 'other'>();
    let stopAt = Infinity;
    let runningMax = 0;
    let pending = 0;
    edge.on('message', ({ i, outcome }: EdgeAnswer) => {
      pending--;
      lastAnswer.set(i, outcome);
      if (outcome !== 'busy') return;
      busy++;
      if (performance.now() + RETRY_MS < stopAt) setTimeout(() => start(i), RETRY_MS);
    });
    const start = (i: number): void => {
      pending++;
      edge.postMessage({ i, ...channelOf(i), text: START_TEXT } satisfies EdgeStart);
    };
    ctx.log(`${offered} games offered to a host with budget ${budget ?? 'none'}: starting over ${RAMP_MS / 1000} s`);
    for (let i = 0; i < offered; i++) setTimeout(() => start(i), rng.next() * RAMP_MS);
    const sampler = setInterval(() => (runningMax = Math.max(runningMax, bench.host.host.stats.running)), 100);
    await sleep(RAMP_MS + SETTLE_MS);
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const window = players.openWindow(windowMs);
    stopAt = window.end;
    await sleep(windowMs);
    loop.disable();
    clearInterval(sampler);
    await players.drained();
    // Every start sent has its answer before the host's count is compared with what players saw.
    for (let waited = 0; pending > 0 && waited < 15_000; waited += 20) await sleep(20);
    // Admitted = its game is running (prompts posted): under load a start's answer can miss the
    // 2.5 s reply budget ("too slow") although the game did start.
    const started = (i: number) => bench.prompts.has(`${channelOf(i).team}/${channelOf(i).channel}`);
    let admitted = 0;
    let other = 0;
    for (let i = 0; i < offered; i++) {
      if (started(i)) admitted++;
      else if (lastAnswer.get(i) !== 'busy') other++;
    }
    return {
      offered,
      budget,
      admitted,
      busy,
      other,
      refusedCounted: await hostMetric(bench, 'sf_admission_refused_total', { code: PlacementErrorCodes.CLUSTER_FULL }),
      runningMax,
      actors: bench.host.host.stats.games,
      answers: percentiles(players.windowed),
      answered: players.windowed.length,
      answerErrors: players.errors,
      fenced: await hostMetric(bench, 'sf_actor_fenced_total'),
      renewFailures: await hostMetric(bench, 'sf_lease_renew_failures_total'),
      loopDelay: { p50: loop.percentile(50) / 1e6, p95: loop.percentile(95) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
    };
  } finally {
    await edge.terminate();
    await bench.stop({ crash: true });
  }
}

async function run(ctx: ScenarioContext): Promise<Measured> {
  const base = ctx.quick ? QUICK_BASE : GOAL_GAMES;
  const offered = ctx.quick ? QUICK_BASE * (OFFERED / GOAL_GAMES) : OFFERED;
  const redisServer = await startRedisServer();
  let baseline: Level;
  let overload: Level;
  try {
    baseline = await level(base, null, redisServer, ctx, 7_001);
    overload = await level(offered, base, redisServer, ctx, 7_002);
  } finally {
    await redisServer.stop();
  }
  const levelFigures = (l: Level, name: string): Figure[] => [
    { label: `${name}: answer p50`, value: round(l.answers.p50, 2), unit: 'ms' },
    { label: `${name}: answer p99`, value: round(l.answers.p99, 2), unit: 'ms' },
    { label: `${name}: answers in the window (errors ${l.answerErrors})`, value: l.answered, unit: 'answers' },
    { label: `${name}: games admitted`, value: l.admitted, unit: `of ${l.offered}` },
    { label: `${name}: most games running at once`, value: l.runningMax, unit: l.budget === null ? 'games' : `budget ${l.budget}` },
    { label: `${name}: actors in memory at the end (idle included)`, value: l.actors, unit: 'actors' },
    { label: `${name}: event-loop delay p99 in the window`, value: round(l.loopDelay.p99, 1), unit: 'ms' },
    { label: `${name}: event-loop delay max in the window`, value: round(l.loopDelay.max, 1), unit: 'ms' },
    { label: `${name}: actors fenced by their own host`, value: l.fenced, unit: 'actors' },
    { label: `${name}: membership renewal failures`, value: l.renewFailures, unit: 'renewals' },
  ];
  const measured = { label: `admitted games' answer p99 (${overload.offered} offered, budget ${base})`, value: round(overload.answers.p99, 2), unit: 'ms' };
  const baselineFigure = { label: `answer p99 at ${base} games, no budget`, value: round(baseline.answers.p99, 2), unit: 'ms' };
  const ratio = overload.answers.p99 / baseline.answers.p99;
  const everyRefusalTold = overload.busy > 0 && overload.other === 0 && overload.refusedCounted === overload.busy;
  const noSelfFencing = overload.fenced + overload.renewFailures + baseline.fenced + baseline.renewFailures === 0;
  return {
    measured,
    baseline: baselineFigure,
    ratio,
    figures: [
      measured,
      baselineFigure,
      { label: 'refused /start answered "busy" (retries included)', value: overload.busy, unit: 'starts' },
      { label: 'channels left without a game and not told "busy"', value: overload.other, unit: 'channels' },
      { label: 'refusals counted by the host (sf_admission_refused_total)', value: overload.refusedCounted, unit: 'starts' },
      ...levelFigures(baseline, `${base} games`),
      ...levelFigures(overload, `${overload.offered} offered`),
    ].filter((f) => Number.isFinite(f.value)),
    goal: {
      text: `admitted p99 ≤ ${GOAL_RATIO}× the ${base}-game p99, budget never exceeded, every refusal answered "busy" and counted, 0 self-fencing, 0 answer errors`,
      pass:
        ratio <= GOAL_RATIO &&
        overload.runningMax <= base &&
        overload.admitted === base &&
        everyRefusalTold &&
        noSelfFencing &&
        overload.answerErrors === 0 &&
        baseline.answerErrors === 0,
    },
    notes: [
      `one host, budget SF_HOST_MAX_GAMES=${base}; ${overload.offered} channels start ten-round easy games at random moments over ${RAMP_MS / 1000} s through the real SlackRouter (in a worker thread: the edge is its own process in production); a refused channel tries again every ${RETRY_MS / 1000} s ("try again in a minute", compressed) until the window closes`,
      `latency = answers sent in a ${(ctx.quick ? QUICK_WINDOW_MS : WINDOW_MS) / 1000} s window opening ${SETTLE_MS / 1000} s after the ramp, 4 players per admitted game; the baseline is the same load of ${base} games on a host without a budget, measured in the same run`,
      ...(ctx.quick ? [`quick run: ${offered} offered to a budget of ${base}, not ${OFFERED} to ${GOAL_GAMES}`] : []),
    ],
  };
}

export const overload: Scenario = {
  name: 'overload',
  description: 'admission control: 5,000 games offered to one host with a budget of 1,000; admitted games keep their latency, refusals are told "busy"',
  cheap: false,
  timeoutMs: 300_000,
  run,
};
