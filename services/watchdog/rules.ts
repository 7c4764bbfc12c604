import { ServiceNames } from '../../protocol/index.ts';
import { ProbeErrorCodes, type ClusterSnapshot } from './probe.ts';

/**
 * The watchdog's alert rules as one pure step, like an actor: `evaluate(state, observation,
 * config, now) → { state, alerts }`. No I/O and no clock inside, so every rule is tested with
 * plain data. Each alert has a stable `key`; the gate (gate.ts) deduplicates and rate-limits by it,
 * and a key that stops firing is reported as resolved.
 */

export type Severity = 'info' | 'warning' | 'critical';

export interface Alert {
  /** Stable identity of the condition, e.g. `service-down:surfinger-egress`. */
  key: string;
  rule: RuleName;
  severity: Severity;
  text: string;
}

export type RuleName = 'service-down' | 'nats-health' | 'lease-renew-failures' | 'egress-429-storm' | 'consumer-lag' | 'games-per-day' | 'new-teams';

export interface WatchdogConfig {
  /** Minimum instances per NATS service name; fewer for `downAfterLooks` looks in a row alerts. */
  expect: Record<string, number>;
  /** Consecutive looks a service must be short before it is reported (one missed reply is noise). */
  downAfterLooks: number;
  /** Consumer lag (messages pending) that warns; ten times as much is critical. */
  lagWarn: number;
  /** Looks in a row above `lagWarn` before alerting (a burst that drains is not a problem). */
  lagAfterLooks: number;
  /** Slack 429 answers across egress within `windowMs` that make a storm. */
  egress429: number;
  /** Lease renew failures across hosts within `windowMs` that alert. */
  leaseFailures: number;
  windowMs: number;
  /** Games finished today that are worth telling the team about, ascending. */
  gamesMilestones: number[];
  /** New teams (first game ever) since the last look that are announced. */
  newTeams: number;
}

/** The service names a healthy cluster has at least one of (the watchdog itself excluded). */
export const CORE_SERVICES = [ServiceNames.ingress, ServiceNames.actorHost, ServiceNames.supervisor, ServiceNames.egress, ServiceNames.ranking, ServiceNames.scheduler];

export const DEFAULT_CONFIG: WatchdogConfig = {
  expect: Object.fromEntries(CORE_SERVICES.map((n) => [n, 1])),
  downAfterLooks: 2,
  lagWarn: 1_000,
  lagAfterLooks: 2,
  egress429: 20,
  leaseFailures: 1,
  windowMs: 5 * 60_000,
  gamesMilestones: [100, 1_000, 10_000, 100_000],
  newTeams: 1,
};

export interface Observation {
  snapshot: ClusterSnapshot;
  /** Finished games today (UTC) from the ranking store; null when Redis could not be read. */
  gamesToday: { day: string; games: number } | null;
  /** Teams that ever played; null when unknown. */
  knownTeams: number | null;
}

interface Sample {
  at: number;
  value: number;
}

export interface WatchState {
  /** Looks in a row each service has been short of its expected count. */
  short: Record<string, number>;
  /** Looks in a row each `stream/consumer` has been above the lag threshold. */
  lagging: Record<string, number>;
  /** Cluster-wide counter totals over time, per counter name, oldest first. */
  samples: Record<string, Sample[]>;
  /** Last per-instance counter values, so a restarted instance (counter reset) is not a drop. */
  lastCounters: Record<string, number>;
  /** Highest milestone already announced, per UTC day. */
  milestone: { day: string; reached: number } | null;
  knownTeams: number | null;
}

export const INITIAL_STATE: WatchState = { short: {}, lagging: {}, samples: {}, lastCounters: {}, milestone: null, knownTeams: null };

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * Counters the services expose in their `$SRV.STATS` data, summed over instances as increases:
 * a counter that went down belongs to a restarted instance and contributes its new value.
 */
const COUNTERS: Array<{ name: string; service: string; field: string }> = [
  { name: 'lease-renew-failures', service: ServiceNames.actorHost, field: 'leaseRenewFailures' },
  { name: 'egress-429', service: ServiceNames.egress, field: 'rateLimited' },
];

function counterIncrease(state: WatchState, snapshot: ClusterSnapshot, c: (typeof COUNTERS)[number]): { increase: number; seen: boolean; last: Record<string, number> } {
  let increase = 0;
  let seen = false;
  const last: Record<string, number> = {};
  for (const svc of snapshot.services.filter((s) => s.name === c.service)) {
    const value = svc.data[c.field];
    if (typeof value !== 'number') continue;
    seen = true;
    const key = `${c.name}:${svc.id}`;
    const before = state.lastCounters[key];
    increase += before === undefined ? 0 : value >= before ? value - before : value;
    last[key] = value;
  }
  return { increase, seen, last };
}

