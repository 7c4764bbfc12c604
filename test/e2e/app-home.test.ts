import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { startCluster, type Cluster } from '../../services/local/cluster.ts';
import { Channel } from '../support/cluster-play.ts';

const OUT = 'test-output/app-home';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

interface HomeView {
  blocks: Array<{ block_id?: string; text?: { text: string }; fields?: Array<{ text: string }> }>;
}

async function homeOf(cluster: Cluster, team: string, user: string): Promise<HomeView | null> {
  const res = (await fetch(`${cluster.sandboxUrl}/sandbox/v1/home?team_id=${team}&user_id=${user}`).then((r) => r.json())) as { view: HomeView | null };
  return res.view;
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Issue 20 (5): the App Home tab through the whole cluster. A player plays two rounds at two
 * speeds, opens the app's Home tab in the sandbox's browser UI (app_home_opened → ranking renders
 * → egress views.publish) and sees their stats and a speed chart; the language toggle re-publishes
 * the Home in English. The same event over Socket Mode reaches the supervisor and publishes too.
 */
describe('app home e2e', () => {
  test('http delivery - the Home tab shows the player’s stats and speed chart in the browser; the toggle switches its language', async () => {
    await mkdir(OUT, { recursive: true });
    const cluster = await startCluster({ sandbox: { teams: 1 }, logDir: `${OUT}/logs-http`, readyTimeoutMs: 90_000 });
    after(() => cluster.stop());
    const team = cluster.sandbox.teams[0]!;
    const channel = new Channel(cluster, team.teamId, team.channels[0]!.id);
    const user = team.users[0]!.id;

    await channel.command(user, '/start', 'round 2');
    let lastTs = '0';
    // Two paces (ms per character), so the chart has two different speeds to draw.
    for (const pace of [220, 420]) {
      const prompt = await channel.waitForPrompt(lastTs, 60_000);
      await new Promise((r) => setTimeout(r, [...prompt.typed].length * pace));
      await channel.say(user, prompt.typed);
      lastTs = (await channel.waitForBlock('results', prompt.ts, 60_000)).message.ts;
    }

    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    after(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${cluster.sandbox.uiUrl}?team=${team.teamId}&channel=${team.channels[0]!.id}&user=${user}`);
    // Ranking applies results asynchronously: a Home opened before the second round is applied has
    // no chart yet, so the player opens it again (each opening publishes a fresh view), as in Slack.
    const chart = page.locator('[data-block-id="home-chart"] code');
    for (let until = Date.now() + 30_000; ; ) {
      await page.click('#open-home');
      const shown = await chart.waitFor({ timeout: 2_000 }).then(() => true, () => false);
      if (shown) break;
      assert.ok(Date.now() < until, 'the Home never showed the speed chart');
    }
    const bars = (await chart.innerText()).trim();
    assert.match(bars, /^[▁▂▃▄▅▆▇█]{2,}$/, `a sparkline of at least two records: ${bars}`);
    assert.notEqual(new Set(bars).size, 1, 'two different speeds draw two different bars');
    const stats = await page.locator('[data-block-id="home-stats"]').innerText();
    assert.match(stats, /게임\s*\n?\s*1/, `Korean (the team language) stats show one game:\n${stats}`);
    assert.match(stats, /최고 속도\s*\n?\s*\d+타\/분/);
    await page.screenshot({ path: `${OUT}/home-ko.png` });

    await page.click('button[data-action-id="home_lang_en"]');
    await page.locator('[data-block-id="home-stats"]', { hasText: 'Best speed' }).waitFor({ timeout: 20_000 });
    const en = await page.locator('[data-block-id="home-stats"]').innerText();
    assert.match(en, /Games\s*\n?\s*1/);
    assert.match(await page.locator('[data-block-id="home-recent"]').innerText(), /Recent games/);
    await page.screenshot({ path: `${OUT}/home-en.png` });
    // The choice is the player's: opening the Home again keeps English.
    await page.reload();
    await page.locator('[data-block-id="home-stats"]', { hasText: 'Best speed' }).waitFor({ timeout: 20_000 });
    assert.deepEqual(errors, []);
  });

  test('socket delivery - app_home_opened over Socket Mode publishes the Home through the supervisor', async () => {
    const cluster = await startCluster({ delivery: 'socket', sandbox: { teams: 1 }, logDir: `${OUT}/logs-socket`, readyTimeoutMs: 90_000 });
    after(() => cluster.stop());
    const team = cluster.sandbox.teams[0]!;
    const user = team.users[1]!.id;
    // The supervisor opens the app's links on demand; until then Slack holds the event and retries.
    const view = await until('a published Home', async () => {
      const opened = (await fetch(`${cluster.sandboxUrl}/sandbox/v1/home_open`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ team_id: team.teamId, user_id: user }) }).then((r) => r.json())) as { via: string };
      assert.notEqual(opened.via, 'http', 'socket mode never uses request URLs');
      return (await homeOf(cluster, team.teamId, user)) ?? undefined;
    }, 40_000);
    const stats = view.blocks.find((b) => b.block_id === 'home-stats');
    assert.ok(stats?.fields?.some((f) => f.text.includes('게임')), 'a player without records gets their (empty) stats');
  });
});
