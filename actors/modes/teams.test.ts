import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GameResult, RoundResult } from '../../protocol/messages.ts';
import { TEAMS_JOIN_ACTION } from '../render.ts';
import { Rng } from '../rng.ts';
import { createDriver } from '../test-support.ts';
import { leadingTeams, splitTeams, teamRoundScores } from './teams.ts';

test('teams - a seeded split deals everyone once, sizes differing by at most one, the same for the same seed', () => {
  const players = ['A', 'B', 'C', 'D', 'E'];
  const teams = splitTeams(players, 2, new Rng(9));
  assert.deepEqual(teams.flat().sort(), players);
  assert.deepEqual(teams.map((t) => t.length).sort(), [2, 3]);
  assert.deepEqual(splitTeams(players, 2, new Rng(9)), teams);
});

test('teams - the round score is the mean over all members; a member without a ranked answer counts 0', () => {
  assert.deepEqual(teamRoundScores([['A', 'B'], ['C']], new Map([['A', 100], ['B', 50], ['C', 60]])), [75, 60]);
  assert.deepEqual(teamRoundScores([['A', 'B'], ['C']], new Map([['A', 100], ['C', 60]])), [50, 60]);
  assert.deepEqual(leadingTeams([10, 10, 3]), [0, 1]);
  assert.deepEqual(leadingTeams([0, 0]), []);
});

test('teams - four join, two teams of two play three rounds; team totals, the winner and the MVP are in the result', () => {
  const d = createDriver({ missionProbability: 0 });
  d.start('teams 2');
  d.send({ type: 'click', user: 'U2', actionId: TEAMS_JOIN_ACTION, value: 'join', messageTs: '1' });
  d.say('U3', 'join');
  d.say('U4', '참가');
  d.toPrompt();
  const members = d.state.game!.teams!.members;
  assert.deepEqual(members.map((m) => m.length), [2, 2]);
  const [strong, weak] = members as [string[], string[]];
  for (let round = 1; round <= 3; round++) {
    if (round > 1) d.toPrompt();
    d.advance(4_000);
    d.say('U9', d.target()); // did not join: not scored
    for (const u of strong) d.say(u, d.target());
    d.say(weak[0]!, d.target().slice(0, 4));
    // weak[1] has left: missing every round, counted as 0 in the team's mean
    d.toDeadline();
  }
  const rounds = d.published().filter((r): r is RoundResult => r.type === 'surfinger.result.v1.round');
  assert.equal(rounds.length, 3);
  assert.ok(rounds.every((r) => r.missed.includes(weak[1]!) && r.entries.every((e) => e.user !== 'U9')));
  const final = d.published().find((r): r is GameResult => r.resultId.endsWith(':final'))!;
  assert.equal(final.mode, 'teams');
  assert.deepEqual(final.teams?.map((t) => t.members), [strong, weak]);
  assert.ok(final.teams![0]!.score > final.teams![1]!.score);
  assert.ok(strong.includes(final.mvp!), 'the MVP is on the winning team');
  const text = d.effects.flatMap((e) => (e.type === 'post' ? [e.text] : [])).join('\n');
  assert.ok(text.includes('1팀') || text.includes('2팀'), 'team names are posted');
});

test('teams - fewer players than teams cancels the battle politely', () => {
  const d = createDriver();
  d.start('teams 3');
  d.say('U2', 'join');
  d.advance(20_000);
  assert.equal(d.state.game, null);
  const final = d.published().find((r): r is GameResult => r.resultId.endsWith(':final'))!;
  assert.equal(final.rounds, 0);
  assert.ok(d.effects.some((e) => e.type === 'post' && e.text.includes('3팀')));
});
