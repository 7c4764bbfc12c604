import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { percentiles, type Percentiles } from '../services/common/percentiles.ts';

/** Measuring helpers shared by the scenarios, so every rate and percentile is computed one way. */

export interface LoopResult {
  ops: number;
  elapsedMs: number;
  perSecond: number;
  latencyMs: Percentiles;
}

/**
 * A closed loop: `inFlight` workers each await `op` back to back for `durationMs`, after an
 * uncounted warm-up (JIT, connection buffers). Throughput and per-op latency come from the same ops.
 */
export async function closedLoop(
  op: (i: number) => Promise<void>,
  opts: { inFlight: number; durationMs: number; warmupMs?: number; keepLatencies?: number[] },
): Promise<LoopResult> {
  let next = 0;
  const run = async (untilMs: number, latencies: number[] | null) => {
    const worker = async () => {
      while (performance.now() < untilMs) {
        const t0 = performance.now();
        await op(next++);
        latencies?.push(performance.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: opts.inFlight }, worker));
  };
  if (opts.warmupMs) await run(performance.now() + opts.warmupMs, null);
  const latencies: number[] = [];
  const start = performance.now();
  await run(start + opts.durationMs, latencies);
  const elapsedMs = performance.now() - start;
  const ops = latencies.length;
  opts.keepLatencies?.push(...latencies);
  return { ops, elapsedMs, perSecond: (ops * 1000) / elapsedMs, latencyMs: percentiles(latencies) };
}

/**
 * Closed loops over several async ops in alternating slices (A B A B …), pooled per op, so noise
 * from other processes on a shared 2-core machine lands on every contender alike.
 */
export async function alternatingLoops(ops: ReadonlyArray<(i: number) => Promise<void>>, opts: { inFlight: number; durationMs: number; slices?: number }): Promise<LoopResult[]> {
  const slices = opts.slices ?? 4;
  const sliceMs = opts.durationMs / slices;
  const pooled = ops.map(() => ({ ops: 0, elapsedMs: 0, latencies: [] as number[] }));
  for (const op of ops) await closedLoop(op, { inFlight: opts.inFlight, durationMs: Math.min(500, sliceMs) });
  for (let s = 0; s < slices; s++) {
    for (const [k, op] of ops.entries()) {
      const r = await closedLoop(op, { inFlight: opts.inFlight, durationMs: sliceMs, keepLatencies: pooled[k]!.latencies });
      pooled[k]!.ops += r.ops;
      pooled[k]!.elapsedMs += r.elapsedMs;
    }
  }
  return pooled.map((p) => ({ ops: p.ops, elapsedMs: p.elapsedMs, perSecond: (p.ops * 1000) / p.elapsedMs, latencyMs: percentiles(p.latencies) }));
}

/** Calls/s of a synchronous function, checking the clock every `batch` calls. */
function syncRate(fn: (i: number) => unknown, durationMs: number, batch: number): number {
  let sink = 0;
  let calls = 0;
  const start = performance.now();
  const end = start + durationMs;
  while (performance.now() < end) {
    for (let i = 0; i < batch; i++) if (fn(calls + i) !== undefined) sink++;
    calls += batch;
  }
  const rate = (calls * 1000) / (performance.now() - start);
  // `sink` keeps the results observable so the optimiser cannot drop the calls.
  return sink >= 0 ? rate : NaN;
}

/**
 * Rates of several synchronous functions measured in alternating slices, median per function: a
 * burst of load from another process then hits every contender instead of skewing one of them.
 */
export function alternatingRates(fns: ReadonlyArray<(i: number) => unknown>, opts: { durationMs: number; slices?: number; batch?: number }): number[] {
  const slices = opts.slices ?? 5;
  const sliceMs = opts.durationMs / slices;
  const batch = opts.batch ?? 1_000;
  const samples = fns.map(() => [] as number[]);
  // One uncounted slice each first: JIT warm-up.
  for (const fn of fns) syncRate(fn, sliceMs, batch);
  for (let s = 0; s < slices; s++) fns.forEach((fn, f) => samples[f]!.push(syncRate(fn, sliceMs, batch)));
  return samples.map((rates) => percentiles(rates).p50);
}

export function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

// Heap figures are only comparable after a full collection; a fresh context exposes `gc` even when
// node was started without --expose-gc (the bench runs through the plain CLI).
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/** Heap in use after full collections, so garbage from a previous phase is not counted. */
export async function settledHeapUsed(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    collect();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}
