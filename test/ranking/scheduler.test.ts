import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { NatsConnection } from 'nats';
import { codecs, MessageTypes } from '../../protocol/index.ts';
import { loadCorpus } from '../../services/common/corpus.ts';
import { createLogger } from '../../services/common/logger.ts';
import { TeamSettingsStore } from '../../services/common/team-settings.ts';
import { rankingRoot } from '../../services/ranking/keys.ts';
import { RankingStore } from '../../services/ranking/store.ts';
import { JobHistory } from '../../services/scheduler/history.ts';
import type { SchedulerConfig } from '../../services/scheduler/scheduler.ts';
import type { SlackEgress } from '../../services/scheduler/seams.ts';
import { start } from '../../services/scheduler/service.ts';
import { startInfra } from '../support/harness.ts';
import { DAY, entry, normalGame, T0 } from './fixtures.ts';

/** The in-memory SlackEgress: records what would have been posted. */
class MemoryEgress implements SlackEgress {
  readonly posts: Array<{ team: string; channel: string; text: string; key: string }> = [];
  async post(team: string, channel: string, text: string, key: string): Promise<void> {
    this.posts.push({ team, channel, text, key });
  }
}

class FakeClock {
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
}

const log = createLogger('scheduler-test', { level: 'silent' });
const infra = await startInfra();
const corpusDir = await mkdtemp(join(tmpdir(), 'sf-sched-corpus-'));
await cp(fileURLToPath(new URL('../../data/corpus', import.meta.url)), corpusDir, { recursive: true });
after(() => rm(corpusDir, { recursive: true, force: true }));

// Monday 2026-11-30 12:00 KST = 03:00 UTC.
const MONDAY_NOON = Date.UTC(2026, 10, 30, 3);
const config: SchedulerConfig = {
  calendar: { utcOffsetMin: 540, quietFrom: 21, quietTo: 9 },
  reminderHour: 11,
  relevelHourOfWeek: 3,
  relevelMinSample: 3,
  inactiveDays: 7,
  maxMentions: 20,
  corpusDir,
};

