import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatReport, runBench } from './runner.ts';
import { scenarios } from './scenarios/index.ts';
import { lineChart } from './svg.ts';
import type { BenchReport, Scenario } from './types.ts';

test('bench - quick run of the cheap scenarios writes a report with finite figures and same-run ratios', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sf-bench-'));
  try {
    const jsonPath = join(dir, 'out.json');
    const cheap = scenarios.filter((s) => s.cheap);
    assert.ok(cheap.length >= 3);
    const report = await runBench({ scenarios: cheap, quick: true, resultsDir: dir, jsonPath, log: () => undefined });
    const written = JSON.parse(await readFile(jsonPath, 'utf8')) as BenchReport;
    assert.deepEqual(written, JSON.parse(await readFile(join(dir, 'latest.json'), 'utf8')));
    assert.equal(written.quick, true);
    assert.ok(written.machine.cpus >= 1);
    assert.deepEqual(
      written.scenarios.map((s) => s.name),
      cheap.map((s) => s.name),
    );
    for (const s of written.scenarios) {
      assert.notEqual(s.status, 'error', `${s.name}: ${s.reason}`);
      if (s.status === 'skipped') {
        assert.ok(s.reason, `${s.name} says why it skipped`);
        continue;
      }
      assert.ok(Number.isFinite(s.ratio) && s.ratio! > 0, `${s.name} ratio`);
      for (const f of [s.measured!, s.baseline!, ...s.figures!]) assert.ok(Number.isFinite(f.value) && f.unit.length > 0, `${s.name}: ${f.label}`);
      assert.equal(typeof s.goal!.text, 'string');
    }
    const table = formatReport(report);
    for (const s of cheap) assert.match(table, new RegExp(`^${s.name} `, 'm'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('bench - a crashing scenario is reported as an error and the others still run', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sf-bench-'));
  const crash: Scenario = { name: 'crash', description: '', cheap: true, run: () => Promise.reject(new Error('boom')) };
  const skip: Scenario = { name: 'skip', description: '', cheap: true, run: () => Promise.resolve({ skipped: 'actor host not built yet' }) };
  try {
    const report = await runBench({ scenarios: [crash, skip], quick: true, resultsDir: dir, log: () => undefined });
    assert.deepEqual(
      report.scenarios.map((s) => [s.status, s.reason]),
      [
        ['error', 'boom'],
        ['skipped', 'actor host not built yet'],
      ],
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('bench - charts are standalone SVG with one line per series', () => {
  const svg = lineChart({
    file: 'x.svg',
    title: 'p99 <latency>',
    xLabel: 'games',
    yLabel: 'ms',
    series: [
      { name: 'p50', points: [[100, 1], [1000, 2]] },
      { name: 'p99', points: [[100, 3], [1000, NaN]] },
    ],
  });
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.equal(svg.match(/<polyline/g)?.length, 2);
  assert.match(svg, /p99 &lt;latency&gt;/);
  assert.doesNotMatch(svg, /NaN/);
});

test('bench - repeated runs report the median run by ratio, the spread, and pass only on the median', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sf-bench-'));
  // A noisy scenario: one lucky run passes, the other two miss the ≥ 1× goal.
  const ratios = [0.8, 1.4, 0.9];
  let n = 0;
  const noisy: Scenario = {
    name: 'noisy',
    description: '',
    cheap: true,
    run: () => {
      const ratio = ratios[n++]!;
      const figure = { label: 'rate', value: ratio * 100, unit: '/s' };
      return Promise.resolve({ figures: [figure], measured: figure, baseline: { label: 'base', value: 100, unit: '/s' }, ratio, goal: { text: '≥ 1×', pass: ratio >= 1 } });
    },
  };
  try {
    const report = await runBench({ scenarios: [noisy], quick: true, repeat: 3, resultsDir: dir, log: () => undefined });
    const [s] = report.scenarios;
    assert.equal(report.repeat, 3);
    assert.equal(s!.status, 'fail', 'the lucky run does not make a pass');
    assert.equal(s!.ratio, 0.9);
    assert.equal(s!.measured!.value, 90, 'headline figures are the median run’s');
    assert.deepEqual(s!.spread, { runs: 3, min: 0.8, median: 0.9, max: 1.4, passed: 1 });
    assert.match(formatReport(report), /0\.90× \(0\.80–1\.40, 3 runs\)/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
