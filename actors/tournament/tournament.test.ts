import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createTournament, nextDeadline, specProblem, standings, step, type TournamentEvent, type TournamentSpec, type TournamentState } from './tournament.ts';

const T0 = 1_800_000_000_000;
const A = { team: 'T1', channel: 'C1' };
const B = { team: 'T1', channel: 'C2' };
const C = { team: 'T2', channel: 'C9' };
const spec = (over: Partial<TournamentSpec> = {}): TournamentSpec => ({
  id: 'cup',
  name: 'Winter Cup',
  lang: 'en',
  channels: [A, B, C],
  rounds: 2,
  startsAt: T0,
  roundGapMs: 60_000,
  collectMs: 45_000,
  createdBy: 'admin',
  ...over,
});
const result = (c: { team: string; channel: string }, round: number, entries: Array<[string, number, boolean?]>, startedAt = T0 + (round - 1) * 60_000 + 100): TournamentEvent => ({
  type: 'channelResult',
  team: c.team,
  channel: c.channel,
  resultId: `${c.team}-${c.channel}-${startedAt}:1`,
  startedAt,
  entries: entries.map(([user, score, ranked = true]) => ({ user, score, ranked })),
});

/** Runs events in order; each [event, now]. */
function run(state: TournamentState, events: Array<[TournamentEvent, number]>): TournamentState {
  return events.reduce((s, [e, now]) => step(s, e, now).state, state);
}
const tick = { type: 'tick' } as const;

