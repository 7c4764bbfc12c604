import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { REPO_ROOT, startCluster, type Cluster } from '../../services/local/cluster.ts';
import { signSlackRequest } from '../../services/common/slack-signature.ts';
import { parseTokenKeys, TokenStore } from '../../services/common/token-store.ts';
import { Channel, messageText } from '../support/cluster-play.ts';

/**
 * Issue 14, through the real cluster in HTTP mode (SF_SLACK_DELIVERY=http, the Marketplace mode)
 * with Slack's token rotation on and bot tokens that live 8 seconds, two egress replicas:
 * 1. a new workspace installs through "Add to Slack" exactly as docs/real-slack.md says and plays
 *    a game that outlives its first bot token (acceptance 1 and 3);
 * 2. `/start` where the bot is not a member tells the player to invite it; after /invite it plays
 *    (acceptance 5);
 * 3. tokens_revoked per token and app_uninstalled (acceptance 4).
 */
const LIFETIME_S = 8;

describe('real Slack, HTTP mode - install, play across token expiry, invite hint, revocation', () => {
  let cluster: Cluster;
  let redis: Redis;
  let tokens: TokenStore;

  before(async () => {
    const logDir = join(REPO_ROOT, 'test-output', 'e2e-real-slack-install');
    rmSync(logDir, { recursive: true, force: true });
    cluster = await startCluster({
      delivery: 'http',
      sandbox: { teams: 2, tokenRotation: true, tokenLifetimeSeconds: LIFETIME_S },
      services: ['egress', 'ranking', 'actor-host', 'ingress'],
      logDir,
      readyTimeoutMs: 60_000,
    });
    // Two egress replicas share the refresh tokens: neither may spend one the other already spent.
    await cluster.addService('egress');
    redis = new Redis(cluster.redisUrl, { maxRetriesPerRequest: 3 });
    tokens = new TokenStore(redis, parseTokenKeys(cluster.env.SF_TOKEN_KEYS, false), cluster.prefix);
  });

  after(async () => {
    redis?.disconnect();
    await cluster?.stop();
  });

  test('Add to Slack → consent → callback stores the rotating pair; /start plays across a token expiry', async () => {
    const team = cluster.sandbox.teams[0]!;
    // A workspace that never installed: the local cluster pre-seeds tokens, so forget them first.
    await tokens.delete(team.teamId);
    // 1. The "Add to Slack" link: a signed state, a cookie, a redirect to Slack's consent page.
    const install = await fetch(`${cluster.ingressUrl}/slack/install`, { redirect: 'manual' });
    assert.equal(install.status, 302);
    const cookie = install.headers.getSetCookie()[0]!.split(';')[0]!;
    const authorize = new URL(install.headers.get('location')!);
    assert.equal(authorize.origin, cluster.sandboxUrl);
    assert.deepEqual(authorize.searchParams.get('scope')?.split(',').sort(), ['channels:history', 'channels:read', 'chat:write', 'commands', 'groups:history', 'groups:read']);
    // 2. The consent page, then Allow for this workspace (the form the page shows).
    const consent = await fetch(authorize);
    assert.equal(consent.status, 200);
    assert.match(await consent.text(), /chat:write/);
    const form = new URLSearchParams({ team: team.teamId, allow: '1', ...Object.fromEntries(['client_id', 'scope', 'redirect_uri', 'state'].map((k) => [k, authorize.searchParams.get(k) ?? ''])) });
    const allowed = await fetch(new URL('/oauth/v2/authorize', cluster.sandboxUrl), { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    assert.equal(allowed.status, 302);
    const callback = allowed.headers.get('location')!;
    assert.ok(callback.startsWith(`${cluster.ingressUrl}/slack/oauth_redirect?`), callback);
    // 3. Back at our callback: the code is exchanged and the tokens stored.
    const done = await fetch(callback, { headers: { cookie, 'accept-language': 'en' } });
    assert.equal(done.status, 200);
    assert.match(await done.text(), /Installed! SurFinger was added to/);
    const installed = await tokens.get(team.teamId);
    assert.ok(installed && installed.botToken.startsWith('xoxe.xoxb-'), 'a rotating bot token');
    assert.ok(installed.refreshToken && installed.tokenExpiresAt, 'refresh token and expiry stored');

    // 4. /start in a channel the bot is in → prompt → answers → result, across the token's expiry.
    const general = new Channel(cluster, team.teamId, team.channels[0]!.id);
    const [alice, bob] = team.users;
    await general.command(alice!.id, '/start', 'normal easy');
    const prompt = await general.waitForPrompt(undefined, 45_000);
    const wait = installed.tokenExpiresAt! + 1_000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, 7_000)));
    await general.say(alice!.id, prompt.typed);
    await general.say(bob!.id, prompt.typed);
    const results = await general.waitForBlock('results', prompt.ts, 60_000);
    assert.match(results.text, new RegExp(`<@${alice!.id}>`));
    assert.ok(Date.now() > installed.tokenExpiresAt!, 'the results were posted after the installed token expired');
    const later = await tokens.get(team.teamId);
    assert.notEqual(later?.botToken, installed.botToken, 'egress refreshed the token');
    // Neither replica ever had its refresh refused (a double spend is invalid_refresh_token).
    const logs = readdirSync(cluster.logDir).map((f) => readFileSync(join(cluster.logDir, f), 'utf8')).join('\n');
    assert.doesNotMatch(logs, /invalid_refresh_token|SF_ERR_TOKEN_REFRESH/);
    assert.ok(!logs.includes(installed.botToken) && !logs.includes(installed.refreshToken!), 'no token in any log');
  });

  test('/start where the bot is not a member → invite hint to the player; after /invite it plays', async () => {
    const team = cluster.sandbox.teams[0]!;
    const lounge = new Channel(cluster, team.teamId, 'C0LOUNGE01');
    const [alice] = team.users;
    await lounge.command(alice!.id, '/start', 'normal easy');
    const hint = await lounge.waitFor('the invite hint', (ms) => ms.find((m) => /\/invite @surfinger/.test(messageText(m))));
    assert.equal(hint.ephemeral_to, alice!.id, 'only the player sees it');
    assert.match(messageText(hint), /초대/, 'in Korean (the team default)');
    const invited = await fetch(new URL('/sandbox/v1/invite', cluster.sandboxUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ team_id: team.teamId, channel_id: 'C0LOUNGE01' }) });
    assert.equal(invited.status, 200);
    await lounge.command(alice!.id, '/start', 'normal easy');
    const prompt = await lounge.waitForPrompt(undefined, 45_000);
    assert.ok(prompt.typed.length > 0);
    await lounge.command(alice!.id, '/exit');
  });

  test('tokens_revoked with only user tokens keeps the bot; a revoked bot token and app_uninstalled remove the team', async () => {
    const [teamA, teamB] = cluster.sandbox.teams as [(typeof cluster.sandbox.teams)[0], (typeof cluster.sandbox.teams)[0]];
    // Slack sends this when a user's own (oauth) token is revoked; we keep no user tokens.
    const body = JSON.stringify({ type: 'event_callback', team_id: teamB.teamId, api_app_id: teamB.appId, event_id: 'Ev0USERONLY1', event_time: 1, event: { type: 'tokens_revoked', tokens: { oauth: [teamB.users[0]!.id], bot: [] }, event_ts: '1.000001' } });
    const ts = Math.floor(Date.now() / 1000);
    const res = await fetch(`${cluster.ingressUrl}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signSlackRequest({ signingSecret: teamB.signingSecret, timestamp: ts, body }) },
      body,
    });
    assert.equal(res.status, 200);
    assert.ok(await tokens.get(teamB.teamId), 'user tokens revoked: the bot stays installed');

    const driver = (route: string, team: string) => fetch(new URL(`/sandbox/v1/${route}`, cluster.sandboxUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ team_id: team }) });
    assert.equal((await driver('revoke', teamB.teamId)).status, 200);
    await until(async () => (await tokens.get(teamB.teamId)) === null, 'the revoked bot token to remove team B');
    assert.equal((await driver('uninstall', teamA.teamId)).status, 200);
    await until(async () => (await tokens.get(teamA.teamId)) === null, 'app_uninstalled to remove team A');
  });
});

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}
