/** Latency summaries, shared by the bench scenarios and the tester bots' summary. */

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles of `samples` (milliseconds); the array is sorted in place. */
export function percentiles(samples: number[]): Percentiles {
  if (samples.length === 0) return { p50: NaN, p95: NaN, p99: NaN, max: NaN };
  samples.sort((a, b) => a - b);
  const at = (p: number) => samples[Math.min(samples.length - 1, Math.max(0, Math.ceil((p / 100) * samples.length) - 1))]!;
  return { p50: at(50), p95: at(95), p99: at(99), max: samples[samples.length - 1]! };
}
