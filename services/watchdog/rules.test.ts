import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceNames } from '../../protocol/index.ts';
import { DEFAULT_CONFIG, evaluate, INITIAL_STATE, type Observation, type WatchState } from './rules.ts';
import type { ClusterSnapshot, ServiceInstance } from './probe.ts';

const T0 = Date.UTC(2026, 10, 29, 12, 0, 0);

function svc(name: string, id: string, data: Record<string, unknown> = {}): ServiceInstance {
  return { name, id, version: '0.1.0', metadata: {}, requests: 0, errors: 0, data };
}

function healthy(extra: Partial<ClusterSnapshot> = {}): ClusterSnapshot {
  return {
    at: new Date(T0).toISOString(),
    prefix: 'sf',
    services: Object.keys(DEFAULT_CONFIG.expect).map((name, i) => svc(name, `i${i}`)),
    hosts: [],
    supervisors: [],
    streams: [],
    monitor: { url: 'http://nats:8222', healthy: true },
    problems: [],
    ...extra,
  };
}

const obs = (snapshot: ClusterSnapshot, more: Partial<Observation> = {}): Observation => ({ snapshot, gamesToday: null, knownTeams: null, ...more });

/** Runs the rules over a sequence of observations one `stepMs` apart; returns every look's alerts. */
function run(observations: Observation[], stepMs = 30_000, config = DEFAULT_CONFIG): Array<ReturnType<typeof evaluate>['alerts']> {
  let state: WatchState = INITIAL_STATE;
  return observations.map((o, i) => {
    const r = evaluate(state, o, config, T0 + i * stepMs);
    state = r.state;
    return r.alerts;
  });
}

test('rules - a healthy cluster raises nothing', () => {
  assert.deepEqual(run([obs(healthy()), obs(healthy())]), [[], []]);
});

test('rules - a service missing once is noise, missing twice in a row is critical', () => {
  const down = healthy({ services: healthy().services.filter((s) => s.name !== ServiceNames.egress) });
  const [first, second] = run([obs(down), obs(down)]);
  assert.deepEqual(first, []);
  assert.deepEqual(second?.map((a) => [a.key, a.severity]), [['service-down:surfinger-egress', 'critical']]);
  assert.match(second![0]!.text, /surfinger-egress is down/);
});

test('rules - fewer hosts than expected is a warning naming the counts', () => {
  const config = { ...DEFAULT_CONFIG, expect: { ...DEFAULT_CONFIG.expect, [ServiceNames.actorHost]: 3 } };
  const alerts = run([obs(healthy()), obs(healthy())], 30_000, config)[1]!;
  assert.equal(alerts[0]?.severity, 'warning');
  assert.match(alerts[0]!.text, /1 of 3 instances/);
});

test('rules - an unreachable or unhealthy NATS monitor is critical at once', () => {
  const unreachable = healthy({ monitor: null, problems: [{ code: 'SF_ERR_STATUS_MONITOR_UNREACHABLE', message: 'NATS monitoring at http://x unreachable' }] });
  assert.equal(run([obs(unreachable)])[0]?.[0]?.key, 'nats-health:monitor');
  const sick = healthy({ monitor: { url: 'http://nats:8222', healthy: false } });
  assert.equal(run([obs(sick)])[0]?.[0]?.key, 'nats-health:unhealthy');
});

test('rules - egress 429s are summed over instances and the window; a counter reset is not negative', () => {
  const at = (a: number, b: number) => healthy({ services: [...healthy().services.filter((s) => s.name !== ServiceNames.egress), svc(ServiceNames.egress, 'e1', { rateLimited: a }), svc(ServiceNames.egress, 'e2', { rateLimited: b })] });
  // +0, +12, +10 (e2 restarted at 4: counts 4 as new) → 22 within 5 min.
  const looks = run([obs(at(0, 0)), obs(at(6, 6)), obs(at(12, 4))]);
  assert.deepEqual(looks[1], []);
  assert.equal(looks[2]?.[0]?.key, 'egress-429-storm');
  assert.match(looks[2]![0]!.text, /22 429 answers/);
  // Eleven minutes of silence later the window has emptied.
  const quiet = run([obs(at(0, 0)), obs(at(30, 0)), obs(at(30, 0))], 6 * 60_000);
  assert.equal(quiet[1]?.[0]?.key, 'egress-429-storm');
  assert.deepEqual(quiet[2], []);
});

test('rules - lease renew failures from actor-host stats alert', () => {
  const at = (n: number) => healthy({ services: [...healthy().services, svc(ServiceNames.actorHost, 'h9', { leaseRenewFailures: n, games: 1 })] });
  const looks = run([obs(at(2)), obs(at(3))]);
  assert.deepEqual(looks[0], [], 'the first look only learns the baseline');
  assert.equal(looks[1]?.[0]?.key, 'lease-renew-failures');
});

test('rules - consumer lag alerts only when it stays high; ten times the threshold is critical', () => {
  const lag = (pending: number) => healthy({ streams: [{ stream: 'sf_results', replicas: 1, messages: 1, bytes: 1, consumers: [{ stream: 'sf_results', consumer: 'ranking', pending, ackPending: 0, redelivered: 0 }] }] });
  const looks = run([obs(lag(5_000)), obs(lag(5_000)), obs(lag(20_000)), obs(lag(10))]);
  assert.deepEqual(looks[0], []);
  assert.deepEqual(looks[1]?.map((a) => [a.key, a.severity]), [['consumer-lag:sf_results/ranking', 'warning']]);
  assert.equal(looks[2]?.[0]?.severity, 'critical');
  assert.deepEqual(looks[3], []);
});

test('rules - games-per-day milestones are announced once per milestone per day', () => {
  const g = (day: string, games: number) => obs(healthy(), { gamesToday: { day, games } });
  const looks = run([g('2026-11-29', 50), g('2026-11-29', 120), g('2026-11-29', 130), g('2026-11-29', 1_500), g('2026-11-30', 101)]);
  assert.deepEqual(looks.map((a) => a.map((x) => x.key)), [[], ['games-per-day:2026-11-29:100'], [], ['games-per-day:2026-11-29:1000'], ['games-per-day:2026-11-30:100']]);
});

test('rules - new teams are announced against the previous look, not at start', () => {
  const looks = run([obs(healthy(), { knownTeams: 10 }), obs(healthy(), { knownTeams: 10 }), obs(healthy(), { knownTeams: 13 })]);
  assert.deepEqual(looks[0], []);
  assert.deepEqual(looks[1], []);
  assert.match(looks[2]![0]!.text, /3 new teams played a first game \(13 teams in total\)/);
});
