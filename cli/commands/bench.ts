import type { Command } from 'commander';
import { SurfingerError } from '../../protocol/errors.ts';
import { DEFAULT_RESULTS_DIR, formatReport, runBench } from '../../bench/runner.ts';
import { scenarios } from '../../bench/scenarios/index.ts';

/** `surfinger bench [--json <file>] [--scenario <name>] [--quick] [--repeat <n>]`: the benchmark suite (bench/). */
export function register(program: Command): void {
  program
    .command('bench')
    .description('run the benchmark suite; prints a table, writes bench/results/latest.json and SVG charts')
    .option('--json <file>', 'also write the JSON report to this file')
    .option('--scenario <names>', `comma-separated scenarios to run (${scenarios.map((s) => s.name).join(', ')})`)
    .option('--quick', 'small sizes for a smoke test', false)
    .option('--repeat <n>', 'runs per scenario; the table shows the median run and the min–max of its ratio (default 3, 1 with --quick)')
    .option('--results-dir <dir>', 'where latest.json and the charts go', DEFAULT_RESULTS_DIR)
    .action(async (opts: { json?: string; scenario?: string; quick: boolean; resultsDir: string; repeat?: string }) => {
      const repeat = opts.repeat === undefined ? (opts.quick ? 1 : 3) : Number(opts.repeat);
      if (!Number.isInteger(repeat) || repeat < 1 || repeat > 20) throw new SurfingerError('SF_ERR_BENCH_REPEAT', `--repeat must be a whole number from 1 to 20, not "${opts.repeat}"`);
      const wanted = opts.scenario?.split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = wanted?.filter((name) => !scenarios.some((s) => s.name === name)) ?? [];
      if (unknown.length > 0) {
        throw new SurfingerError('SF_ERR_BENCH_UNKNOWN_SCENARIO', `unknown scenario ${unknown.join(', ')}; known: ${scenarios.map((s) => s.name).join(', ')}`);
      }
      const report = await runBench({
        scenarios: wanted ? scenarios.filter((s) => wanted.includes(s.name)) : scenarios,
        quick: opts.quick,
        repeat,
        resultsDir: opts.resultsDir,
        ...(opts.json ? { jsonPath: opts.json } : {}),
        log: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(`${formatReport(report)}\n`);
      // A missed goal is a result, reported in the table; a scenario that crashed is a failure of the suite.
      if (report.scenarios.some((s) => s.status === 'error')) process.exitCode = 1;
    });
}
