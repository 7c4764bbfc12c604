import type { NatsConnection } from 'nats';
import { Counter, Gauge, type Registry } from 'prom-client';
import { asSurfingerError, codecs, MessageTypes, ServiceNames, type Subjects } from '../../protocol/index.ts';
import type { Logger } from '../common/logger.ts';
import { startOpsServer } from '../common/metrics.ts';
import { request } from '../common/nats.ts';
import { WatchdogErrorCodes } from './errors.ts';
import { admit, format, INITIAL_GATE, unpost, type GateConfig, type GateState, type Outgoing } from './gate.ts';
import { probeCluster, type ClusterSnapshot } from './probe.ts';
import { evaluate, INITIAL_STATE, type Observation, type WatchdogConfig, type WatchState } from './rules.ts';

/**
 * The ops bot: every `intervalMs` it looks at the cluster the way `surfinger status` does, runs
 * the pure rules and the gate over what it saw, and posts what the gate lets through to the ops
 * channel via egress (the only Slack caller). Without an ops channel it only logs and counts.
 */

/** Play records the threshold rules read (the ranking store in production). */
export interface RecordsReader {
  gamesToday(now: number): Promise<{ day: string; games: number }>;
  knownTeams(now: number): Promise<number>;
}

export interface WatchdogDeps {
  nc: NatsConnection;
  subjects: Subjects;
  log: Logger;
  registry: Registry;
  records: RecordsReader | null;
  monitorUrl: string | null;
  /** Where alerts go; null = log only. */
  ops: { team: string; channel: string } | null;
  rules: WatchdogConfig;
  gate: GateConfig;
  intervalMs: number;
  /** How long each look collects `$SRV` replies (default 1 s: a busy service must not look down). */
  probeWaitMs?: number;
  metricsPort: number;
  metricsHost: string;
  now?: () => number;
}

export interface RunningWatchdog {
  info: Record<string, unknown>;
  /** One look now (tests and the first look at start). */
  look(): Promise<void>;
  stop(): Promise<void>;
}

export async function start(deps: WatchdogDeps): Promise<RunningWatchdog> {
  const now = deps.now ?? Date.now;
  const { log, registry } = deps;
  const alertsTotal = new Counter({ name: 'sf_alerts_total', help: 'Alert messages the watchdog posted (or logged without an ops channel), by rule and severity', labelNames: ['rule', 'severity'], registers: [registry] });
  const postFailures = new Counter({ name: 'sf_alert_post_failures_total', help: 'Alert messages egress did not accept (retried on the next look)', registers: [registry] });
  const lookFailures = new Counter({ name: 'sf_watchdog_look_failures_total', help: 'Looks at the cluster that failed entirely', registers: [registry] });
  const servicesUp = new Gauge({ name: 'sf_services_up', help: 'Instances answering the NATS service API, by service', labelNames: ['service'], registers: [registry] });
  const consumerPending = new Gauge({ name: 'sf_consumer_pending', help: 'JetStream consumer lag (messages pending), by stream and consumer', labelNames: ['stream', 'consumer'], registers: [registry] });

  let rules: WatchState = INITIAL_STATE;
  let gate: GateState = INITIAL_GATE;
  let lastLook: { at: number; ok: boolean } | null = null;

  function exportGauges(snapshot: ClusterSnapshot): void {
    servicesUp.reset();
    for (const name of Object.values(ServiceNames)) servicesUp.set({ service: name }, snapshot.services.filter((s) => s.name === name).length);
    consumerPending.reset();
    for (const st of snapshot.streams) for (const c of st.consumers) consumerPending.set({ stream: c.stream, consumer: c.consumer }, c.pending);
  }

  async function observe(at: number): Promise<Observation> {
    const snapshot = await probeCluster({ nc: deps.nc, subjects: deps.subjects, monitorUrl: deps.monitorUrl, waitMs: deps.probeWaitMs ?? 1_000 });
    let gamesToday: Observation['gamesToday'] = null;
    let knownTeams: Observation['knownTeams'] = null;
    if (deps.records) {
      try {
        [gamesToday, knownTeams] = await Promise.all([deps.records.gamesToday(at), deps.records.knownTeams(at)]);
      } catch (err) {
        log.warn({ code: WatchdogErrorCodes.RECORDS_UNAVAILABLE, reason: asSurfingerError(err).message }, 'play records unavailable; threshold rules skipped this look');
      }
    }
    return { snapshot, gamesToday, knownTeams };
  }

  async function post(message: Outgoing): Promise<boolean> {
    const text = format(message);
    log[message.severity === 'critical' || message.severity === 'warning' ? 'warn' : 'info']({ rule: message.rule, severity: message.severity, alert: message.key }, message.text);
    if (!deps.ops) {
      alertsTotal.inc({ rule: message.rule, severity: message.severity });
      return true;
    }
    const { team, channel } = deps.ops;
    try {
      const reply = await request(deps.nc, deps.subjects.egress('announce', team, channel), codecs.egressRequest, { type: MessageTypes.egressRequest, team, channel, op: 'post', text, idempotencyKey: `watchdog:${message.id}` }, codecs.egressReply, 10_000);
      if (!reply.ok) throw new Error(`${reply.code ?? 'egress refused'}: ${reply.error ?? ''}`);
      alertsTotal.inc({ rule: message.rule, severity: message.severity });
      return true;
    } catch (err) {
      // Egress down is itself an alert; the message is kept and retried on the next look.
      postFailures.inc();
      log.error({ code: WatchdogErrorCodes.POST_FAILED, alert: message.key, reason: asSurfingerError(err).message }, 'alert not posted to the ops channel');
      return false;
    }
  }

  async function look(): Promise<void> {
    const at = now();
    try {
      const observation = await observe(at);
      exportGauges(observation.snapshot);
      const evaluated = evaluate(rules, observation, deps.rules, at);
      rules = evaluated.state;
      const before = gate;
      const admitted = admit(gate, evaluated.alerts, deps.gate, at);
      gate = admitted.state;
      for (const message of admitted.out) if (!(await post(message))) gate = unpost(before, gate, message.key);
      lastLook = { at, ok: true };
    } catch (err) {
      lookFailures.inc();
      lastLook = { at, ok: false };
      log.error({ code: WatchdogErrorCodes.LOOK_FAILED, err: asSurfingerError(err) }, 'look at the cluster failed');
    }
  }

  const service = await deps.nc.services.add({
    name: ServiceNames.watchdog,
    version: '0.1.0',
    description: 'Ops alerts: services down, NATS health, lease failures, 429 storms, consumer lag, thresholds',
    metadata: { opsChannel: deps.ops ? `${deps.ops.team}/${deps.ops.channel}` : '' },
  });

  // Looks never overlap: the next one is scheduled when the previous has finished.
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> = look();
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = look().finally(schedule);
    }, deps.intervalMs);
  };
  // The first look finishes before `ready`, so a started watchdog has a baseline.
  await running;
  schedule();

  // Healthy while NATS is up and the last look (if any) happened recently enough.
  const healthy = () => !deps.nc.isClosed() && (lastLook === null || now() - lastLook.at < deps.intervalMs * 3 + 30_000);
  const ops = await startOpsServer({ port: deps.metricsPort, host: deps.metricsHost, registry, healthy });

  return {
    info: { metricsUrl: ops.url, opsChannel: deps.ops ? `${deps.ops.team}/${deps.ops.channel}` : null, intervalMs: deps.intervalMs },
    look,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      await service.stop();
      await ops.close();
    },
  };
}
