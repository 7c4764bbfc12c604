import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { chromium, type Browser } from 'playwright-core';
import { codecs, type Notice } from '../../protocol/index.ts';
import { createLogger } from '../../services/common/logger.ts';
import { TeamSettingsStore } from '../../services/common/team-settings.ts';
import { registerPages } from '../../services/ingress/pages/index.ts';
import { userLinkSignature, userPageUrl } from '../../services/common/page-links.ts';
import { parseTokenKeys, TokenStore } from '../../services/common/token-store.ts';
import { rankingRoot } from '../../services/ranking/keys.ts';
import { RankingStore } from '../../services/ranking/store.ts';
import { JobHistory } from '../../services/scheduler/history.ts';
import { startInfra } from '../support/harness.ts';
import { recordingEgress, startTestHost } from '../../services/actor-host/testing.ts';
import type { RunningActorHost } from '../../services/actor-host/service.ts';
import { DAY, randomHistory } from './fixtures.ts';

const OUT = 'test-output/ranking';
const log = createLogger('pages-test', { level: 'silent' });
const infra = await startInfra();
const NOW = Date.UTC(2026, 10, 29, 6);
const ADMIN = { user: 'admin', password: 'correct horse' };
const LINK_SECRET = 'pages-test-page-link-secret-0123456789';

