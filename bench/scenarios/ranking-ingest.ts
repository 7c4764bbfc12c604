import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import { connectRedis } from '../../services/common/redis.ts';
import { AckPolicy, DeliverPolicy, type NatsConnection } from 'nats';
import { codecs, createSubjects, unpack, type RoundResult, type Subjects } from '../../protocol/index.ts';
import { ensureStreams } from '../../services/common/jetstream.ts';
import { startNatsServer, startRedisServer } from '../../services/local/local-infra.ts';
import { createLogger } from '../../services/common/logger.ts';
import { connectNats } from '../../services/common/nats.ts';
import { start as startRanking } from '../../services/ranking/service.ts';
import { openRankingReads, type RankingReads } from '../../services/ranking/reads.ts';
import { sampleRoundResult } from '../fixtures.ts';
import { round } from '../measure.ts';
import type { Figure, Measured, Scenario, ScenarioContext } from '../types.ts';

const run = promisify(execFile);

/** Fills a stream with `count` distinct round results before anyone consumes them. */
async function backlog(nc: NatsConnection, subjects: Subjects, count: number, runId: string): Promise<void> {
  await ensureStreams(nc, subjects);
  const js = nc.jetstream();
  for (let i = 0; i < count; i += 256) {
    await Promise.all(
      Array.from({ length: Math.min(256, count - i) }, (_, k) => {
        const result = sampleRoundResult(i + k, runId);
        return js.publish(subjects.results(result.team, result.channel), codecs.result.encode(result), { msgID: result.resultId });
      }),
    );
  }
}

/** Ranking's own progress: the live generation's checkpoint (written with the data) reached the stream's end. */
async function waitApplied(store: RankingReads, lastSeq: number): Promise<void> {
  while ((await store.checkpoint()) < lastSeq) await new Promise((r) => setTimeout(r, 5));
}

/**
 * The baseline: what ingest costs with no product logic at all — one message at a time in stream
 * order (like the ranking consumer), a pipelined ZADD per entry, then the ack.
 */
async function bareLoop(nc: NatsConnection, redis: Redis, subjects: Subjects, count: number): Promise<void> {
  const jsm = await nc.jetstreamManager();
  await jsm.consumers.add(subjects.streams.results, { durable_name: 'bare', ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All });
  const consumer = await nc.jetstream().consumers.get(subjects.streams.results, 'bare');
  const messages = await consumer.consume({ max_messages: 256 });
  let done = 0;
  for await (const m of messages) {
    const result = unpack(m.data) as RoundResult;
    const pipe = redis.pipeline();
    for (const e of result.entries) pipe.zadd(`bare:${result.team}:${result.channel}`, e.score, `${result.resultId}:${e.user}`);
    await pipe.exec();
    m.ack();
    if (++done === count) break;
  }
  messages.stop();
}

async function redisBenchmark(port: number, requests: number): Promise<Figure | string> {
  try {
    const { stdout } = await run('redis-benchmark', ['-h', '127.0.0.1', '-p', String(port), '-t', 'zadd', '-n', String(requests), '-q']);
    const rate = /ZADD: ([\d.]+) requests per second/.exec(stdout)?.[1];
    return rate ? { label: 'redis-benchmark ZADD (context)', value: round(Number(rate)), unit: 'ops/s' } : `redis-benchmark printed no ZADD rate: ${stdout.slice(0, 120)}`;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'redis-benchmark not installed' : `redis-benchmark failed: ${(err as Error).message}`;
  }
}

async function runScenario(ctx: ScenarioContext): Promise<Measured> {
  const [nats, redisServer] = await Promise.all([startNatsServer(), startRedisServer()]);
  const nc = await connectNats(nats.url, 'bench-ranking');
  const redis = connectRedis(redisServer.url);
  const count = ctx.quick ? 500 : 2_000;
  const rankingSubjects = createSubjects('benchrank');
  const bareSubjects = createSubjects('benchbare');
  try {
    ctx.log(`publishing ${count} round results to each of two streams`);
    await backlog(nc, rankingSubjects, count, 'r');
    await backlog(nc, bareSubjects, count, 'b');

    ctx.log('bare consume → pipelined ZADD → ack');
    let t0 = performance.now();
    await bareLoop(nc, redis, bareSubjects, count);
    const bareRate = (count * 1000) / (performance.now() - t0);

    ctx.log('ranking service (in-process start) draining the same backlog');
    const store = openRankingReads(redis, rankingSubjects.prefix);
    const lastSeq = (await (await nc.jetstreamManager()).streams.info(rankingSubjects.streams.results)).state.last_seq;
    const started = performance.now();
    const ranking = await startRanking({ nc, redis, subjects: rankingSubjects, log: createLogger('ranking', { level: 'silent' }), publicUrl: 'http://127.0.0.1', pageLinkSecret: 'bench-page-link-secret-0123456789abcdef' });
    // The drain is timed from start() returning: results applied meanwhile (the consumer starts
    // inside start()) are left out of the count, so the rate is of draining alone.
    t0 = performance.now();
    const startMs = t0 - started;
    const appliedAtStart = await store.checkpoint();
    let drainMs: number;
    try {
      await waitApplied(store, lastSeq);
      drainMs = performance.now() - t0;
    } finally {
      await ranking.stop();
    }
    const rankingRate = ((lastSeq - appliedAtStart) * 1000) / drainMs;
    const applied = await store.appliedCount();
    if (applied !== count) throw new Error(`ranking applied ${applied} of ${count} results`);

    const context = await redisBenchmark(redisServer.port, ctx.quick ? 10_000 : 100_000);
    const measured = { label: 'ranking service', value: round(rankingRate), unit: 'results/s' };
    const baseline = { label: 'bare consume→ZADD→ack', value: round(bareRate), unit: 'results/s' };
    const startup = { label: 'ranking start() (not timed above)', value: round(startMs), unit: 'ms' };
    const ratio = rankingRate / bareRate;
    return {
      measured,
      baseline,
      ratio,
      figures: [measured, baseline, startup, ...(typeof context === 'string' ? [] : [context])],
      goal: { text: '≥ 70% of the bare loop', pass: ratio >= 0.7 },
      notes: [
        `${count} four-player round results per variant, each applied once, in stream order`,
        'bare: one message at a time, a pipelined ZADD per entry, then the ack; timed from creating its consumer to the last ack',
        'ranking: the whole service, timed from start() returning until the checkpoint in Redis reaches the last result (results it applied during start() not counted); up to 256 results per Redis write',
        ...(typeof context === 'string' ? [context] : []),
      ],
    };
  } finally {
    redis.disconnect();
    await nc.close();
    await Promise.all([nats.stop(), redisServer.stop()]);
  }
}

export const rankingIngest: Scenario = {
  name: 'ranking-ingest',
  description: 'results/s applied to Redis by the ranking service vs a bare consume → pipelined ZADD → ack loop',
  cheap: true,
  run: runScenario,
};
