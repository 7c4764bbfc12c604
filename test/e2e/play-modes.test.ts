import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { t } from '../../actors/index.ts';
import { DUEL_ACTIONS, ROBOT_NAME, TEAMS_JOIN_ACTION } from '../../actors/render.ts';
import { REPO_ROOT, startCluster, type Cluster } from '../../services/local/cluster.ts';
import { ROBOT_USER } from '../../protocol/index.ts';
import { Channel, messageText } from '../support/cluster-play.ts';

/**
 * Issue 20's duels, robot battles and team battles through the real cluster and the sandbox, with
 * missions off so every score is the plain one.
 */
const HUMAN_PACE_MS = 5_000;

/** Every letter from the middle on dropped: a clearly worse answer than the exact one. */
const sloppy = (text: string) => text.slice(0, Math.ceil(text.length / 2));

/**
 * `/rank [text]` until its answer, posted in the channel, satisfies `done` (ranking applies results
 * from the stream a moment after the game posts them); returns the last answer's text.
 */
async function commandUntil(ch: Channel, user: string, text: string, done: (answer: string) => boolean): Promise<string> {
  const deadline = Date.now() + 30_000;
  let answer = '';
  while (Date.now() < deadline) {
    const before = (await ch.messages()).at(-1)?.ts ?? '0';
    await ch.command(user, '/rank', text);
    const reply = await ch.waitFor('the /rank answer', (ms) => ms.find((m) => Number(m.ts) > Number(before) && m.bot_id !== undefined), 10_000);
    answer = messageText(reply);
    if (done(answer)) return answer;
    await sleep(500);
  }
  return answer;
}

