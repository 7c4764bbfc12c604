import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { LANG_ACTIONS, t } from '../../actors/index.ts';
import { AVERAGE_GOAL } from '../../actors/missions.ts';
import { REPO_ROOT, startCluster, type Cluster } from '../../services/local/cluster.ts';
import { badgeText } from '../../services/ranking/i18n.ts';
import type { ChannelMessage } from '../../services/bots/driver.ts';
import { Channel, messageText, missionOf, targetOf, withTypos } from '../support/cluster-play.ts';

/**
 * Issue 16's acceptance through the whole cluster and the sandbox's Slack limits: every round
 * carries a mission (SF_MISSION_RATE=1) and shows it; a game's badges are one message after the
 * result; a 200-player round posts every result message within Slack's limits and links its whole
 * table; /lang tells the channel.
 */
const PLAYERS = 200;
/** Long enough after the prompt that answers count as human speed, short enough to fit the time limit. */
const HUMAN_PACE_MS = 2_500;
/** How long the test watches for a second badge message that must not come (the outbox retries every 5 s). */
const QUIET_MS = 7_000;

const isBadgeMessage = (m: ChannelMessage) => m.bot_id !== undefined && m.blocks?.some((b) => b.block_id === 'badges') === true;
const after_ = (ts: string) => (m: ChannelMessage) => Number(m.ts) > Number(ts);