describe('pages - landing, user page and admin in a real browser', () => {
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  const notices: Notice[] = [];
  let settings: TeamSettingsStore;
  let actorHost: RunningActorHost | undefined;

  before(async () => {
    await mkdir(OUT, { recursive: true });
    const nc = await infra.natsClient();
    const redis = infra.redisClient();
    const store = new RankingStore(redis, rankingRoot(infra.subjects.prefix));
    for (const r of randomHistory(7, 240, NOW - 60_000, 30)) await store.apply(r);
    await store.close();
    const history = new JobHistory(redis, infra.subjects.prefix);
    await history.record({ job: 'reminders', period: '2026-11-29', holder: 'sched-a', startedAt: NOW - DAY, finishedAt: NOW - DAY + 900, ok: true, summary: { candidates: 4, messages: 2, users: 3, failed: 0 } });
    await history.record({ job: 'relevel', period: '2026-11-23', holder: 'sched-b', startedAt: NOW - 2 * DAY, finishedAt: NOW - 2 * DAY + 2_000, ok: true, summary: { sampled: { ko: 40, en: 12 }, moved: { ko: [], en: [] } } });
    settings = await TeamSettingsStore.open(nc, infra.subjects);
    const sub = nc.subscribe(infra.subjects.notice());
    void (async () => {
      for await (const m of sub) notices.push(codecs.notice.decode(m.data));
    })();
    // A real actor host answers the tournament form (its posts go to a recording egress).
    recordingEgress(nc, infra.subjects);
    actorHost = await startTestHost(infra, 'pages-host');
    app = Fastify();
    const tokens = new TokenStore(redis, parseTokenKeys(undefined, false), infra.subjects.prefix);
    // No Slack call happens in these tests; registration is tested against the sandbox elsewhere.
    await registerPages(app, { nc, subjects: infra.subjects, redis, log, admin: ADMIN, installUrl: '/slack/install', now: () => NOW, tokens, slackApiUrl: 'http://127.0.0.1:9/api/', pageLinkSecret: LINK_SECRET });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await actorHost?.stop();
  });

  test('landing page renders counters and the Add to Slack button leads to /slack/install', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 }, locale: 'en-US' });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`${base}/`);
    assert.equal(await page.locator('h1').textContent(), 'Race your channel at typing');
    assert.equal(await page.locator('#add-to-slack').getAttribute('href'), '/slack/install');
    assert.notEqual(await page.locator('[data-counter="teams"]').textContent(), '0');
    // Reduced motion shows the demo's final frame at once (and proves that mode works).
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await page.screenshot({ path: `${OUT}/landing-en.png`, fullPage: true });
    assert.ok(requests.every((u) => u.startsWith(base) || u.startsWith('data:')), `external request: ${requests.find((u) => !u.startsWith(base))}`);
    await page.locator('#add-to-slack').click();
    await page.waitForURL(`${base}/slack/install`);
    await page.close();
  });

  test('landing page in Korean at phone width', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, locale: 'ko-KR' });
    await page.goto(`${base}/`);
    assert.equal(await page.locator('h1').textContent(), '채널 사람들과 타자 경주를');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(overflow, false, 'no horizontal scrolling at phone width');
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await page.screenshot({ path: `${OUT}/landing-ko-phone.png`, fullPage: true });
    await page.close();
  });

  test('user page opens with the player’s signed link and shows stats, badges and recent records; bad ids are 404', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${userPageUrl(base, LINK_SECRET, 'T1', 'U01')}&lang=en`);
    assert.equal(await page.locator('h1').textContent(), 'Records of U01');
    assert.equal(await page.locator('.badge').count(), 18);
    assert.ok((await page.locator('.badge:not(.locked)').count()) > 0);
    assert.ok((await page.locator('table tbody tr').count()) > 0);
    await page.screenshot({ path: `${OUT}/user-page.png`, fullPage: true });
    const bad = await fetch(`${base}/u/T1/..%2Fetc`);
    assert.equal(bad.status, 404);
    await page.close();
  });

  test('user page without a valid personal link is a 404 with no data', async () => {
    const signedForOther = userLinkSignature(LINK_SECRET, 'T1', 'U02');
    const otherSecret = userLinkSignature('another-secret-entirely-0123456789abc', 'T1', 'U01');
    for (const query of ['', '?k=', `?k=${signedForOther}`, `?k=${otherSecret}`, '?k=x', `?k[]=${signedForOther}`]) {
      const res = await fetch(`${base}/u/T1/U01${query}`);
      assert.equal(res.status, 404, query);
      const body = await res.text();
      assert.equal(body, 'not found', query);
    }
    assert.equal((await fetch(userPageUrl(base, LINK_SECRET, 'T1', 'U01'))).status, 200);
  });

  test('admin: login, chart, notice preview and confirmation publishes a Notice', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(`${base}/admin`);
    await page.screenshot({ path: `${OUT}/admin-login.png` });
    await page.fill('input[name=user]', 'admin');
    await page.fill('input[name=password]', 'wrong');
    await page.click('#login');
    assert.match((await page.locator('.alert.err').textContent()) ?? '', /Wrong user or password/u);
    await page.fill('input[name=user]', ADMIN.user);
    await page.fill('input[name=password]', ADMIN.password);
    await page.click('#login');
    await page.waitForSelector('#games-chart svg');
    assert.equal(await page.locator('#games-chart svg rect').count(), 30);
    assert.ok((await page.locator('#jobs tbody tr').count()) === 2);
    await page.screenshot({ path: `${OUT}/admin-dashboard.png`, fullPage: true });

    await page.fill('textarea[name=text]', 'Maintenance tonight at 3am <b>KST</b>');
    await page.fill('input[name=teams]', 'T1, T2');
    await page.click('#notice-preview');
    await page.waitForSelector('#notice-preview-text');
    assert.match((await page.locator('#notice-preview-text').textContent()) ?? '', /Maintenance tonight at 3am <b>KST<\/b>/u);
    await page.screenshot({ path: `${OUT}/admin-notice-preview.png` });
    await page.click('#notice-confirm');
    await page.waitForSelector('.alert.ok');
    const deadline = Date.now() + 3_000;
    while (notices.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(notices.length, 1);
    assert.equal(notices[0]?.text, 'Maintenance tonight at 3am <b>KST</b>');
    assert.deepEqual(notices[0]?.teams, ['T1', 'T2']);
    assert.equal(notices[0]?.requestedBy, 'admin');

    await page.fill('#optout input[name=team]', 'T1');
    await page.fill('#optout input[name=user]', 'U01');
    await page.click('#optout-stop');
    assert.match((await page.locator('.alert.ok').textContent()) ?? '', /No more reminders for T1\/U01/u);
    assert.deepEqual((await settings.get('T1')).optedOutUsers, ['U01']);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/admin?lang=ko`);
    await page.screenshot({ path: `${OUT}/admin-ko-phone.png`, fullPage: true });
    await context.close();
  });

  test('admin: the tournament form creates one over two workspaces, refuses a bad one with its code, and cancels', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(`${base}/admin?lang=en`);
    await page.fill('input[name=user]', ADMIN.user);
    await page.fill('input[name=password]', ADMIN.password);
    await page.click('#login');
    await page.waitForSelector('#tournaments');
    const create = async (id: string, channels: string) => {
      await page.fill('#tournaments input[name=id]', id);
      await page.fill('#tournaments input[name=name]', 'Winter Cup');
      await page.fill('#tournaments textarea[name=channels]', channels);
      // Far ahead of the pages' fixed clock, so no round opens during the test.
      await page.fill('#tournaments input[name=startsIn]', '100000');
      await page.click('#tournament-create');
      await page.waitForSelector('.alert');
    };
    await create('winter', 'T1:C1, T1:C1');
    assert.match((await page.locator('.alert.err').textContent()) ?? '', /a channel is listed twice \[SF_ERR_TOURNAMENT_INVALID\]/u);
    await create('winter', 'T1:C1, T2:C9');
    assert.match((await page.locator('.alert.ok').textContent()) ?? '', /Tournament winter created/u);
    assert.match((await page.locator('#tournaments tbody').textContent()) ?? '', /winter\s*Winter Cup\s*scheduled\s*0\/3/u);
    await page.screenshot({ path: `${OUT}/admin-tournaments.png`, fullPage: true });
    await page.click('#tournaments tbody button');
    assert.match((await page.locator('.alert.ok').textContent()) ?? '', /Tournament winter cancelled/u);
    assert.match((await page.locator('#tournaments tbody').textContent()) ?? '', /cancelled/u);
    await context.close();
  });

  test('admin forms refuse a missing CSRF token and anonymous posts', async () => {
    const login = await fetch(`${base}/admin/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `user=admin&password=${encodeURIComponent(ADMIN.password)}` });
    assert.equal(login.status, 403);
    const anonymous = await fetch(`${base}/admin/notice/send`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'text=hi&noticeId=n-1-aaaaaaaa' });
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('content-security-policy') ?? '', /default-src 'self'/u);
  });
});