describe('duels, robot and team battles - through the whole cluster', () => {
  let cluster: Cluster;

  before(async () => {
    const logDir = join(REPO_ROOT, 'test-output', 'e2e-play-modes');
    rmSync(logDir, { recursive: true, force: true });
    cluster = await startCluster({ logDir, sandbox: { users: 4, channels: 3 }, env: { SF_MISSION_RATE: '0' } });
  });
  after(async () => {
    await cluster?.stop();
  });

  test('a duel: challenge, accept, two rounds won by alice, and the rating change shows in /rank duel', async () => {
    const team = cluster.sandbox.teams[0]!;
    const [alice, bob] = team.users;
    const ch = new Channel(cluster, team.teamId, team.channels[0]!.id);
    await ch.command(alice!.id, '/duel', `<@${bob!.id}> 3`);
    const challenge = await ch.waitForBlock('duel-challenge', '0', 20_000);
    // Carol's click does not count; bob's Accept starts the duel.
    await ch.driver.click(team.teamId, ch.channel, team.users[2]!.id, challenge.message.ts, DUEL_ACTIONS.accept, 'accept');
    await ch.driver.click(team.teamId, ch.channel, bob!.id, challenge.message.ts, DUEL_ACTIONS.accept, 'accept');
    let afterTs = challenge.message.ts;
    for (let round = 1; round <= 2; round++) {
      const prompt = await ch.waitForPrompt(afterTs, 40_000);
      await sleep(HUMAN_PACE_MS);
      await ch.say(alice!.id, prompt.typed);
      await ch.say(bob!.id, sloppy(prompt.typed));
      const results = await ch.waitForBlock('results', prompt.ts, 40_000);
      const score = results.message.blocks?.find((b) => b.block_id === 'duel-score')?.text?.text ?? '';
      assert.ok(score.includes(`*${round}* – *0*`), `alice leads ${round}–0:\n${score}`);
      afterTs = results.message.ts;
    }
    const result = await ch.waitForBlock('duel-result', afterTs, 30_000);
    assert.equal(result.text, `*${t('ko', 'duelWon', { winner: `<@${alice!.id}>`, winsW: 2, winsL: 0 })}*`);
    // Ranking applies the result from the stream: poll /rank duel until the ratings moved.
    const text = await commandUntil(ch, alice!.id, 'duel', (answer) => answer.includes('1016'));
    assert.ok(text.includes(`<@${alice!.id}>`) && text.includes('1016') && text.includes('984'), `alice 1000 → 1016, bob 1000 → 984:\n${text}`);
    assert.ok(text.indexOf(alice!.id) < text.indexOf(bob!.id), 'the winner is listed first');
  });

  test('a robot battle: the hard robot answers every round on its own, marked, and stays out of /rank', async () => {
    const team = cluster.sandbox.teams[0]!;
    const [, , carol] = team.users;
    const ch = new Channel(cluster, team.teamId, team.channels[1]!.id);
    await ch.command(carol!.id, '/start', 'robot hard');
    let afterTs = '0';
    for (let round = 1; round <= 3; round++) {
      const prompt = await ch.waitForPrompt(afterTs, 40_000);
      await sleep(HUMAN_PACE_MS);
      await ch.say(carol!.id, prompt.typed);
      const results = await ch.waitForBlock('results', prompt.ts, 40_000);
      assert.ok(results.text.includes(ROBOT_NAME) && results.text.includes(`<@${carol!.id}>`), `both carol and the robot are in the table:\n${results.text}`);
      assert.ok(!results.text.includes(t('ko', 'resultMissed', { user: ROBOT_NAME })), 'the robot typed in time');
      afterTs = results.message.ts;
    }
    const totals = await ch.waitForBlock('totals', afterTs, 30_000);
    assert.ok(totals.text.includes(ROBOT_NAME), totals.text);
    // Carol's answers count for her; the robot's never reach a leaderboard.
    const rank = await commandUntil(ch, carol!.id, '', (answer) => answer.includes(carol!.id));
    assert.ok(rank.includes(carol!.id), `carol is ranked:\n${rank}`);
    assert.ok(!rank.includes(ROBOT_USER) && !rank.includes(ROBOT_NAME), `the robot is not:\n${rank}`);
  });

  test('a 2-team battle with 4 players: random teams of two, team means per round, the winning team and the MVP', async () => {
    const team = cluster.sandbox.teams[0]!;
    const players = team.users.slice(0, 4);
    const ch = new Channel(cluster, team.teamId, team.channels[2]!.id);
    await ch.command(players[0]!.id, '/start', 'teams 2');
    const join = await ch.waitForBlock('teams-join', '0', 20_000);
    await ch.driver.click(team.teamId, ch.channel, players[1]!.id, join.message.ts, TEAMS_JOIN_ACTION, 'join');
    await ch.say(players[2]!.id, 'join');
    await ch.say(players[3]!.id, '참가');
    const lineup = await ch.waitForBlock('teams-lineup', join.message.ts, 40_000);
    const teams = lineup.text.split('\n').map((line) => players.filter((p) => line.includes(p.id)).map((p) => p.id));
    assert.deepEqual(teams.map((members) => members.length), [2, 2], lineup.text);
    // Team 1 types exactly, team 2 sloppily: team 1 wins, and its MVP is one of its members.
    let afterTs = lineup.message.ts;
    for (let round = 1; round <= 3; round++) {
      const prompt = await ch.waitForPrompt(afterTs, 40_000);
      await sleep(HUMAN_PACE_MS);
      for (const u of teams[0]!) await ch.say(u, prompt.typed);
      for (const u of teams[1]!) await ch.say(u, sloppy(prompt.typed));
      const scores = await ch.waitForBlock('team-scores', prompt.ts, 40_000);
      assert.equal(scores.text.split('\n').length, 2, scores.text);
      afterTs = scores.message.ts;
    }
    const winner = await ch.waitForBlock('teams-winner', afterTs, 30_000);
    assert.equal(winner.text, `*${t('ko', 'teamsWinner', { team: t('ko', 'teamName', { n: 1 }) })}*`);
    const final = (await ch.messages()).find((m) => m.ts === winner.message.ts)!;
    const mvp = final.blocks?.find((b) => b.block_id === 'teams-mvp');
    assert.ok(mvp && teams[0]!.some((u) => messageText(final).includes(`MVP: <@${u}>`)), messageText(final));
  });
});
