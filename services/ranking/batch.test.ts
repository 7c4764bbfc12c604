import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DAY, entry, normalGame, randomHistory, T0 } from '../../test/ranking/fixtures.ts';
import { foldBatch, type BatchState } from './batch.ts';

const EMPTY: BatchState = { users: new Map(), userBadges: new Map(), teams: new Map(), teamBadges: new Map() };

/** `state` with a fold's changes on top, as the store keeps it between batches. */
function then(state: BatchState, after: BatchState): BatchState {
  return {
    users: new Map([...state.users, ...after.users]),
    userBadges: new Map([...state.userBadges, ...after.userBadges]),
    teams: new Map([...state.teams, ...after.teams]),
    teamBadges: new Map([...state.teamBadges, ...after.teamBadges]),
  };
}

describe('batch - folding results in batches', () => {
  const history = randomHistory(11, 150, T0 + 60 * DAY);

  test('one batch ends where one result at a time ends, with the same steps and badges', () => {
    const whole = foldBatch(history, EMPTY, new Set());
    let state = EMPTY;
    const steps = [];
    for (const result of history) {
      const one = foldBatch([result], state, new Set());
      steps.push(...one.steps);
      state = then(state, one.after);
    }
    assert.deepEqual(whole.steps, steps);
    assert.deepEqual(then(EMPTY, whole.after), state);
  });

  test('any split into batches ends in the same state', () => {
    const reference = then(EMPTY, foldBatch(history, EMPTY, new Set()).after);
    for (const size of [2, 7, 64]) {
      let state = EMPTY;
      for (let i = 0; i < history.length; i += size) state = then(state, foldBatch(history.slice(i, i + size), state, new Set()).after);
      assert.deepEqual(state, reference, `batches of ${size}`);
    }
  });

  test('a result id already applied, or seen earlier in the batch, is a duplicate and changes nothing', () => {
    const [round, final] = normalGame('g1', T0, [entry('U1', { accuracy: 100 })]);
    const once = foldBatch([round!, final!], EMPTY, new Set());
    const twice = foldBatch([round!, round!, final!, final!], EMPTY, new Set());
    assert.deepEqual(
      twice.steps.map((s) => s !== null),
      [true, false, true, false],
    );
    assert.deepEqual(twice.after, once.after);
    const known = foldBatch([round!, final!], EMPTY, new Set([round!.resultId]));
    assert.equal(known.steps[0], null);
    assert.equal(known.after.users.get('T1:U1')?.answers, 0, 'the applied round is not counted again');
  });

  test('a badge is earned once, by the result that crosses its line', () => {
    const games = [0, 1, 2].flatMap((i) => normalGame(`g${i}`, T0 + i * DAY, [entry('U1', { accuracy: 100 })]));
    const badges = foldBatch(games, EMPTY, new Set()).steps.map((s) => s?.badges.map((b) => b.badge) ?? []);
    assert.deepEqual(badges.flat().filter((b) => b === 'perfect'), ['perfect']);
    assert.deepEqual(badges[0], ['first_win', 'perfect']);
  });

  test('the state folded on is left untouched', () => {
    const before = then(EMPTY, foldBatch(history.slice(0, 40), EMPTY, new Set()).after);
    const copy = structuredClone(before);
    foldBatch(history.slice(40), before, new Set());
    assert.deepEqual(before, copy);
  });
});