describe('Slack limits, missions and badges - through the whole cluster', () => {
  let cluster: Cluster;

  before(async () => {
    const logDir = join(REPO_ROOT, 'test-output', 'e2e-limits');
    rmSync(logDir, { recursive: true, force: true });
    cluster = await startCluster({ logDir, readyTimeoutMs: 120_000, sandbox: { teams: 1, channels: 4, users: PLAYERS }, serviceEnv: { 'actor-host': { SF_MISSION_RATE: '1' } } });
  });
  after(async () => {
    await cluster?.stop();
  });

  test('a normal game with missions at rate 1 shows the mission and scores by it', async () => {
    const team = cluster.sandbox.teams[0]!;
    const [alice, bob] = team.users;
    const ch = new Channel(cluster, team.teamId, team.channels[0]!.id);
    await ch.command(alice!.id, '/start', 'easy');
    const countdown = await ch.waitForBlock('countdown', '0', 20_000);
    const mission = missionOf(countdown.message, 'ko');
    assert.ok(mission, `the countdown shows the mission banner:\n${messageText(countdown.message)}`);
    const prompt = await ch.waitForPrompt('0', 30_000);
    const message = (await ch.messages()).find((m) => m.ts === prompt.ts)!;
    assert.deepEqual(missionOf(message, 'ko'), mission, 'the prompt repeats the banner');
    const target = targetOf(message, prompt.typed, 'ko');
    const transforms = target !== prompt.typed;
    await sleep(HUMAN_PACE_MS);
    // Alice follows the mission; bob types the sentence as shown (a transform mission), or slips.
    await ch.say(alice!.id, target);
    await sleep(300);
    await ch.say(bob!.id, transforms ? prompt.typed : mission.id === 'second-best' ? withTypos(target, 3) : target);
    const results = await ch.waitForBlock('results', prompt.ts, 40_000);
    assert.deepEqual(missionOf(results.message, 'ko'), mission, 'the result shows the mission it was scored by');
    const all = messageText(results.message);
    const line = (user: string) => results.text.split('\n').find((l) => l.includes(`<@${user}>`)) ?? '';
    const winners = (await ch.waitForBlock('outcome', prompt.ts)).text;
    switch (mission.id) {
      case 'reverse':
      case 'initials-swap':
      case 'consonant-replace':
        assert.ok(transforms, `${mission.id} changes what must be typed`);
        assert.match(line(alice!.id), /— 100%/, `typing the mission's target is perfect:\n${results.text}`);
        assert.doesNotMatch(line(bob!.id), /— 100%/, `typing the plain sentence is not:\n${results.text}`);
        assert.ok(winners.includes(`<@${alice!.id}>`) && !winners.includes(`<@${bob!.id}>`), winners);
        break;
      case 'second-best':
        assert.ok(winners.includes(`<@${bob!.id}>`) && !winners.includes(`<@${alice!.id}>`), `the second-best score wins:\n${all}`);
        break;
      case 'fastest-correct':
        assert.ok(winners.includes(`<@${alice!.id}>`) && !winners.includes(`<@${bob!.id}>`), `the first perfect answer wins:\n${all}`);
        break;
      case 'all-perfect':
        assert.ok(all.includes(t('ko', 'missionAllPerfectMet')), `both perfect: the mission is accomplished:\n${all}`);
        break;
      case 'average-95':
        assert.ok(all.includes(t('ko', 'missionAverageMet', { average: 100, goal: AVERAGE_GOAL })), `average 100 %: accomplished:\n${all}`);
        break;
    }
  });

  test('a game where a player earns three badges posts one badge message, after the result', async () => {
    const team = cluster.sandbox.teams[0]!;
    const carol = team.users[2]!;
    const ch = new Channel(cluster, team.teamId, team.channels[1]!.id);
    await ch.command(carol.id, '/start', 'easy');
    const prompt = await ch.waitForPrompt('0', 30_000);
    const message = (await ch.messages()).find((m) => m.ts === prompt.ts)!;
    await sleep(HUMAN_PACE_MS);
    // Alone and perfect: a first game, a first win and a perfect round at once.
    await ch.say(carol.id, targetOf(message, prompt.typed, 'ko'));
    const results = await ch.waitForBlock('results', prompt.ts, 40_000);
    const badges = await ch.waitFor('the badge message', (ms) => ms.find((m) => isBadgeMessage(m) && after_(results.message.ts)(m)), 30_000);
    const text = messageText(badges);
    assert.ok(text.includes(`<@${carol.id}>`), text);
    for (const id of ['first_game', 'first_win', 'perfect']) assert.ok(text.includes(badgeText('ko', id).name), `${id} is in the one message:\n${text}`);
    await sleep(QUIET_MS);
    assert.equal((await ch.messages()).filter(isBadgeMessage).length, 1, 'one badge message for the game');
  });

  test(`a ${PLAYERS}-player round: every result message is accepted and the whole table is one link away`, async () => {
    const team = cluster.sandbox.teams[0]!;
    const users = team.users.slice(0, PLAYERS);
    assert.equal(users.length, PLAYERS);
    const ch = new Channel(cluster, team.teamId, team.channels[2]!.id);
    // Hard prompts are long, so their time limit leaves room for 200 answers on a busy machine.
    await ch.command(users[0]!.id, '/start', 'round 1 hard');
    const prompt = await ch.waitForPrompt('0', 30_000);
    const message = (await ch.messages()).find((m) => m.ts === prompt.ts)!;
    const target = targetOf(message, prompt.typed, 'ko');
    await sleep(HUMAN_PACE_MS);
    // Bots answering together, a third of them with a slip, as a crowd would.
    for (let i = 0; i < users.length; i += 50) {
      await Promise.all(users.slice(i, i + 50).map((u, j) => ch.say(u.id, (i + j) % 3 === 0 ? withTypos(target, 1) : target)));
    }
    const results = await ch.waitForBlock('results', prompt.ts, 60_000);
    const totals = await ch.waitForBlock('totals', results.message.ts, 30_000);
    const badges = await ch.waitFor('the badge message', (ms) => ms.find((m) => isBadgeMessage(m) && after_(totals.message.ts)(m)), 30_000);
    assert.ok(messageText(badges).length > 0);

    const more = results.message.blocks?.find((b) => b.block_id === 'results-more');
    const moreText = more ? messageText({ ...results.message, text: '', blocks: [more] }) : '';
    const link = /<(https?:\/\/[^|>]+)\|/.exec(moreText)?.[1];
    assert.ok(link, `the result message says how many more and links them; it shows:\n${messageText(results.message).slice(-600)}`);
    // The rows shown and the "… and N more" together are every player: nobody's answer was lost.
    const shown = (results.message.blocks ?? []).filter((b) => /^results(-\d+)?$/.test(b.block_id ?? '')).map((b) => b.text?.text ?? '').join('\n').split('\n').length;
    const hidden = Number(/(\d+)/.exec(moreText)?.[1]);
    assert.equal(shown + hidden, PLAYERS, moreText);
    const page = await fetch(link.replace(/&amp;/g, '&'));
    assert.equal(page.status, 200);
    const listed = new Set([...(await page.text()).matchAll(/<tr data-user="([^"]+)"/g)].map((m) => m[1]));
    assert.equal(listed.size, PLAYERS, 'every player is on the page');
    for (const u of users) assert.ok(listed.has(u.id), u.id);
  });

  test('/lang tells the whole channel, in both languages', async () => {
    const team = cluster.sandbox.teams[0]!;
    const [alice] = team.users;
    const ch = new Channel(cluster, team.teamId, team.channels[3]!.id);
    await ch.command(alice!.id, '/lang');
    const picker = await ch.waitFor('the language picker', (ms) => ms.findLast((m) => m.blocks?.some((b) => b.block_id === 'lang-actions')));
    await ch.driver.click(team.teamId, ch.channel, alice!.id, picker.ts, LANG_ACTIONS.en, 'en');
    const notice = await ch.waitFor('the language notice', (ms) => ms.find((m) => after_(picker.ts)(m) && m.text.includes('English')));
    assert.equal(notice.ephemeral_to, undefined, 'the channel sees it, not only the clicker');
    assert.ok(notice.text.includes(`<@${alice!.id}>`) && /영어로/.test(notice.text), notice.text);
    await ch.driver.click(team.teamId, ch.channel, alice!.id, picker.ts, LANG_ACTIONS.ko, 'ko');
  });
});