describe('tournament - rules', () => {
  test('creating announces it with an empty table in every channel, in every workspace', () => {
    const { state, effects } = createTournament(spec());
    assert.equal(state.phase, 'scheduled');
    assert.deepEqual(effects.map((e) => [e.type, e.team, e.channel]), [['post', 'T1', 'C1'], ['post', 'T1', 'C2'], ['post', 'T2', 'C9']]);
    assert.equal(nextDeadline(state), T0);
  });

  test('round k opens in every channel at the same scheduled moment, even on a late tick (failover)', () => {
    const created = createTournament(spec()).state;
    assert.deepEqual(step(created, tick, T0 - 1).effects, [], 'a tick before its time is a no-op');
    const opened = step(created, tick, T0 + 7_000);
    assert.deepEqual(opened.effects, [A, B, C].map((c) => ({ type: 'startRound', team: c.team, channel: c.channel, round: 1 })));
    assert.equal(opened.state.rounds[0]?.openedAt, T0, 'the window counts from the schedule, not the late tick');
    assert.equal(nextDeadline(opened.state), T0 + 45_000);
  });

  test('results sum per player across rounds; the round closes early once every channel reported; tables go everywhere', () => {
    let s = step(createTournament(spec()).state, tick, T0).state;
    s = run(s, [[result(A, 1, [['U1', 100], ['U2', 50]]), T0 + 20_000], [result(B, 1, [['U3', 80]]), T0 + 21_000]]);
    const closing = step(s, result(C, 1, [['U1', 70]]), T0 + 22_000);
    assert.equal(closing.state.phase, 'between');
    assert.equal(closing.effects.filter((e) => e.type === 'update').length, 3, 'standings edited in all three channels');
    s = step(closing.state, tick, T0 + 60_000).state;
    s = run(s, [[result(A, 2, [['U1', 10.04]]), T0 + 70_000], [result(B, 2, [['U3', 90]]), T0 + 70_000], [result(C, 2, [['U1', 5]]), T0 + 71_000]]);
    assert.equal(s.phase, 'finished');
    const table = standings(s);
    // U1 exists in two workspaces: T1:U1 and T2:U1 are different people.
    assert.deepEqual(table.ranked.map((p) => [p.team, p.user, p.points, p.place]), [['T1', 'U3', 170, 1], ['T1', 'U1', 110, 2], ['T2', 'U1', 75, 3], ['T1', 'U2', 50, 4]]);
    assert.deepEqual(table.winners.map((w) => w.user), ['U3']);
  });

  test('ties share a place and every player tied first wins', () => {
    let s = step(createTournament(spec({ rounds: 1 })).state, tick, T0).state;
    s = run(s, [[result(A, 1, [['U1', 100], ['U2', 40]]), T0 + 1_000], [result(B, 1, [['U3', 100], ['U4', 40]]), T0 + 1_000], [result(C, 1, [['U5', 10]]), T0 + 1_000]]);
    const table = standings(s);
    assert.deepEqual(table.ranked.map((p) => p.place), [1, 1, 3, 3, 5]);
    assert.deepEqual(table.winners.map((w) => w.user).sort(), ['U1', 'U3']);
  });

  test('a channel that does not play is skipped at the close; the others go on and it may join the next round', () => {
    let s = step(createTournament(spec()).state, tick, T0).state;
    s = run(s, [[result(A, 1, [['U1', 100]]), T0 + 1_000], [result(B, 1, [['U3', 60]]), T0 + 1_000]]);
    assert.equal(s.phase, 'collecting', 'still waiting for C');
    const closed = step(s, tick, T0 + 45_000);
    assert.equal(closed.state.phase, 'between');
    assert.deepEqual(closed.state.rounds[0]?.skipped, ['T2:C9']);
    assert.match(JSON.stringify(closed.effects[0]), /no record this round/);
    const late = step(closed.state, result(C, 1, [['U9', 500]]), T0 + 50_000);
    assert.deepEqual([late.state, late.effects], [closed.state, []], 'a late result of a closed round is ignored');
    s = step(closed.state, tick, T0 + 60_000).state;
    s = step(s, result(C, 2, [['U9', 30]]), T0 + 61_000).state;
    assert.equal(s.players['T2:U9']?.points, 30);
  });

  test('a player who does not answer a round keeps their points; a player who withdraws keeps them off the ranking', () => {
    let s = step(createTournament(spec()).state, tick, T0).state;
    s = run(s, [[result(A, 1, [['U1', 100], ['U2', 120]]), T0 + 1_000], [tick, T0 + 45_000], [tick, T0 + 60_000]]);
    s = step(s, result(A, 2, [['U1', 30]]), T0 + 61_000).state;
    assert.deepEqual([s.players['T1:U2']?.points, s.players['T1:U2']?.played], [120, 1], 'U2 skipped round 2: points kept');
    const left = step(s, { type: 'withdraw', team: 'T1', user: 'U2' }, T0 + 62_000);
    assert.equal(left.effects.length, 3, 'the table changes everywhere');
    const table = standings(left.state);
    assert.deepEqual(table.ranked.map((p) => p.user), ['U1']);
    assert.deepEqual(table.withdrawn.map((p) => [p.user, p.points]), [['U2', 120]]);
    assert.deepEqual(step(left.state, { type: 'withdraw', team: 'T1', user: 'U2' }, T0 + 63_000).effects, [], 'withdrawing twice changes nothing');
    const finished = run(left.state, [[tick, T0 + 105_000]]);
    assert.deepEqual(standings(finished).winners.map((w) => w.user), ['U1'], 'a player who left cannot win');
  });

  test('results that are not ours are ignored: a game started before the round, an unknown channel, a repeat, unranked answers score 0', () => {
    let s = step(createTournament(spec()).state, tick, T0).state;
    const before = step(s, result(A, 1, [['U1', 100]], T0 - 5), T0 + 1_000);
    assert.deepEqual(before.state, s, 'a game already running when the round opened');
    assert.deepEqual(step(s, result({ team: 'T3', channel: 'C1' }, 1, [['U1', 100]]), T0 + 1_000).state, s);
    s = step(s, result(A, 1, [['U1', 100], ['U2', 900, false]]), T0 + 1_000).state;
    assert.deepEqual(step(s, result(A, 1, [['U1', 100]]), T0 + 2_000).state, s, 'one result per channel per round');
    assert.deepEqual([s.players['T1:U2']?.points, s.players['T1:U2']?.played], [0, 1], 'a pasted answer plays for nothing');
  });

  test('cancel stops the tournament wherever it is; bad specs are named', () => {
    const s = step(createTournament(spec()).state, tick, T0).state;
    const cancelled = step(s, { type: 'cancel', by: 'admin' }, T0 + 1_000);
    assert.equal(cancelled.state.phase, 'cancelled');
    assert.equal(nextDeadline(cancelled.state), null);
    assert.match(JSON.stringify(cancelled.effects[0]), /cancelled/);
    assert.equal(specProblem(spec({ channels: [A] })), 'a tournament needs at least two channels');
    assert.equal(specProblem(spec({ channels: [A, A] })), 'a channel is listed twice');
    assert.equal(specProblem(spec({ collectMs: 60_000 })), 'collectMs must be positive and shorter than roundGapMs');
    assert.equal(specProblem(spec()), null);
  });

  test('standings read in Korean too', () => {
    assert.match(JSON.stringify(createTournament(spec({ lang: 'ko' })).effects[0]), /토너먼트가 시작돼요/);
    const s = run(step(createTournament(spec({ lang: 'ko', rounds: 1 })).state, tick, T0).state, [[result(A, 1, [['U1', 100]]), T0 + 1_000]]);
    const final = step(s, tick, T0 + 45_000);
    assert.match(JSON.stringify(final.effects[0]), /토너먼트 종료! 우승: <@U1>/);
    assert.match(JSON.stringify(final.effects[0]), /이번 라운드 기록 없음/);
  });
});
