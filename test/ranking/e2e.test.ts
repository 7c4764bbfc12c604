import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { REPO_ROOT, startCluster, type Cluster } from '../../services/local/cluster.ts';
import { Channel, messageText } from '../support/cluster-play.ts';

const OUT = 'test-output/ranking';
const run = promisify(execFile);

/**
 * Issue 8 through the real cluster (every service its own process, the sandbox as Slack): a played
 * round is ranked and earns announced badges, /myscore links to a working public page, the admin
 * page shows the game and the cluster, a notice from its form arrives in the sandbox channel, and
 * `surfinger ranking rebuild` leaves /rank unchanged.
 */
describe('ranking e2e - badges, pages and notices through the whole cluster', () => {
  let cluster: Cluster;
  let browser: Browser;
  let channel: Channel;
  let user = '';

  before(async () => {
    await mkdir(OUT, { recursive: true });
    cluster = await startCluster({ sandbox: { teams: 1 }, logLevel: 'info' });
    const team = cluster.sandbox.teams[0]!;
    channel = new Channel(cluster, team.teamId, team.channels[0]!.id);
    user = team.users[0]!.id;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
  });

  after(async () => {
    await browser?.close();
    await cluster?.stop();
  });

  test('a perfect round earns badges that are announced in the channel, once', async () => {
    await channel.command(user, '/start');
    const prompt = await channel.waitForPrompt();
    // Type at a human pace (~550 keystrokes a minute): an instant answer is flagged and unranked.
    await new Promise((r) => setTimeout(r, [...prompt.typed].length * 250));
    await channel.say(user, prompt.typed);
    await channel.waitForBlock('results', prompt.ts, 60_000);
    // One announcement per game, the player's badges grouped on their line (issue 16).
    const announced = await channel.waitFor('the game\'s badge announcement', (messages) => {
      const texts = messages.map(messageText).filter((t) => t.includes('🎊'));
      return texts.length >= 1 ? texts : undefined;
    });
    assert.equal(announced.length, 1, announced.join('\n'));
    const line = announced[0]!.split('\n').find((l) => l.includes(`<@${user}>`)) ?? '';
    assert.ok((line.match(/\*[^*]+\*/g) ?? []).length >= 3, `three or more badges on the player's line: ${announced[0]}`);
    await new Promise((r) => setTimeout(r, 1_000));
    const all = (await channel.messages()).map(messageText).filter((t) => t.includes('🎊'));
    assert.equal(new Set(all).size, all.length, 'no badge announced twice');
  });

  test('/myscore links to the public page, which shows the player and their badges', async () => {
    let text = '';
    // The link is a separate ephemeral from ranking (through egress), so it may land after the reply.
    await channel.command(user, '/myscore');
    for (let i = 0; i < 40 && !text.includes('/u/'); i++) {
      text = (await channel.messages()).map(messageText).findLast((t) => t.includes('/u/')) ?? '';
      if (!text.includes('/u/')) await new Promise((r) => setTimeout(r, 250));
    }
    const url = /<(http[^|>]+\/u\/[^|>]+)\|/u.exec(text)?.[1];
    assert.ok(url !== undefined && url.startsWith(cluster.ingressUrl), text);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(url);
    assert.match((await page.locator('h1').textContent()) ?? '', new RegExp(user));
    assert.ok((await page.locator('.badge:not(.locked)').count()) >= 3);
    await page.screenshot({ path: `${OUT}/e2e-user-page.png`, fullPage: true });
    await page.close();
  });

  test('admin page shows the game and the cluster; a notice from the form arrives in the sandbox channel', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    await page.goto(`${cluster.ingressUrl}/admin`);
    await page.fill('input[name=user]', cluster.env.SF_ADMIN_USER ?? '');
    await page.fill('input[name=password]', cluster.env.SF_ADMIN_PASSWORD ?? '');
    await page.click('#login');
    await page.waitForSelector('#games-chart svg');
    assert.equal(await page.locator('#games-today').textContent(), '1');
    await page.fill('textarea[name=text]', 'New season starts Monday!');
    await page.click('#notice-preview');
    await page.click('#notice-confirm');
    await page.waitForSelector('.alert.ok');
    await channel.waitFor('the notice', (messages) => messages.map(messageText).find((t) => t.includes('New season starts Monday!')));
    await page.goto(`${cluster.ingressUrl}/admin`);
    await page.waitForSelector('#jobs tbody tr');
    assert.match((await page.locator('#jobs').textContent()) ?? '', /notice/u);
    await page.screenshot({ path: `${OUT}/e2e-admin.png`, fullPage: true });
    await page.close();
  });

  test('surfinger ranking rebuild swaps in an identical generation; /rank is unchanged', async () => {
    await channel.command(user, '/rank');
    const before = messageText((await channel.messages()).at(-1)!);
    const { stdout } = await run(process.execPath, ['bin/surfinger.mjs', 'ranking', 'rebuild'], { cwd: REPO_ROOT, env: { ...process.env, ...cluster.env } });
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as { applied: number; generation: string };
    assert.ok(report.applied >= 2, stdout);
    await channel.command(user, '/rank');
    assert.equal(messageText((await channel.messages()).at(-1)!), before);
  });
});
