import { createHash } from 'node:crypto';
import { asSurfingerError, type Notice } from '../../protocol/index.ts';
import type { Logger } from '../common/logger.ts';
import type { TeamSettings } from '../common/team-settings.ts';
import type { RankingReads } from '../ranking/reads.ts';
import { hourOfWeek, isQuiet, localDay, localHour, localWeek, type CalendarConfig } from './calendar.ts';
import { SchedulerErrorCodes } from './errors.ts';
import type { JobHistory, JobRun } from './history.ts';
import { runRelevel } from './relevel.ts';
import { planReminders, type ReminderLog } from './reminders.ts';
import { st } from './i18n.ts';
import type { Clock, JobLeases, SlackEgress } from './seams.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface SchedulerConfig {
  calendar: CalendarConfig;
  /** Local hour from which the daily reminder may run (outside quiet hours). */
  reminderHour: number;
  /** Hours after local Monday 00:00 from which the weekly re-level may run (e.g. 3 = Monday 03:00). */
  relevelHourOfWeek: number;
  relevelMinSample: number;
  inactiveDays: number;
  maxMentions: number;
  corpusDir: string;
}

export interface SchedulerDeps {
  /** This replica's id, recorded with each run it wins. */
  holder: string;
  clock: Clock;
  leases: JobLeases;
  egress: SlackEgress;
  history: JobHistory;
  reminded: ReminderLog;
  store: RankingReads;
  settings: { get(team: string): Promise<TeamSettings> };
  installedTeams(): Promise<string[]>;
  log: Logger;
  config: SchedulerConfig;
}

interface Job {
  name: string;
  /** The period this moment belongs to if the job is due now, else null. */
  period(now: number): string | null;
  run(now: number): Promise<Record<string, unknown>>;
}

/**
 * Runs the periodic jobs and admin notices. Every replica ticks; a run happens only on the replica
 * that creates the lease key `job.<name>.<period>` first, so each job runs once per period
 * cluster-wide, whichever replicas are up.
 */
export class Scheduler {
  private readonly jobs: Job[];

  constructor(private readonly deps: SchedulerDeps) {
    const cfg = deps.config;
    this.jobs = [
      {
        name: 'relevel',
        period: (now) => (hourOfWeek(now, cfg.calendar) >= cfg.relevelHourOfWeek ? localWeek(now, cfg.calendar) : null),
        run: async () => ({ ...(await runRelevel(deps.store, cfg.corpusDir, cfg.relevelMinSample)) }),
      },
      {
        name: 'reminders',
        period: (now) => (localHour(now, cfg.calendar) >= cfg.reminderHour && !isQuiet(now, cfg.calendar) ? localDay(now, cfg.calendar) : null),
        run: (now) => this.remind(now),
      },
    ];
  }

  /** Runs every due job this replica wins; returns the runs it made. */
  async tick(): Promise<JobRun[]> {
    const runs: JobRun[] = [];
    for (const job of this.jobs) {
      const now = this.deps.clock.now();
      const period = job.period(now);
      if (period === null) continue;
      const run = await this.once(job.name, period, () => job.run(now));
      if (run) runs.push(run);
    }
    return runs;
  }

  /** Pushes an admin notice to its teams once, however many replicas or re-sends see it. */
  async pushNotice(notice: Notice): Promise<JobRun | null> {
    // Notice ids are free text; a digest makes them safe KV key tokens.
    const period = createHash('sha256').update(notice.noticeId).digest('hex').slice(0, 32);
    return this.once('notice', period, async () => {
      const targets = notice.teams.length > 0 ? notice.teams : await this.deps.installedTeams();
      const known = new Map((await this.deps.store.knownTeams()).map((t) => [t.team, t.lastChannel]));
      const sent: string[] = [];
      const noChannel: string[] = [];
      const failed: string[] = [];
      for (const team of [...new Set(targets)].sort()) {
        const channel = known.get(team);
        if (!channel) {
          noChannel.push(team);
          continue;
        }
        const { lang } = await this.deps.settings.get(team);
        try {
          await this.deps.egress.post(team, channel, `*${st(lang, 'noticeHeader')}*\n${notice.text}`, `notice:${notice.noticeId}:${team}`);
          sent.push(team);
        } catch (err) {
          const e = asSurfingerError(err);
          this.deps.log.warn({ team, channel, code: e.code, reason: e.message }, 'notice not delivered');
          failed.push(team);
        }
      }
      return { noticeId: notice.noticeId, requestedBy: notice.requestedBy, sent, noChannel, failed };
    });
  }

  private async remind(now: number): Promise<Record<string, unknown>> {
    const { store, config, reminded, settings, egress, log } = this.deps;
    const inactiveMs = config.inactiveDays * DAY_MS;
    const [inactive, teams, installed, remindedAt] = await Promise.all([store.inactiveUsers(now, inactiveMs), store.knownTeams(), this.deps.installedTeams(), reminded.all()]);
    const teamIds = [...new Set(inactive.map((s) => s.team))];
    const settingsByTeam = new Map(await Promise.all(teamIds.map(async (t) => [t, await settings.get(t)] as const)));
    const posts = planReminders({
      inactive,
      teamLastAt: new Map(teams.map((t) => [t.team, t.lastAt])),
      settings: settingsByTeam,
      installed: new Set(installed),
      remindedAt,
      now,
      inactiveMs,
      maxMentions: config.maxMentions,
    });
    let users = 0;
    let failed = 0;
    for (const post of posts) {
      const mentions = post.users.map((u) => `<@${u}>`).join(' ');
      const text = `${st(post.lang, post.teamIdle ? 'remindTeam' : 'remindUsers', { mentions })}\n_${st(post.lang, 'optOutHint')}_`;
      try {
        await egress.post(post.team, post.channel, text, `reminder:${post.team}:${post.channel}:${localDay(now, config.calendar)}`);
        await reminded.mark(post.team, post.users, now);
        users += post.users.length;
      } catch (err) {
        const e = asSurfingerError(err);
        log.warn({ team: post.team, channel: post.channel, code: e.code, reason: e.message }, 'reminder not delivered');
        failed += 1;
      }
    }
    return { candidates: inactive.length, messages: posts.length - failed, users, failed };
  }

  private async once(job: string, period: string, run: () => Promise<Record<string, unknown>>): Promise<JobRun | null> {
    const { leases, holder, clock, history, log } = this.deps;
    if (!(await leases.claim(`job.${job}.${period}`, holder, clock.now()))) return null;
    const startedAt = clock.now();
    const jlog = log.child({ job, period });
    let record: JobRun;
    try {
      const summary = await run();
      record = { job, period, holder, startedAt, finishedAt: clock.now(), ok: true, summary };
      jlog.info({ summary }, 'job finished');
    } catch (err) {
      const e = asSurfingerError(err, SchedulerErrorCodes.JOB_FAILED);
      record = { job, period, holder, startedAt, finishedAt: clock.now(), ok: false, summary: { code: e.code }, error: e.message.slice(0, 500) };
      jlog.error({ err: e, code: e.code }, 'job failed');
    }
    await history.record(record);
    return record;
  }
}
