import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ResultMessage } from '../../protocol/index.ts';
import { DAY, entry, game, normalGame, round, T0 } from '../../test/ranking/fixtures.ts';
import { ALL_BADGES, COMEBACK_GAP_MS, newTeamBadges, newUserBadges, nextBadges, USER_BADGES } from './badges.ts';
import { badgeText } from './i18n.ts';
import { EMPTY_TEAM, EMPTY_USER, foldResult, type TeamStats, type UserStats } from './model.ts';

/** Badges `user` (or the team, for user = null) newly earns from `result` on top of `before`. */
function earned(result: ResultMessage, user: string | null, before: Partial<UserStats> = {}, team: Partial<TeamStats> = {}, owned: string[] = []): string[] {
  const userBefore = { ...EMPTY_USER, ...before };
  const teamBefore = { ...EMPTY_TEAM, ...team };
  const out = foldResult(result, { users: new Map(user === null ? [] : [[user, userBefore]]), team: teamBefore });
  if (user === null) return newTeamBadges(new Set(owned), teamBefore, out.team);
  const after = out.users.get(user);
  return after ? newUserBadges(new Set(owned), userBefore, after) : [];
}

const finished = (user: string, over: Parameters<typeof game>[0] extends infer G ? Partial<G> : never = {}) =>
  game({ gameId: 'g', at: T0, totals: [{ user, score: 100, rounds: 1, avgAccuracy: 90 }], ...over });

describe('badges - catalog', () => {
  test('at least 15 badges, unique ids, every one named and described in ko and en', () => {
    assert.ok(ALL_BADGES.length >= 15);
    assert.equal(new Set(ALL_BADGES.map((b) => b.id)).size, ALL_BADGES.length);
    for (const b of ALL_BADGES) {
      for (const lang of ['ko', 'en'] as const) {
        const text = badgeText(lang, b.id);
        assert.notEqual(text.name, b.id, `${lang} name of ${b.id}`);
        assert.ok(text.description.length > 0, `${lang} description of ${b.id}`);
      }
    }
  });

  test('an owned badge is never awarded again', () => {
    assert.deepEqual(earned(finished('U1'), 'U1', {}, {}, ['first_game']), []);
  });

  test('progress lists the closest unearned counting badges first', () => {
    const next = nextBadges(USER_BADGES, new Set(['first_game', 'perfect']), { ...EMPTY_USER, games: 9, perfects: 1 }, 2);
    assert.deepEqual(next.map((p) => [p.id, p.value, p.target]), [['games_10', 9, 10], ['perfect_10', 1, 10]]);
  });
});

