/**
 * The contract between the bench runner and its scenarios. A scenario measures its subject AND a
 * baseline in the same run (machines are noisy: a ratio survives a slow laptop, a raw number does
 * not) and says itself whether its goal was met.
 */

export interface Figure {
  label: string;
  value: number;
  unit: string;
}

export interface ChartSeries {
  name: string;
  points: Array<[x: number, y: number]>;
}

/** Data for a line chart; the runner renders it to bench/results/<file>. */
export interface Chart {
  file: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: ChartSeries[];
}

export interface Goal {
  /** Human wording, e.g. "≥ 2× naive". */
  text: string;
  /** null for scenarios that only report (nats-baseline, end-to-end). */
  pass: boolean | null;
}

export interface Measured {
  /** Every figure the scenario measured, headline first. */
  figures: Figure[];
  /** The headline figure the goal is about. */
  measured: Figure;
  /** The same-run baseline it is compared with. */
  baseline: Figure;
  /** measured / baseline. */
  ratio: number;
  goal: Goal;
  notes?: string[];
  charts?: Chart[];
}

/** A dependency (service, binary) that is not there: reported honestly, never faked. */
export interface Skipped {
  skipped: string;
}

export interface ScenarioContext {
  /** Smaller sizes for a smoke test (seconds, not minutes). */
  quick: boolean;
  /** Progress lines for the operator (stderr), never part of the results. */
  log(line: string): void;
}

export interface Scenario {
  name: string;
  description: string;
  /** Runs in a few seconds with --quick and needs only nats/redis: the bench test runs these. */
  cheap: boolean;
  /** Longest the runner waits before reporting an error (default 180 s). */
  timeoutMs?: number;
  run(ctx: ScenarioContext): Promise<Measured | Skipped>;
}

export type ScenarioStatus = 'pass' | 'fail' | 'reported' | 'skipped' | 'error';

/** The ratio over repeated runs of one scenario: a pass is the median run's, not a lucky one's. */
export interface Spread {
  runs: number;
  min: number;
  median: number;
  max: number;
  /** Runs whose own goal passed (null for report-only scenarios). */
  passed: number | null;
}

export interface ScenarioResult extends Partial<Omit<Measured, 'charts'>> {
  name: string;
  description: string;
  status: ScenarioStatus;
  durationMs: number;
  /** The headline figures above are the median run's (by ratio); this is every run's ratio. */
  spread?: Spread;
  /** Why it was skipped or what failed. */
  reason?: string;
  /** Paths of the SVG charts written for this scenario. */
  charts?: string[];
}

export interface MachineInfo {
  cpuModel: string;
  cpus: number;
  memoryBytes: number;
  platform: string;
  node: string;
  natsServer: string;
  redisServer: string;
}

export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  quick: boolean;
  /** Runs of each scenario. */
  repeat: number;
  machine: MachineInfo;
  scenarios: ScenarioResult[];
}
