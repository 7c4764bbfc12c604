import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRobot, ROBOT_USER, type GameResult, type RoundResult } from '../../protocol/messages.ts';
import { hasMarkers } from '../markers.ts';
import { Rng } from '../rng.ts';
import { scoreAnswer } from '../scoring.ts';
import { createDriver } from '../test-support.ts';
import { timeLimitMs } from '../timing.ts';
import { ghostProfile, rememberAnswer, ROBOT_LEVELS, robotAnswer } from './robot.ts';

const rounds = (d: ReturnType<typeof createDriver>) => d.published().filter((r): r is RoundResult => r.type === 'surfinger.result.v1.round');

test('robot - its accuracy lands near its level and its time follows its speed', () => {
  const target = '다람쥐 헌 쳇바퀴에 타고파 키보드 위의 손가락이 춤을 춘다';
  for (const level of ['easy', 'normal', 'hard'] as const) {
    const profile = ROBOT_LEVELS[level];
    const a = robotAnswer(target, profile, 60_000, new Rng(7));
    const s = scoreAnswer({ prompt: target, answer: a.text, elapsedMs: a.elapsedMs, lang: 'ko' });
    assert.ok(Math.abs(s.accuracy - profile.accuracy) <= 6, `${level}: ${s.accuracy}% vs ${profile.accuracy}%`);
    assert.ok(Math.abs(s.speed - profile.speed) / profile.speed <= 0.12, `${level}: ${s.speed}/min vs ${profile.speed}`);
  }
});

test('robot - too slow for the limit, it sends what it typed just before the deadline', () => {
  const target = '키보드 위의 손가락이 춤을 춘다';
  const limit = timeLimitMs(target);
  const a = robotAnswer(target, { speed: 50, accuracy: 100 }, limit, new Rng(1));
  assert.ok(a.elapsedMs < limit && a.text.length < target.length && target.startsWith(a.text), JSON.stringify(a));
});

test('robot - a battle: the robot answers on its own timer, never pasting, marked in results, and the game ends', () => {
  const d = createDriver({ missionProbability: 0 });
  d.start('robot hard');
  assert.deepEqual(d.state.game?.players, ['U1', ROBOT_USER]);
  for (let round = 1; round <= 3; round++) {
    d.toPrompt();
    d.advance(1_000);
    d.say('U2', d.target()); // only the starter races the robot
    d.say('U1', d.target());
    // The robot's answer is the next deadline; it closes the round (both players answered).
    d.advanceTo(d.logic.nextDeadline(d.state)!);
    assert.equal(rounds(d).length, round);
  }
  const rs = rounds(d);
  assert.equal(rs.length, 3);
  for (const r of rs) {
    const bot = r.entries.find((e) => isRobot(e.user));
    assert.ok(bot && bot.robot === true && !bot.pasted && !hasMarkers(bot.text), JSON.stringify(bot));
    assert.ok(bot.elapsedMs > 0, 'it took time to type');
    assert.ok(r.entries.every((e) => e.user !== 'U2'));
  }
  const final = d.published().find((r): r is GameResult => r.resultId.endsWith(':final'))!;
  assert.equal(final.mode, 'robot');
  assert.equal(d.state.game, null);
});

test('robot - a late tick does not slow the robot: its time is the one it planned', () => {
  const d = createDriver({ missionProbability: 0 });
  d.start('robot easy');
  d.toPrompt();
  const planned = d.state.game!.robot!.pending!.elapsedMs;
  d.now += 60_000; // the host was away: one tick arrives long after both due times
  d.send({ type: 'tick' });
  const bot = rounds(d)[0]!.entries.find((e) => isRobot(e.user))!;
  assert.equal(bot.elapsedMs, planned);
});

test('robot - `me` races the ghost of the player’s recent answers in this channel, or says there is none', () => {
  const d = createDriver({ missionProbability: 0 });
  const none = d.start('robot me');
  assert.ok(none[0]?.type === 'reply' && none[0].responseType === 'ephemeral' && d.state.game === null);
  d.start('');
  d.toPrompt();
  d.advance(4_000);
  d.say('U1', d.target());
  d.toDeadline();
  const mine = rounds(d)[0]!.entries[0]!;
  d.start('robot me');
  assert.deepEqual({ speed: d.state.game!.robot!.speed, accuracy: d.state.game!.robot!.accuracy }, { speed: Math.round(mine.speed), accuracy: mine.accuracy });
});

test('robot - the ghost keeps the newest answers per player and forgets the least recent players', () => {
  let ghosts = rememberAnswer([], 'A', { speed: 100, accuracy: 90 });
  ghosts = rememberAnswer(ghosts, 'A', { speed: 300, accuracy: 100 });
  assert.deepEqual(ghostProfile(ghosts, 'A'), { speed: 200, accuracy: 95 });
  for (let i = 0; i < 20; i++) ghosts = rememberAnswer(ghosts, 'A', { speed: 50, accuracy: 50 });
  assert.deepEqual(ghostProfile(ghosts, 'A'), { speed: 50, accuracy: 50 });
  for (let i = 0; i < 200; i++) ghosts = rememberAnswer(ghosts, `U${i}`, { speed: 1, accuracy: 1 });
  assert.equal(ghostProfile(ghosts, 'A'), null);
  assert.equal(ghosts.length, 100);
});
