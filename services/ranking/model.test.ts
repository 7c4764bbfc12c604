import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROBOT_USER, type GameResult } from '../../protocol/index.ts';
import { entry, game, round, T0 } from '../../test/ranking/fixtures.ts';
import { foldBatch, type BatchState } from './batch.ts';
import { INITIAL_RATING } from './elo.ts';
import { usersOf } from './model.ts';

const EMPTY: BatchState = { users: new Map(), userBadges: new Map(), teams: new Map(), teamBadges: new Map() };

const duelGame = (gameId: string, at: number, duel: NonNullable<GameResult['duel']>) =>
  game({ gameId, at, mode: 'duel', totals: duel.players.map((user) => ({ user, score: 100, rounds: 1, avgAccuracy: 95 })), champion: duel.winner, duel });

test('model - the robot of a robot battle never enters statistics, records or leaderboards', () => {
  const r = round({ gameId: 'g1', at: T0, mode: 'robot', entries: [entry(ROBOT_USER, { robot: true, rank: 1 }), entry('U1', { rank: 2 })], winners: [ROBOT_USER] });
  const final = game({ gameId: 'g1', at: T0 + 1, mode: 'robot', totals: [{ user: ROBOT_USER, score: 200, rounds: 1, avgAccuracy: 98 }, { user: 'U1', score: 100, rounds: 1, avgAccuracy: 95 }], champion: ROBOT_USER });
  assert.deepEqual(usersOf(r), ['U1']);
  assert.deepEqual(usersOf(final), ['U1']);
  const fold = foldBatch([r, final], EMPTY, new Set());
  assert.deepEqual([...fold.after.users.keys()], ['T1:U1']);
  assert.deepEqual(fold.steps[0]?.folded.records.map((rec) => rec.u), ['U1']);
  assert.equal(fold.after.teams.get('T1')?.answers, 1);
});

test('model - a rated duel moves both ratings (Elo); a declined or expired one changes nothing', () => {
  const won = duelGame('d1', T0, { players: ['U1', 'U2'], wins: [2, 1], winner: 'U1', outcome: 'won' });
  const fold = foldBatch([won], EMPTY, new Set());
  const u1 = fold.after.users.get('T1:U1')!;
  const u2 = fold.after.users.get('T1:U2')!;
  assert.deepEqual([u1.duelRating, u1.duels, u1.duelWins], [INITIAL_RATING + 16, 1, 1]);
  assert.deepEqual([u2.duelRating, u2.duels, u2.duelWins], [INITIAL_RATING - 16, 1, 0]);

  const rematch = foldBatch([duelGame('d2', T0 + 1, { players: ['U2', 'U1'], wins: [0, 0], winner: null, outcome: 'draw' })], { ...EMPTY, users: fold.after.users, teams: fold.after.teams }, new Set());
  assert.ok(rematch.after.users.get('T1:U2')!.duelRating > u2.duelRating, 'a draw against a higher-rated player gains');

  for (const outcome of ['declined', 'expired', 'withdrawn'] as const) {
    const f = foldBatch([game({ gameId: `x-${outcome}`, at: T0, mode: 'duel', totals: [], champion: null, duel: { players: ['U1', 'U2'], wins: [0, 0], winner: null, outcome } })], EMPTY, new Set());
    assert.equal(f.after.users.size, 0, outcome);
  }
});

test('model - a duel result applied twice rates once', () => {
  const won = duelGame('d1', T0, { players: ['U1', 'U2'], wins: [1, 0], winner: 'U1', outcome: 'forfeit' });
  const fold = foldBatch([won, won], EMPTY, new Set());
  assert.equal(fold.steps[1], null);
  assert.equal(fold.after.users.get('T1:U1')!.duels, 1);
});
