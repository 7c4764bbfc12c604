import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { lineChart } from './svg.ts';
import type { BenchReport, Figure, MachineInfo, Measured, Scenario, ScenarioResult, Spread } from './types.ts';

const run = promisify(execFile);

export const DEFAULT_RESULTS_DIR = fileURLToPath(new URL('./results', import.meta.url));

export interface RunOptions {
  scenarios: readonly Scenario[];
  quick: boolean;
  /** Where latest.json and the SVG charts go. */
  resultsDir: string;
  /** An extra copy of the JSON report (`--json <file>`). */
  jsonPath?: string;
  /** Progress lines (stderr in the CLI). */
  log(line: string): void;
  /** Overrides every scenario's own timeout (a scenario still running is reported as an error). */
  scenarioTimeoutMs?: number;
  /** Runs per scenario (default 1); the report keeps the median run by ratio and the spread. */
  repeat?: number;
}

async function version(bin: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(bin, args);
    return (stdout.trim().split('\n')[0] ?? 'unknown').replace(/ sha=.*/, '');
  } catch {
    return 'not installed';
  }
}

async function machineInfo(): Promise<MachineInfo> {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model ?? 'unknown',
    cpus: cpu.length,
    memoryBytes: totalmem(),
    platform: `${process.platform}-${process.arch}`,
    node: process.version,
    natsServer: await version('nats-server', ['--version']),
    redisServer: await version('redis-server', ['--version']),
  };
}

function timeout(ms: number, name: string): { promise: Promise<never>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} did not finish within ${Math.round(ms / 1000)} s`)), ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/** One run of a scenario under its time limit. */
async function attempt(scenario: Scenario, options: RunOptions, run: number): Promise<Measured | { skipped: string }> {
  const limit = timeout(options.scenarioTimeoutMs ?? scenario.timeoutMs ?? 180_000, scenario.name);
  const tag = (options.repeat ?? 1) > 1 ? `[${scenario.name} #${run}]` : `[${scenario.name}]`;
  try {
    return await Promise.race([scenario.run({ quick: options.quick, log: (line) => options.log(`${tag} ${line}`) }), limit.promise]);
  } finally {
    limit.cancel();
  }
}

/** The run with the median ratio (the lower middle of an even count) and the spread of all of them. */
export function medianRun(runs: readonly Measured[]): { run: Measured; spread: Spread } {
  const sorted = [...runs].sort((a, b) => a.ratio - b.ratio);
  const run = sorted[Math.floor((sorted.length - 1) / 2)]!;
  const judged = runs.filter((r) => r.goal.pass !== null);
  return {
    run,
    spread: {
      runs: runs.length,
      min: sorted[0]!.ratio,
      median: run.ratio,
      max: sorted[sorted.length - 1]!.ratio,
      passed: judged.length === 0 ? null : judged.filter((r) => r.goal.pass).length,
    },
  };
}

async function runOne(scenario: Scenario, options: RunOptions): Promise<ScenarioResult> {
  const started = performance.now();
  const base = { name: scenario.name, description: scenario.description };
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const runs: Measured[] = [];
    for (let i = 1; i <= Math.max(1, options.repeat ?? 1); i++) {
      const outcome = await attempt(scenario, options, i);
      if ('skipped' in outcome) return { ...base, status: 'skipped', reason: outcome.skipped, durationMs: elapsed() };
      runs.push(outcome);
    }
    const { run, spread } = medianRun(runs);
    const charts: string[] = [];
    for (const chart of run.charts ?? []) {
      const file = join(options.resultsDir, chart.file);
      await writeFile(file, lineChart(chart));
      charts.push(file);
    }
    const status = run.goal.pass === null ? 'reported' : run.goal.pass ? 'pass' : 'fail';
    return { ...base, ...run, charts, status, durationMs: elapsed(), ...(runs.length > 1 ? { spread } : {}) };
  } catch (err) {
    return { ...base, status: 'error', reason: err instanceof Error ? err.message : String(err), durationMs: elapsed() };
  }
}

/** Runs the scenarios one after another (they would steal each other's 2 cores otherwise). */
export async function runBench(options: RunOptions): Promise<BenchReport> {
  await mkdir(options.resultsDir, { recursive: true });
  const startedAt = new Date().toISOString();
  const machine = await machineInfo();
  const scenarios: ScenarioResult[] = [];
  for (const scenario of options.scenarios) {
    options.log(`running ${scenario.name}${options.quick ? ' (quick)' : ''}`);
    const result = await runOne(scenario, options);
    options.log(`${scenario.name}: ${result.status}${result.reason ? ` (${result.reason})` : ''} in ${(result.durationMs / 1000).toFixed(1)} s`);
    scenarios.push(result);
  }
  const report: BenchReport = { startedAt, finishedAt: new Date().toISOString(), quick: options.quick, repeat: Math.max(1, options.repeat ?? 1), machine, scenarios };
  const json = `${JSON.stringify(report, null, 2)}\n`;
  await writeFile(join(options.resultsDir, 'latest.json'), json);
  if (options.jsonPath) {
    await mkdir(dirname(options.jsonPath), { recursive: true });
    await writeFile(options.jsonPath, json);
  }
  return report;
}

function formatFigure(figure: Figure | undefined): string {
  if (!figure) return '';
  const digits = Math.abs(figure.value) >= 100 ? 0 : Math.abs(figure.value) >= 1 ? 2 : 3;
  return `${figure.label} ${figure.value.toLocaleString('en-US', { maximumFractionDigits: digits })} ${figure.unit}`;
}

function pad(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n');
}

/** The summary table plus every figure, as printed by `surfinger bench` and pasted into docs. */
export function formatReport(report: BenchReport): string {
  const m = report.machine;
  const rows = [['scenario', 'status', 'measured', 'baseline (same run)', 'ratio (min–max)', 'goal']];
  for (const s of report.scenarios) {
    rows.push([
      s.name,
      s.status,
      s.measured ? formatFigure(s.measured) : (s.reason ?? ''),
      formatFigure(s.baseline),
      s.ratio === undefined ? '' : s.spread ? `${s.ratio.toFixed(2)}× (${s.spread.min.toFixed(2)}–${s.spread.max.toFixed(2)}, ${s.spread.runs} runs)` : `${s.ratio.toFixed(2)}×`,
      s.goal?.text ?? '',
    ]);
  }
  const details = report.scenarios
    .filter((s) => s.figures?.length)
    .map((s) => [`${s.name}:`, ...s.figures!.map((f) => `  ${formatFigure(f)}`), ...(s.notes ?? []).map((n) => `  note: ${n}`)].join('\n'));
  const header = `machine: ${m.cpus} × ${m.cpuModel}, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB, ${m.platform}, node ${m.node}, ${m.natsServer}, ${m.redisServer}${report.quick ? ' (quick)' : ''}${report.repeat > 1 ? `; median of ${report.repeat} runs per scenario` : ''}`;
  return [header, '', pad(rows), '', ...details].join('\n');
}