export function evaluate(state: WatchState, obs: Observation, config: WatchdogConfig, now: number): { state: WatchState; alerts: Alert[] } {
  const alerts: Alert[] = [];
  const s = obs.snapshot;
  const next: WatchState = { short: {}, lagging: {}, samples: {}, lastCounters: {}, milestone: state.milestone, knownTeams: state.knownTeams };

  // 1. Services down: fewer instances answer the service API than expected, twice in a row.
  for (const [name, expected] of Object.entries(config.expect)) {
    const up = s.services.filter((x) => x.name === name).length;
    if (up >= expected) continue;
    next.short[name] = (state.short[name] ?? 0) + 1;
    if (next.short[name] >= config.downAfterLooks) {
      alerts.push({
        key: `service-down:${name}`,
        rule: 'service-down',
        severity: up === 0 ? 'critical' : 'warning',
        text: up === 0 ? `${name} is down: no instance answers the NATS service API` : `${name} is degraded: ${up} of ${expected} instances answer`,
      });
    }
  }

  // 2. NATS itself: monitoring unreachable, unhealthy, or slow consumers being cut off.
  const monitorProblem = s.problems.find((p) => p.code === ProbeErrorCodes.MONITOR_UNREACHABLE);
  if (monitorProblem) alerts.push({ key: 'nats-health:monitor', rule: 'nats-health', severity: 'critical', text: monitorProblem.message });
  else if (s.monitor && !s.monitor.healthy) alerts.push({ key: 'nats-health:unhealthy', rule: 'nats-health', severity: 'critical', text: `NATS at ${s.monitor.url} reports unhealthy (/healthz)` });

  // 3. Counters over a sliding window: lease renew failures and Slack 429 storms.
  for (const c of COUNTERS) {
    const { increase, seen, last } = counterIncrease(state, s, c);
    Object.assign(next.lastCounters, last);
    if (!seen) continue;
    const samples = [...(state.samples[c.name] ?? []), { at: now, value: increase }].filter((x) => x.at > now - config.windowMs);
    next.samples[c.name] = samples;
    const total = samples.reduce((n, x) => n + x.value, 0);
    const minutes = Math.round(config.windowMs / 60_000);
    if (c.name === 'lease-renew-failures' && total >= config.leaseFailures) {
      alerts.push({ key: 'lease-renew-failures', rule: 'lease-renew-failures', severity: 'warning', text: `${count(total, 'lease renew failure')} on actor hosts in the last ${minutes} min: hosts may lose their games (check NATS JetStream health)` });
    }
    if (c.name === 'egress-429' && total >= config.egress429) {
      alerts.push({ key: 'egress-429-storm', rule: 'egress-429-storm', severity: 'warning', text: `Slack rate-limit storm: ${count(total, '429 answer')} to egress in the last ${minutes} min` });
    }
  }

  // 4. Consumer lag that stays high.
  for (const stream of s.streams) {
    for (const c of stream.consumers) {
      if (c.pending < config.lagWarn) continue;
      const id = `${c.stream}/${c.consumer}`;
      next.lagging[id] = (state.lagging[id] ?? 0) + 1;
      if (next.lagging[id] >= config.lagAfterLooks) {
        alerts.push({
          key: `consumer-lag:${id}`,
          rule: 'consumer-lag',
          severity: c.pending >= config.lagWarn * 10 ? 'critical' : 'warning',
          text: `consumer ${c.consumer} on ${c.stream} is ${count(c.pending, 'message')} behind`,
        });
      }
    }
  }

  // 5. Threshold news: games-per-day milestones (once per milestone per day) and new teams.
  if (obs.gamesToday) {
    const { day, games } = obs.gamesToday;
    const already = state.milestone?.day === day ? state.milestone.reached : 0;
    const reached = config.gamesMilestones.filter((m) => m <= games).at(-1) ?? 0;
    if (reached > already) alerts.push({ key: `games-per-day:${day}:${reached}`, rule: 'games-per-day', severity: 'info', text: `${count(games, 'game')} played today (${day}) — past ${reached.toLocaleString('en')}` });
    next.milestone = { day, reached: Math.max(reached, already) };
  }
  if (obs.knownTeams !== null) {
    const fresh = state.knownTeams === null ? 0 : obs.knownTeams - state.knownTeams;
    if (fresh >= config.newTeams) alerts.push({ key: `new-teams:${obs.knownTeams}`, rule: 'new-teams', severity: 'info', text: `${count(fresh, 'new team')} played a first game (${obs.knownTeams} teams in total)` });
    next.knownTeams = obs.knownTeams;
  }
  return { state: next, alerts };
}
