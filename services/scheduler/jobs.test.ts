import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_TEAM_SETTINGS } from '../common/team-settings.ts';
import { hasRunWindow, hourOfWeek, isQuiet, localDay, localWeek, parseQuietHours } from './calendar.ts';
import { planRelevel } from './relevel.ts';
import { planReminders, WEEK_MS, type ReminderInputs } from './reminders.ts';

const KST = { utcOffsetMin: 540, quietFrom: 21, quietTo: 9 };
const DAY = 24 * 60 * 60 * 1000;

describe('calendar', () => {
  test('quiet hours wrap around midnight in local time', () => {
    assert.equal(isQuiet(Date.UTC(2026, 10, 30, 13), KST), true, '22:00 KST');
    assert.equal(isQuiet(Date.UTC(2026, 10, 30, 23), KST), true, '08:00 KST');
    assert.equal(isQuiet(Date.UTC(2026, 10, 30, 0), KST), false, '09:00 KST');
    assert.equal(isQuiet(Date.UTC(2026, 10, 30, 11), KST), false, '20:00 KST');
  });

  test('the weekly period is the local Monday, the daily one the local date', () => {
    // Sunday 2026-11-29 20:00 UTC is Monday 05:00 in Seoul.
    const t = Date.UTC(2026, 10, 29, 20);
    assert.equal(localWeek(t, KST), '2026-11-30');
    assert.equal(localDay(t, KST), '2026-11-30');
    assert.equal(hourOfWeek(t, KST), 5);
  });

  test('a reminder hour with no non-quiet hour left in the day is detected', () => {
    assert.equal(hasRunWindow(11, KST), true);
    assert.equal(hasRunWindow(8, KST), true, 'waits for 09:00');
    assert.equal(hasRunWindow(22, KST), false);
  });

  test('quiet hours parse from "21-9" and reject nonsense', () => {
    assert.deepEqual(parseQuietHours('21-9'), { quietFrom: 21, quietTo: 9 });
    assert.throws(() => parseQuietHours('9pm-7'));
  });
});

describe('relevel plan', () => {
  const entries = Array.from({ length: 10 }, (_, i) => ({ id: `ko-${String(i + 1).padStart(4, '0')}`, text: `t${i}`, level: 3 }));
  const stats = new Map(entries.map((e, i) => [e.id, { answers: 30, avgAccuracy: 50 + i * 5 }]));

  test('lowest average accuracy moves toward hardest, highest toward easiest, one level a week', () => {
    const moves = planRelevel(entries, stats, 20);
    assert.deepEqual(
      moves.map((m) => [m.id, m.from, m.to]),
      [['ko-0001', 3, 4], ['ko-0002', 3, 4], ['ko-0003', 3, 4], ['ko-0004', 3, 4], ['ko-0007', 3, 2], ['ko-0008', 3, 2], ['ko-0009', 3, 2], ['ko-0010', 3, 2]],
    );
    assert.equal(moves[0]?.avgAccuracy, 50);
  });

  test('prompts below the minimum sample size never move', () => {
    const thin = new Map([...stats].map(([id, s]) => [id, id === 'ko-0001' ? { ...s, answers: 5 } : s]));
    assert.ok(!planRelevel(entries, thin, 20).some((m) => m.id === 'ko-0001'));
    assert.deepEqual(planRelevel(entries, stats, 31), []);
  });
});

describe('reminder plan', () => {
  const now = Date.UTC(2026, 10, 30, 3);
  const base: ReminderInputs = {
    inactive: [
      { team: 'T1', user: 'U1', lastAt: now - 8 * DAY, lastChannel: 'C1' },
      { team: 'T1', user: 'U2', lastAt: now - 9 * DAY, lastChannel: 'C1' },
      { team: 'T1', user: 'U3', lastAt: now - 9 * DAY, lastChannel: 'C2' },
      { team: 'T2', user: 'U9', lastAt: now - 20 * DAY, lastChannel: 'C9' },
    ],
    teamLastAt: new Map([
      ['T1', now - DAY],
      ['T2', now - 20 * DAY],
    ]),
    settings: new Map([
      ['T1', DEFAULT_TEAM_SETTINGS],
      ['T2', { ...DEFAULT_TEAM_SETTINGS, lang: 'en' as const }],
    ]),
    installed: new Set(['T1', 'T2']),
    remindedAt: new Map(),
    now,
    inactiveMs: 7 * DAY,
    maxMentions: 20,
  };

  test('one message per last channel, in the team language; a fully idle team is addressed as a team', () => {
    assert.deepEqual(planReminders(base), [
      { team: 'T1', channel: 'C1', lang: 'ko', users: ['U1', 'U2'], teamIdle: false },
      { team: 'T1', channel: 'C2', lang: 'ko', users: ['U3'], teamIdle: false },
      { team: 'T2', channel: 'C9', lang: 'en', users: ['U9'], teamIdle: true },
    ]);
  });

  test('team and user opt-outs and uninstalled teams are respected', () => {
    const plan = planReminders({
      ...base,
      settings: new Map([
        ['T1', { ...DEFAULT_TEAM_SETTINGS, optedOutUsers: ['U1', 'U3'] }],
        ['T2', { ...DEFAULT_TEAM_SETTINGS, remindersOptOut: true }],
      ]),
    });
    assert.deepEqual(plan.map((p) => [p.team, p.users]), [['T1', ['U2']]]);
    assert.deepEqual(planReminders({ ...base, installed: new Set(['T2']) }).map((p) => p.team), ['T2']);
  });

  test('one reminder per idle spell and never two within a week', () => {
    const remindedAt = new Map([
      ['T1:U1', now - 8 * DAY + 1], // reminded after their last game: not again this spell
      ['T1:U2', now - WEEK_MS + DAY], // reminded six days ago
      ['T1:U3', now - 10 * DAY], // reminded before their last game, over a week ago
    ]);
    assert.deepEqual(planReminders({ ...base, remindedAt }).map((p) => [p.channel, p.users]), [['C2', ['U3']], ['C9', ['U9']]]);
  });

  test('mentions per message are capped', () => {
    assert.deepEqual(planReminders({ ...base, maxMentions: 1 })[0]?.users, ['U1']);
  });
});