describe('badges - user rules', () => {
  test('first_game: on the first finished game', () => {
    assert.deepEqual(earned(finished('U1'), 'U1'), ['first_game']);
  });

  test('games_10 and games_100: on the 10th and 100th game', () => {
    assert.deepEqual(earned(finished('U1'), 'U1', { games: 9 }, {}, ['first_game']), ['games_10']);
    assert.deepEqual(earned(finished('U1'), 'U1', { games: 99 }, {}, ['first_game', 'games_10']), ['games_100']);
    assert.deepEqual(earned(finished('U1'), 'U1', { games: 8 }, {}, ['first_game']), []);
  });

  test('a game with zero answered rounds does not count', () => {
    assert.deepEqual(earned(game({ gameId: 'g', at: T0, totals: [{ user: 'U1', score: 0, rounds: 0, avgAccuracy: 0 }], champion: null }), 'U1'), []);
  });

  test('first_win: winning a round', () => {
    assert.deepEqual(earned(round({ gameId: 'g', at: T0, entries: [entry('U1', { accuracy: 80 })], winners: ['U1'] }), 'U1'), ['first_win']);
    assert.deepEqual(earned(round({ gameId: 'g', at: T0, entries: [entry('U1', { accuracy: 80 })], winners: [] }), 'U1'), []);
  });

  test('perfect and perfect_10: 100% accuracy once and ten times', () => {
    assert.deepEqual(earned(round({ gameId: 'g', at: T0, entries: [entry('U1', { accuracy: 100, speed: 100 })] }), 'U1'), ['perfect']);
    assert.deepEqual(earned(round({ gameId: 'g', at: T0, entries: [entry('U1', { accuracy: 100, speed: 100 })] }), 'U1', { perfects: 9 }, {}, ['perfect']), ['perfect_10']);
  });

  test('a pasted 100% answer earns nothing', () => {
    assert.deepEqual(earned(round({ gameId: 'g', at: T0, entries: [entry('U1', { accuracy: 100, speed: 900, pasted: true })], winners: ['U1'] }), 'U1'), []);
  });

  test('a flagged answer earns nothing', () => {
    assert.deepEqual(earned(round({ gameId: 'g', at: T0, entries: [entry('U1', { accuracy: 100, speed: 900, flagged: true })] }), 'U1'), []);
  });

  test('speed tiers: 300, 500, 700 per minute at 90%+ accuracy', () => {
    const at = (speed: number, accuracy = 95) => earned(round({ gameId: 'g', at: T0, entries: [entry('U1', { accuracy, speed })] }), 'U1');
    assert.deepEqual(at(299), []);
    assert.deepEqual(at(300), ['speed_300']);
    assert.deepEqual(at(500), ['speed_300', 'speed_500']);
    assert.deepEqual(at(720), ['speed_300', 'speed_500', 'speed_700']);
    assert.deepEqual(at(720, 89), [], 'fast but sloppy earns no speed badge');
  });

  test('marathon: 10+ answered rounds in a round-mode game', () => {
    const marathon = (rounds: number, mode: 'round' | 'normal' = 'round') =>
      earned(game({ gameId: 'g', at: T0, mode, rounds, totals: [{ user: 'U1', score: 1, rounds, avgAccuracy: 90 }] }), 'U1', {}, {}, ['first_game']);
    assert.deepEqual(marathon(10), ['marathon']);
    assert.deepEqual(marathon(9), []);
    assert.deepEqual(marathon(12, 'normal'), []);
  });

  test('kok_crown: champion of a King of the Keyboard game only', () => {
    assert.deepEqual(earned(finished('U1', { mode: 'kok', champion: 'U1' }), 'U1', {}, {}, ['first_game']), ['kok_crown']);
    assert.deepEqual(earned(finished('U1', { mode: 'normal', champion: 'U1' }), 'U1', {}, {}, ['first_game']), []);
  });

  test('mission_specialist: the 5th won mission round', () => {
    const win = (mission: string | null) => round({ gameId: 'g', at: T0, mission, entries: [entry('U1', { accuracy: 80 })], winners: ['U1'] });
    assert.deepEqual(earned(win('reverse'), 'U1', { missionWins: 4, wins: 4 }, {}, ['first_win']), ['mission_specialist']);
    assert.deepEqual(earned(win(null), 'U1', { missionWins: 4, wins: 4 }, {}, ['first_win']), []);
  });

  test('comeback: activity two weeks or more after the previous one', () => {
    const back = round({ gameId: 'g', at: T0 + COMEBACK_GAP_MS, entries: [entry('U1', { accuracy: 80 })] });
    assert.deepEqual(earned(back, 'U1', { lastAt: T0, answers: 3 }), ['comeback']);
    assert.deepEqual(earned(back, 'U1', { lastAt: T0 + DAY, answers: 3 }), []);
    assert.deepEqual(earned(back, 'U1'), [], 'a first appearance is not a comeback');
  });

  test('first_exit: stopping a game with /exit', () => {
    assert.deepEqual(earned(game({ gameId: 'g', at: T0, totals: [], champion: null, exitedBy: 'U9' }), 'U9'), ['first_exit']);
  });
});

describe('badges - team rules', () => {
  test('team_games_10 and team_games_200', () => {
    assert.deepEqual(earned(finished('U1'), null, {}, { games: 9, players: 1 }), ['team_games_10']);
    assert.deepEqual(earned(finished('U1'), null, {}, { games: 199, players: 1 }, ['team_games_10']), ['team_games_200']);
  });

  test('team_players_5: the fifth distinct player', () => {
    const [first] = normalGame('g', T0, [entry('U5')]);
    assert.deepEqual(earned(first!, null, {}, { players: 4 }), ['team_players_5']);
    assert.deepEqual(earned(first!, null, {}, { players: 3 }), []);
  });

  test('team_crown: the first King of the Keyboard in the team', () => {
    assert.deepEqual(earned(finished('U1', { mode: 'kok', champion: 'U1' }), null, {}, { games: 1 }), ['team_crown']);
  });
});
