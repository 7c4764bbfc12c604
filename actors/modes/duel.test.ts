import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROBOT_USER, type GameResult } from '../../protocol/messages.ts';
import { createDriver } from '../test-support.ts';
import { DUEL_ACTIONS } from '../render.ts';
import { duelWinner, isDecided, parseDuelArgs, roundWinner } from './duel.ts';

const finalOf = (d: ReturnType<typeof createDriver>) => d.published().find((r): r is GameResult => r.resultId.endsWith(':final'))!;
const click = (d: ReturnType<typeof createDriver>, user: string, actionId: string) => d.send({ type: 'click', user, actionId, value: '', messageTs: '1' });
const duel = (d: ReturnType<typeof createDriver>, text: string, user = 'U1') => d.send({ type: 'command', user, command: 'duel', text, lang: 'ko' });

test('duel args - a mention (with or without a name) and an optional round count', () => {
  assert.deepEqual(parseDuelArgs('<@U2>'), { opponent: 'U2', rounds: 3 });
  assert.deepEqual(parseDuelArgs(' <@U2|bob> 5 '), { opponent: 'U2', rounds: 5 });
  for (const bad of ['', 'bob', '<@U2> 0', '<@U2> 10', '<@U2> 3 4', '@U2']) assert.equal(parseDuelArgs(bad), null, bad);
});

test('duel rules - a tied best place gives nobody the point; clinching ends early; a draw needs equal wins and totals', () => {
  assert.equal(roundWinner(['A', 'B'], [['A'], ['B']]), 0);
  assert.equal(roundWinner(['A', 'B'], [['A', 'B']]), null);
  assert.equal(roundWinner(['A', 'B'], []), null);
  assert.equal(isDecided([2, 0], 2, 3), true);
  assert.equal(isDecided([1, 0], 1, 3), false);
  assert.equal(isDecided([1, 1], 3, 3), true);
  assert.equal(duelWinner(['A', 'B'], [1, 1], [100, 90]), 'A');
  assert.equal(duelWinner(['A', 'B'], [1, 1], [90, 90]), null);
});

test('duel - challenging yourself, the robot or with bad args is answered privately and starts nothing', () => {
  const d = createDriver();
  for (const text of ['<@U1>', `<@${ROBOT_USER}>`, 'nobody']) {
    const fx = duel(d, text);
    assert.equal(fx[0]?.type === 'reply' && fx[0].responseType, 'ephemeral', text);
    assert.equal(d.state.game, null);
  }
});

test('duel - only the challenged player may accept; accepted, the winner of two rounds takes a best of 3', () => {
  const d = createDriver({ missionProbability: 0 });
  duel(d, '<@U2> 3');
  assert.equal(d.state.game?.phase, 'challenge');
  const notYours = click(d, 'U3', DUEL_ACTIONS.accept);
  assert.equal(notYours[0]?.type, 'ephemeral');
  assert.equal(d.state.game?.phase, 'challenge');
  click(d, 'U2', DUEL_ACTIONS.accept);
  for (let round = 1; round <= 2; round++) {
    d.toPrompt();
    d.advance(3_000);
    d.say('U3', d.target()); // a bystander's answer does not count
    d.say('U1', d.target());
    d.say('U2', d.target().slice(0, 3));
  }
  assert.equal(d.state.game, null, 'U1 clinched 2–0: no third round');
  const final = finalOf(d);
  assert.deepEqual(final.duel, { players: ['U1', 'U2'], wins: [2, 0], winner: 'U1', outcome: 'won' });
  assert.equal(final.rounds, 2);
  const rounds = d.published().filter((r) => r.type === 'surfinger.result.v1.round');
  assert.ok(rounds.every((r) => r.type === 'surfinger.result.v1.round' && r.entries.every((e) => e.user !== 'U3')), 'only duelists are scored');
});

test('duel - a tied round gives nobody a point, and equal wins with equal totals is a draw', () => {
  const d = createDriver({ missionProbability: 0 });
  duel(d, '<@U2> 1');
  click(d, 'U2', DUEL_ACTIONS.accept);
  d.toPrompt();
  d.advance(3_000);
  d.say('U1', d.target());
  d.say('U2', d.target());
  const final = finalOf(d);
  assert.deepEqual(final.duel, { players: ['U1', 'U2'], wins: [0, 0], winner: null, outcome: 'draw' });
});

test('duel - declined, or left unanswered until it expires, ends unrated without a round', () => {
  const declined = createDriver();
  duel(declined, '<@U2>');
  click(declined, 'U2', DUEL_ACTIONS.decline);
  assert.equal(finalOf(declined).duel?.outcome, 'declined');
  assert.equal(declined.published().length, 1);

  const expired = createDriver({ duelChallengeMs: 30_000 });
  duel(expired, '<@U2>');
  expired.advance(29_000);
  assert.equal(expired.state.game?.phase, 'challenge');
  expired.advance(1_000);
  assert.equal(finalOf(expired).duel?.outcome, 'expired');
  const late = click(expired, 'U2', DUEL_ACTIONS.accept);
  assert.equal(late[0]?.type, 'ephemeral', 'a click after expiry is told the duel is over');
});

test('duel - a duelist who leaves with /exit forfeits to the other; before acceptance it only withdraws', () => {
  const d = createDriver({ missionProbability: 0 });
  duel(d, '<@U2> 3');
  click(d, 'U2', DUEL_ACTIONS.accept);
  d.toPrompt();
  d.send({ type: 'command', user: 'U2', command: 'exit', text: '', lang: 'ko' });
  assert.deepEqual(finalOf(d).duel, { players: ['U1', 'U2'], wins: [0, 0], winner: 'U1', outcome: 'forfeit' });
  assert.equal(finalOf(d).exitedBy, 'U2');

  const w = createDriver();
  duel(w, '<@U2>');
  w.send({ type: 'command', user: 'U1', command: 'exit', text: '', lang: 'ko' });
  assert.equal(finalOf(w).duel?.outcome, 'withdrawn');
});

test('duel - a duelist who stops answering loses the rounds they miss', () => {
  const d = createDriver({ missionProbability: 0 });
  duel(d, '<@U2> 3');
  click(d, 'U2', DUEL_ACTIONS.accept);
  for (let round = 1; round <= 2; round++) {
    d.toPrompt();
    d.advance(3_000);
    d.say('U2', d.target());
    d.toDeadline();
  }
  assert.deepEqual(finalOf(d).duel, { players: ['U1', 'U2'], wins: [0, 2], winner: 'U2', outcome: 'won' });
});
