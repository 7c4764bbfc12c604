import type { NatsConnection } from 'nats';
import type { Redis } from 'ioredis';
import { Counter } from 'prom-client';
import { asSurfingerError, codecs, CommonErrorCodes, MessageTypes, ServiceNames, SurfingerError, type Subjects } from '../../protocol/index.ts';
import type { Logger } from '../common/logger.ts';
import type { RunningService } from '../common/main-kit.ts';
import { createMetricsRegistry, startOpsServer } from '../common/metrics.ts';
import { addEndpoint } from '../common/nats.ts';
import { TeamSettingsStore } from '../common/team-settings.ts';
import { openRankingReads } from '../ranking/reads.ts';
import { hasRunWindow } from './calendar.ts';
import { JobHistory } from './history.ts';
import { ReminderLog } from './reminders.ts';
import { Scheduler, type SchedulerConfig } from './scheduler.ts';
import { NatsEgress, NatsJobLeases, systemClock, type Clock, type SlackEgress } from './seams.ts';

export interface SchedulerServiceDeps {
  nc: NatsConnection;
  redis: Redis;
  subjects: Subjects;
  log: Logger;
  holder: string;
  config: SchedulerConfig;
  /** Installed teams (the token store in production). */
  installedTeams(): Promise<string[]>;
  tickMs: number;
  clock?: Clock;
  egress?: SlackEgress;
  metricsPort?: number;
  metricsHost?: string;
}

export async function start(deps: SchedulerServiceDeps): Promise<RunningService & { scheduler: Scheduler }> {
  const { nc, redis, subjects, log } = deps;
  const store = openRankingReads(redis, subjects.prefix);
  const scheduler = new Scheduler({
    holder: deps.holder,
    clock: deps.clock ?? systemClock,
    leases: await NatsJobLeases.open(nc, subjects),
    egress: deps.egress ?? new NatsEgress(nc, subjects),
    history: new JobHistory(redis, subjects.prefix),
    reminded: new ReminderLog(redis, subjects.prefix),
    store,
    settings: await TeamSettingsStore.open(nc, subjects),
    installedTeams: deps.installedTeams,
    log,
    config: deps.config,
  });
  if (!hasRunWindow(deps.config.reminderHour, deps.config.calendar)) {
    throw new SurfingerError(CommonErrorCodes.CONFIG, `reminder hour ${deps.config.reminderHour} leaves no hour outside quiet hours before midnight: reminders would never run`);
  }
  const registry = createMetricsRegistry('scheduler');
  const runs = new Counter({ name: 'sf_scheduler_runs_total', help: 'Job runs this replica won, by job and outcome', labelNames: ['job', 'ok'], registers: [registry] });

  const service = await nc.services.add({ name: ServiceNames.scheduler, version: '0.1.0', description: 'Weekly re-level, daily reminders, admin notices' });
  addEndpoint(service, 'notice', {
    subject: subjects.notice(),
    queue: subjects.queues.scheduler,
    input: codecs.notice,
    output: codecs.reply,
    log,
    handle: async (notice) => {
      const run = await scheduler.pushNotice(notice);
      if (run) runs.inc({ job: run.job, ok: String(run.ok) });
      return { type: MessageTypes.reply, ok: true, responseType: 'none' as const, text: run === null ? 'already pushed' : `sent to ${String((run.summary.sent as string[] | undefined)?.length ?? 0)} teams` };
    },
  });

  let ticking: Promise<void> = Promise.resolve();
  const tick = (): void => {
    ticking = ticking
      .then(() => scheduler.tick())
      .then((done) => {
        for (const run of done) runs.inc({ job: run.job, ok: String(run.ok) });
      })
      .catch((err: unknown) => {
        const e = asSurfingerError(err);
        log.error({ err: e, code: e.code }, 'scheduler tick failed');
      });
  };
  const timer = setInterval(tick, deps.tickMs);
  tick();

  const ops = await startOpsServer({ port: deps.metricsPort ?? 0, host: deps.metricsHost, registry, healthy: () => !nc.isClosed() && redis.status === 'ready' });
  return {
    scheduler,
    info: { metricsUrl: ops.url, holder: deps.holder },
    async stop() {
      await ops.close();
      clearInterval(timer);
      await service.stop();
      await ticking;
    },
  };
}
