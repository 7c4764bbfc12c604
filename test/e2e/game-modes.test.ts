import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { KOK_JOIN_ACTION, LANG_ACTIONS, t } from '../../actors/index.ts';
import { REPO_ROOT, startCluster, type Cluster } from '../../services/local/cluster.ts';
import { Channel, messageText, targetOf, withTypos } from '../support/cluster-play.ts';

/**
 * Issue 5's acceptance through the real cluster: round mode and King of the Keyboard with three
 * players, a pasted answer caught, and /lang switching every later text and the prompt language.
 */
const HUMAN_PACE_MS = 5_000;

describe('game modes - through the whole cluster', () => {
  let cluster: Cluster;

  before(async () => {
    const logDir = join(REPO_ROOT, 'test-output', 'e2e-game-modes');
    rmSync(logDir, { recursive: true, force: true });
    cluster = await startCluster({ logDir });
  });
  after(async () => {
    await cluster?.stop();
  });

  test('round mode: two prompts in a row, a table per round, then totals; a pasted answer is caught', async () => {
    const team = cluster.sandbox.teams[0]!;
    const [alice, bob, carol] = team.users;
    const ch = new Channel(cluster, team.teamId, team.channels[0]!.id);
    await ch.command(alice!.id, '/start', 'round 2 easy');
    let after = '0';
    for (let round = 1; round <= 2; round++) {
      const prompt = await ch.waitForPrompt(after, 40_000);
      const message = (await ch.messages()).find((m) => m.ts === prompt.ts)!;
      const target = targetOf(message, prompt.typed, 'ko');
      await sleep(HUMAN_PACE_MS);
      await ch.say(alice!.id, target);
      await ch.say(bob!.id, withTypos(target, 2));
      // Carol copies the prompt as shown: the invisible markers come along.
      await ch.say(carol!.id, round === 1 ? prompt.shown : target);
      const results = await ch.waitForBlock('results', prompt.ts, 40_000);
      assert.ok(results.text.includes(`<@${alice!.id}>`) && results.text.includes(`<@${bob!.id}>`), results.text);
      if (round === 1) assert.ok(results.text.includes(t('ko', 'resultPasted', { user: `<@${carol!.id}>` })), `carol's paste is caught:\n${results.text}`);
      after = results.message.ts;
    }
    const totals = await ch.waitForBlock('totals', after, 30_000);
    assert.ok(totals.text.indexOf(`<@${alice!.id}>`) < totals.text.indexOf(`<@${bob!.id}>`), `alice tops the totals:\n${totals.text}`);
    // The paster got a gentle private notice.
    const notices = (await ch.messages()).filter((m) => m.ephemeral_to === carol!.id).map(messageText).join('\n');
    assert.ok(notices.includes(t('ko', 'pasted')), 'carol was told privately why her answer did not count');
  });

  test('King of the Keyboard: three join, the lowest scorer and the silent player are eliminated, the last one is crowned', async () => {
    const team = cluster.sandbox.teams[0]!;
    const [alice, bob, carol] = team.users;
    const ch = new Channel(cluster, team.teamId, team.channels[1]!.id);
    await ch.command(alice!.id, '/start', 'kok easy');
    const join = await ch.waitForBlock('kok-join', '0', 20_000);
    await ch.driver.click(team.teamId, ch.channel, bob!.id, join.message.ts, KOK_JOIN_ACTION, 'join');
    await ch.say(carol!.id, '참가');

    // Round 1: everyone answers; carol's many typos make her the lowest scorer.
    const p1 = await ch.waitForPrompt(join.message.ts, 40_000);
    const m1 = (await ch.messages()).find((m) => m.ts === p1.ts)!;
    const target1 = targetOf(m1, p1.typed, 'ko');
    await sleep(HUMAN_PACE_MS);
    await ch.say(alice!.id, target1);
    await ch.say(bob!.id, withTypos(target1, 1));
    await ch.say(carol!.id, withTypos(target1, 6));
    const r1 = await ch.waitForBlock('results', p1.ts, 40_000);
    const carolLine = r1.text.split('\n').find((l) => l.includes(carol!.id)) ?? '';
    assert.ok(carolLine.includes(t('ko', 'eliminatedMark')), `carol is out after round 1:\n${r1.text}`);

    // Round 2: bob stays silent and is eliminated; alice is the last one standing.
    const p2 = await ch.waitForPrompt(r1.message.ts, 40_000);
    const m2 = (await ch.messages()).find((m) => m.ts === p2.ts)!;
    await sleep(HUMAN_PACE_MS);
    await ch.say(alice!.id, targetOf(m2, p2.typed, 'ko'));
    const champion = await ch.waitForBlock('champion', p2.ts, 40_000);
    assert.equal(champion.text, `*${t('ko', 'kokChampion', { user: `<@${alice!.id}>` })}*`);
  });

  test('/lang switches all later bot text and the prompt language for the team', async () => {
    const team = cluster.sandbox.teams[0]!;
    const [alice] = team.users;
    const ch = new Channel(cluster, team.teamId, team.channels[0]!.id);
    await ch.command(alice!.id, '/lang');
    const picker = await ch.waitFor('the language picker', (ms) => ms.findLast((m) => m.blocks?.some((b) => b.block_id === 'lang-actions')));
    await ch.driver.click(team.teamId, ch.channel, alice!.id, picker.ts, LANG_ACTIONS.en, 'en');
    const before = (await ch.messages()).at(-1)!.ts;
    await ch.command(alice!.id, '/start', 'easy');
    const prompt = await ch.waitForPrompt(before, 40_000);
    assert.match(prompt.typed, /^[\x20-\x7e]+$/, `the prompt is English: ${prompt.typed}`);
    const countdown = (await ch.messages()).find((m) => Number(m.ts) > Number(before) && m.blocks?.some((b) => b.block_id === 'countdown'));
    assert.ok(countdown && !/[가-힣]/.test(messageText(countdown)), 'the countdown is in English');
    const help = await ch.command(alice!.id, '/helpgame');
    assert.ok(help, 'help answered');
    const helpMsg = (await ch.messages()).at(-1)!;
    assert.ok(messageText(helpMsg).includes('/start'), 'help lists /start');
    assert.ok(messageText(helpMsg).includes(t('en', 'helpHowTo')), `help is in English:\n${messageText(helpMsg)}`);
  });
});
