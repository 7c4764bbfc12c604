import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admit, DEFAULT_GATE, format, INITIAL_GATE, unpost, type GateState } from './gate.ts';
import type { Alert } from './rules.ts';

const T0 = Date.UTC(2026, 10, 29, 12, 0, 0);
const down: Alert = { key: 'service-down:surfinger-egress', rule: 'service-down', severity: 'critical', text: 'surfinger-egress is down' };
const lag: Alert = { key: 'consumer-lag:sf_results/ranking', rule: 'consumer-lag', severity: 'warning', text: 'ranking is behind' };

function looks(sequence: Alert[][], stepMs = 30_000, config = DEFAULT_GATE): string[][] {
  let state: GateState = INITIAL_GATE;
  return sequence.map((alerts, i) => {
    const r = admit(state, alerts, config, T0 + i * stepMs);
    state = r.state;
    return r.out.map((o) => `${o.severity}:${o.key}`);
  });
}

test('gate - a firing condition is posted once, not on every look', () => {
  assert.deepEqual(looks([[down], [down], [down]]), [['critical:service-down:surfinger-egress'], [], []]);
});

test('gate - a condition that stops firing is posted once as resolved', () => {
  assert.deepEqual(looks([[down], [], []]), [['critical:service-down:surfinger-egress'], ['resolved:service-down:surfinger-egress'], []]);
});

test('gate - a reminder after repeatMs, and at once when the severity rises', () => {
  assert.deepEqual(looks([[down], [down]], DEFAULT_GATE.repeatMs), [['critical:service-down:surfinger-egress'], ['critical:service-down:surfinger-egress']]);
  assert.deepEqual(looks([[lag], [{ ...lag, severity: 'critical' }]]), [['warning:consumer-lag:sf_results/ranking'], ['critical:consumer-lag:sf_results/ranking']]);
});

test('gate - info news is not "resolved" when it stops', () => {
  const news: Alert = { key: 'games-per-day:2026-11-29:100', rule: 'games-per-day', severity: 'info', text: '100 games' };
  assert.deepEqual(looks([[news], []]), [['info:games-per-day:2026-11-29:100'], []]);
});

test('gate - a storm is rate limited, most severe first, then summarized once the window has room', () => {
  const config = { repeatMs: 3_600_000, maxPerWindow: 3, windowMs: 60_000 };
  const storm: Alert[] = [
    ...Array.from({ length: 4 }, (_, i): Alert => ({ key: `consumer-lag:s/c${i}`, rule: 'consumer-lag', severity: 'warning', text: `c${i}` })),
    down,
  ];
  const out = looks([storm, storm, storm], 40_000, config);
  assert.deepEqual(out[0], ['critical:service-down:surfinger-egress', 'warning:consumer-lag:s/c0', 'warning:consumer-lag:s/c1']);
  // 40 s later the window is still full: the two held-back alerts are counted, nothing sent.
  assert.deepEqual(out[1], []);
  // 80 s: the window has room — a summary, then the alerts that were never posted.
  assert.deepEqual(out[2], ['summary:rate-limit', 'warning:consumer-lag:s/c2', 'warning:consumer-lag:s/c3']);
});

test('gate - a failed post is undone so the next look retries it with the same idempotency key', () => {
  const first = admit(INITIAL_GATE, [down], DEFAULT_GATE, T0);
  const rolledBack = unpost(INITIAL_GATE, first.state, down.key);
  const retry = admit(rolledBack, [down], DEFAULT_GATE, T0 + 30_000);
  assert.equal(retry.out.length, 1);
  assert.equal(retry.out[0]!.id, first.out[0]!.id);
});

test('gate - messages carry an icon and the severity', () => {
  assert.equal(format({ severity: 'critical', text: 'x down' }), ':rotating_light: *surfinger critical* x down');
});