describe('scheduler - jobs on a fake clock, two replicas', () => {
  let nc1: NatsConnection;
  let nc2: NatsConnection;
  const clock = new FakeClock(MONDAY_NOON);
  const egress = new MemoryEgress();
  const stops: Array<() => Promise<void>> = [];
  const replicas: Array<Awaited<ReturnType<typeof start>>> = [];

  before(async () => {
    nc1 = await infra.natsClient('sched-1');
    nc2 = await infra.natsClient('sched-2');
    const redis = infra.redisClient();
    const store = new RankingStore(redis, rankingRoot(infra.subjects.prefix));
    stops.push(() => store.close());
    // U1 idle 10 days in C1; U2 played yesterday; T2's only player idle 9 days; ko-0001 is hard.
    const history = [
      ...normalGame('a', MONDAY_NOON - 10 * DAY, [entry('U1', { accuracy: 40 }), entry('U2', { accuracy: 99 })], { promptId: 'ko-0001' }),
      ...normalGame('b', MONDAY_NOON - 10 * DAY + 60_000, [entry('U1', { accuracy: 45 })], { promptId: 'ko-0001' }),
      ...normalGame('c', MONDAY_NOON - 10 * DAY + 120_000, [entry('U1', { accuracy: 42 })], { promptId: 'ko-0001' }),
      ...normalGame('d', MONDAY_NOON - DAY, [entry('U2', { accuracy: 100 })], { promptId: 'ko-0002' }),
      ...normalGame('e', MONDAY_NOON - DAY + 60_000, [entry('U2', { accuracy: 100 })], { promptId: 'ko-0002' }),
      ...normalGame('f', MONDAY_NOON - DAY + 120_000, [entry('U2', { accuracy: 98 })], { promptId: 'ko-0002' }),
      ...normalGame('g', MONDAY_NOON - 9 * DAY, [entry('U9', { accuracy: 90 })], { team: 'T2', channel: 'C9' }),
    ];
    for (const r of history) await store.apply(r);
    const settings = await TeamSettingsStore.open(nc1, infra.subjects);
    await settings.update('T2', { lang: 'en' });
    for (const [i, nc] of [nc1, nc2].entries()) {
      const running = await start({
        nc,
        redis: infra.redisClient(),
        subjects: infra.subjects,
        log,
        holder: `replica-${i + 1}`,
        config,
        installedTeams: async () => ['T1', 'T2'],
        // Ticks are driven by the test.
        tickMs: 3_600_000,
        clock,
        egress,
      });
      replicas.push(running);
      stops.push(running.stop);
    }
  });

  after(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  const history = () => new JobHistory(infra.redisClient(), infra.subjects.prefix).recent(100);

  test('two replicas ticking together run each job exactly once per period', async () => {
    // Each replica already ticked once when it started; ten more concurrent ticks add nothing.
    await Promise.all(Array.from({ length: 10 }, (_, i) => replicas[i % 2]!.scheduler.tick()));
    const deadline = Date.now() + 5_000;
    while ((await history()).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const recorded = await history();
    assert.deepEqual(recorded.map((r) => `${r.job}:${r.period}`).sort(), ['relevel:2026-11-30', 'reminders:2026-11-30']);
    assert.ok(recorded.every((r) => r.ok));
  });

  test('the daily reminder reached idle users only, once, in the team language', () => {
    const reminders = egress.posts.filter((p) => p.key.startsWith('reminder:'));
    assert.deepEqual(reminders.map((p) => [p.team, p.channel]), [['T1', 'C1'], ['T2', 'C9']]);
    assert.match(reminders[0]!.text, /<@U1>/u);
    assert.doesNotMatch(reminders[0]!.text, /<@U2>/u);
    assert.match(reminders[1]!.text, /This team hasn't raced/u);
  });

  test('the weekly re-level moved the hard prompt up and wrote the corpus', async () => {
    const relevel = (await history()).find((r) => r.job === 'relevel');
    const moved = (relevel?.summary.moved as { ko: Array<{ id: string; from: number; to: number }> }).ko;
    const hard = moved.find((m) => m.id === 'ko-0001');
    assert.ok(hard && hard.to === hard.from + 1, JSON.stringify(moved));
    assert.ok(!moved.some((m) => m.id === 'ko-0002'), 'the easiest prompt is already at level 1');
    const corpus = await loadCorpus(corpusDir);
    assert.equal(corpus.ko.find((e) => e.id === 'ko-0001')?.level, hard.to);
  });

  test('next day: no second reminder for the same idle spell; quiet hours run nothing', async () => {
    const before = egress.posts.length;
    clock.t = MONDAY_NOON + DAY;
    await Promise.all([replicas[0]!.scheduler.tick(), replicas[1]!.scheduler.tick()]);
    assert.equal(egress.posts.length, before);
    assert.ok((await history()).some((r) => r.job === 'reminders' && r.period === '2026-12-01'));
    clock.t = MONDAY_NOON + 2 * DAY + 11 * 3_600_000; // Wednesday 23:00 KST
    assert.deepEqual(await replicas[0]!.scheduler.tick(), []);
  });

  test('an admin notice published on NATS is pushed once to every installed team with a channel', async () => {
    const notice = { type: MessageTypes.notice, noticeId: 'n-1', text: 'Server maintenance at 3am', teams: [], requestedBy: 'admin', at: clock.t };
    // Published twice (e.g. a double click): one push.
    nc1.publish(infra.subjects.notice(), codecs.notice.encode(notice));
    nc2.publish(infra.subjects.notice(), codecs.notice.encode(notice));
    const deadline = Date.now() + 5_000;
    while (egress.posts.filter((p) => p.key.startsWith('notice:')).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    const notices = egress.posts.filter((p) => p.key.startsWith('notice:'));
    assert.deepEqual(notices.map((p) => [p.team, p.channel]).sort(), [['T1', 'C1'], ['T2', 'C9']]);
    assert.match(notices.find((p) => p.team === 'T2')!.text, /SurFinger notice\*\nServer maintenance/u);
    assert.equal((await history()).filter((r) => r.job === 'notice').length, 1);
  });
});
