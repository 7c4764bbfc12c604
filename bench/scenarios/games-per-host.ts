import { performance } from 'node:perf_hooks';
import type { NatsConnection } from 'nats';
import { createGameLogic } from '../../actors/index.ts';
import { loadCorpus } from '../../services/common/corpus.ts';
import type { Subjects } from '../../protocol/index.ts';
import { channelOf, startActorBench } from '../actor-bench.ts';
import { pool } from '../pool.ts';
import { round, settledHeapUsed } from '../measure.ts';
import type { Measured, Scenario, ScenarioContext } from '../types.ts';

const GOAL_GAMES = 10_000;
const GOAL_BYTES = 5 * 1024;

/** Heap bytes per game of the pure state alone (a Map of started-game states, no runtime): the floor. */
async function bareStateBytes(count: number): Promise<number> {
  const logic = createGameLogic(await loadCorpus());
  const before = await settledHeapUsed();
  const states = new Map<string, unknown>();
  for (let i = 0; i < count; i++) {
    const { team, channel } = channelOf(i);
    const s0 = logic.initial({ team, channel }, i);
    states.set(`${team}.${channel}`, logic.step(s0, { type: 'command', user: 'U0', command: 'start', text: 'round 10 easy', lang: 'ko' }, 1_700_000_000_000).state);
  }
  const bytes = ((await settledHeapUsed()) - before) / count;
  return states.size === count ? bytes : NaN;
}

/** Writes per second into the KV buckets (stream last_seq deltas over `ms`). */
async function kvWritesPerSecond(nc: NatsConnection, subjects: Subjects, ms: number): Promise<{ leases: number; snapshots: number }> {
  const jsm = await nc.jetstreamManager();
  const seq = async (bucket: string) => (await jsm.streams.info(`KV_${bucket}`)).state.last_seq;
  const buckets = [subjects.buckets.leases, subjects.buckets.members, subjects.buckets.snapshots];
  const before = await Promise.all(buckets.map(seq));
  await new Promise((r) => setTimeout(r, ms));
  const after = await Promise.all(buckets.map(seq));
  const rate = (i: number) => ((after[i]! - before[i]!) * 1000) / ms;
  return { leases: rate(0) + rate(1), snapshots: rate(2) };
}

async function run(ctx: ScenarioContext): Promise<Measured> {
  const total = ctx.quick ? 300 : GOAL_GAMES;
  const baseline = await bareStateBytes(total);
  // Ten-round games held in their first countdown (a step of 10 minutes): every game is running,
  // and the measurement is the memory it holds, not the CPU of thousands of rounds ticking at once.
  const bench = await startActorBench({ game: { countdownStepMs: 600_000 } });
  try {
    const start = await settledHeapUsed();
    const steps = 5;
    const points: Array<[number, number]> = [[0, 0]];
    let started = 0;
    let failed = 0;
    const t0 = performance.now();
    for (let k = 1; k <= steps; k++) {
      const upTo = Math.round((total * k) / steps);
      await pool(upTo - started, 64, (i) =>
        bench.startGame(channelOf(started + i).team, channelOf(started + i).channel, 'U0', 'round 10 easy').catch(() => {
          failed++;
        }),
      );
      started = upTo;
      points.push([started, ((await settledHeapUsed()) - start) / 2 ** 20]);
      ctx.log(`${started} games started (${failed} failed), heap +${points[points.length - 1]![1].toFixed(1)} MiB`);
    }
    const startRate = (started * 1000) / (performance.now() - t0);
    const held = bench.host.host.stats;
    // The slope from the first checkpoint on: connection buffers, caches and JIT code are paid once.
    const [first, last] = [points[1]!, points[points.length - 1]!];
    const perGame = ((last[1] - first[1]) * 2 ** 20) / (last[0] - first[0]);
    const kv = await kvWritesPerSecond(bench.nc, bench.subjects, ctx.quick ? 2_000 : 5_000);
    const measured = { label: 'heap per game on the host', value: round(perGame), unit: 'bytes' };
    const base = { label: 'bare game state', value: round(baseline), unit: 'bytes' };
    return {
      measured,
      baseline: base,
      ratio: perGame / baseline,
      figures: [
        measured,
        base,
        { label: 'games held', value: held.games, unit: 'games' },
        { label: 'games running', value: held.running, unit: 'games' },
        { label: 'lease + membership KV writes', value: round(kv.leases, 1), unit: 'ops/s' },
        { label: 'snapshot KV writes while holding', value: round(kv.snapshots), unit: 'ops/s' },
        { label: 'game starts', value: round(startRate), unit: 'games/s' },
      ],
      goal: { text: `≥ ${GOAL_GAMES.toLocaleString('en-US')} games, < ${GOAL_BYTES / 1024} KB each`, pass: held.games >= GOAL_GAMES && perGame < GOAL_BYTES },
      notes: [
        'games are running (started, first countdown); heap measured after full GCs in the same process; includes the client and egress stand-in (a few bytes per game), so it slightly overstates the host',
        'membership is one key renewed every TTL/3 per host, however many actors it holds; snapshot writes follow game steps (none while games wait)',
        ...(failed > 0 ? [`${failed} game starts failed`] : []),
      ],
      charts: [{ file: 'games-vs-memory.svg', title: 'host heap vs active games', xLabel: 'active games (running)', yLabel: 'heap growth, MiB', series: [{ name: 'actor host', points }] }],
    };
  } finally {
    await bench.stop({ crash: true });
  }
}

export const gamesPerHost: Scenario = {
  name: 'games-per-host',
  description: 'active games one actor host holds, heap bytes per game, and the lease/KV writes per second it needs',
  cheap: false,
  run,
};
