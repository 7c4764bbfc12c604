import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { chromium } from 'playwright-core';
import { startSandbox } from '../../services/sandbox/index.ts';
import { freePort } from '../../services/local/local-infra.ts';
import { parseTokenKeys, TokenStore } from '../../services/common/token-store.ts';
import { start } from '../../services/ingress/service.ts';
import { startInfra } from '../support/harness.ts';
import { quiet } from './edge-kit.ts';

/** Issue 7, acceptance 4: "Add to Slack" end to end in a real browser against the sandbox. */
const infra = await startInfra();
const sandbox = await startSandbox({ port: 0, logger: quiet });
after(() => sandbox.close());
const tokenKeys = `t:${randomBytes(32).toString('base64')}`;
const tokens = new TokenStore(infra.redisClient(), parseTokenKeys(tokenKeys, true), infra.subjects.prefix);
const port = await freePort();
const publicUrl = `http://127.0.0.1:${port}`;
const ingress = await start({
  log: quiet,
  natsUrl: infra.nats.url,
  redisUrl: infra.redis.url,
  prefix: infra.subjects.prefix,
  host: '127.0.0.1',
  port,
  signingSecrets: sandbox.info.teams.map((t) => t.signingSecret),
  tokenKeys,
  production: true,
  oauth: {
    clientId: sandbox.info.app.clientId,
    clientSecret: sandbox.info.app.clientSecret,
    authorizeBase: new URL(sandbox.url).origin,
    publicUrl,
    scopes: 'commands,chat:write,channels:history',
    slackApiUrl: sandbox.info.apiUrl,
  },
  rateLimits: { userPerMinute: 100, teamPerMinute: 100 },
  bodyLimit: 65_536,
  admin: { user: 'admin', password: undefined },
  pageLinkSecret: 'test-page-link-secret-0123456789abcdef',
});
after(() => ingress.stop());
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
});
after(() => browser.close());
await mkdir('test-output', { recursive: true });
const team = sandbox.info.teams[0]!;

test('oauth - Add to Slack → Allow on the sandbox → success page, token stored encrypted', async () => {
  assert.equal(await tokens.get(team.teamId), null);
  const page = await browser.newPage({ locale: 'ko-KR', extraHTTPHeaders: { 'accept-language': 'ko-KR,ko;q=0.9' } });
  await page.goto(`${publicUrl}/slack/install`);
  assert.equal(new URL(page.url()).pathname, '/oauth/v2/authorize');
  assert.match(await page.content(), /commands/);
  await page.screenshot({ path: 'test-output/oauth-1-authorize.png' });
  await page.selectOption('select[name=team]', team.teamId);
  await Promise.all([page.waitForURL(`${publicUrl}/slack/oauth_redirect**`), page.click('button:has-text("Allow")')]);
  await page.screenshot({ path: 'test-output/oauth-2-installed.png' });
  assert.equal(await page.getAttribute('#result', 'data-ok'), 'true');
  assert.match((await page.textContent('#message')) ?? '', /설치 완료/);
  const stored = await tokens.get(team.teamId);
  assert.equal(stored?.botToken, team.botToken);
  assert.equal(stored?.botUserId, team.botUserId);
  // The same redirect again (a replayed state) is refused.
  const replay = await page.goto(page.url());
  assert.equal(replay?.status(), 400);
  assert.match((await page.textContent('#message')) ?? '', /state already used|다시/);
  await page.close();
});

test('oauth - a forged or foreign state is refused and nothing is stored', async () => {
  const other = sandbox.info.teams[0]!;
  await tokens.delete(other.teamId);
  const page = await browser.newPage();
  const forged = await page.goto(`${publicUrl}/slack/oauth_redirect?code=x&state=${'a'.repeat(22)}.9999999999999.${'b'.repeat(43)}`);
  assert.equal(forged?.status(), 400);
  // A state issued to another browser (no cookie) is refused even though its MAC is valid.
  const res = await fetch(`${publicUrl}/slack/install`, { redirect: 'manual' });
  const state = new URL(res.headers.get('location')!).searchParams.get('state')!;
  const foreign = await page.goto(`${publicUrl}/slack/oauth_redirect?code=x&state=${encodeURIComponent(state)}`);
  assert.equal(foreign?.status(), 400);
  assert.match((await page.textContent('#message')) ?? '', /another browser/);
  await page.screenshot({ path: 'test-output/oauth-3-refused.png' });
  assert.equal(await tokens.get(other.teamId), null);
  await page.close();
});
