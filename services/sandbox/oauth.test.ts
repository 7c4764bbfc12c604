import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { LogLevel, SocketModeClient } from '@slack/socket-mode';
import { WebClient } from '@slack/web-api';
import type { Sandbox } from './server.ts';
import { eventually, recordingApp, testSandbox, platformError } from './test-support.ts';

/** Installs that change: token rotation, uninstall and revocation, seen through the real WebClient. */

const quiet = { logLevel: LogLevel.ERROR };
const post = (sandbox: Sandbox, route: string, body: unknown) =>
  fetch(`${sandbox.url}sandbox/v1/${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));

/** Runs the consent page and returns a fresh code for the team. */
async function authorize(sandbox: Sandbox, clientId: string, team: string): Promise<string> {
  const form = new URLSearchParams({ client_id: clientId, scope: 'commands,chat:write', redirect_uri: 'http://127.0.0.1:9/cb', state: 's', team });
  const allow = await fetch(`${sandbox.url}oauth/v2/authorize`, { method: 'POST', redirect: 'manual', body: form });
  assert.equal(allow.status, 302);
  return new URL(allow.headers.get('location')!).searchParams.get('code')!;
}

describe('token rotation', async () => {
  const sandbox = await testSandbox({ tokenRotation: true, tokenLifetimeSeconds: 2 });
  const team = sandbox.info.teams[0]!;
  const { clientId, clientSecret } = sandbox.info.app;
  const oauth = new WebClient(undefined, { slackApiUrl: sandbox.info.apiUrl, ...quiet });

  test('seeded teams carry an expiring xoxe.xoxb- token and a refresh token', async () => {
    assert.match(team.botToken, /^xoxe\.xoxb-/);
    assert.match(team.refreshToken ?? '', /^xoxe-1-/);
    assert.ok(team.tokenExpiresAt! > Date.now() && team.tokenExpiresAt! <= Date.now() + 2_000);
    assert.equal((await new WebClient(team.botToken, { slackApiUrl: sandbox.info.apiUrl, ...quiet }).auth.test()).team_id, team.teamId);
  });

  test('oauth.v2.access answers in the rotating shape', async () => {
    const answer = await oauth.oauth.v2.access({ client_id: clientId, client_secret: clientSecret, code: await authorize(sandbox, clientId, team.teamId) });
    assert.match(answer.access_token ?? '', /^xoxe\.xoxb-/);
    assert.match(answer.refresh_token ?? '', /^xoxe-1-/);
    assert.equal(answer.expires_in, 2);
    assert.equal(answer.token_type, 'bot');
  });

  test('a refresh gives a new pair and retires the refresh token used; an expired token is token_expired', async () => {
    const start = sandbox.workspace.teams.get(team.teamId)!;
    const oldAccess = start.botToken;
    const oldRefresh = start.refreshToken!;
    const fresh = await oauth.oauth.v2.access({ client_id: clientId, client_secret: clientSecret, grant_type: 'refresh_token', refresh_token: oldRefresh });
    assert.notEqual(fresh.access_token, oldAccess);
    assert.notEqual(fresh.refresh_token, oldRefresh);
    assert.equal(fresh.expires_in, 2);
    assert.equal(await platformError(oauth.oauth.v2.access({ client_id: clientId, client_secret: clientSecret, grant_type: 'refresh_token', refresh_token: oldRefresh })), 'invalid_refresh_token');
    assert.equal(await platformError(oauth.oauth.v2.access({ client_id: clientId, client_secret: 'wrong', grant_type: 'refresh_token', refresh_token: fresh.refresh_token! })), 'bad_client_secret');
    const current = new WebClient(fresh.access_token, { slackApiUrl: sandbox.info.apiUrl, ...quiet });
    assert.ok((await current.auth.test()).ok);
    // The access token from before the refresh lives out its own lifetime.
    assert.ok((await new WebClient(oldAccess, { slackApiUrl: sandbox.info.apiUrl, ...quiet }).auth.test()).ok);
    await sleep(2_100);
    assert.equal(await platformError(current.chat.postMessage({ channel: 'C0GENERAL1', text: 'late' })), 'token_expired');
    const again = await oauth.oauth.v2.access({ client_id: clientId, client_secret: clientSecret, grant_type: 'refresh_token', refresh_token: fresh.refresh_token! });
    assert.ok((await new WebClient(again.access_token, { slackApiUrl: sandbox.info.apiUrl, ...quiet }).auth.test()).ok, 'an expired pair is renewed by its refresh token');
  });
});

describe('uninstall - Socket Mode app', async () => {
  const sandbox = await testSandbox({ delivery: 'socket', generate: { teams: 2 } });
  const [one, two] = sandbox.info.teams as [(typeof sandbox.info.teams)[0], (typeof sandbox.info.teams)[0]];
  const events: Array<Record<string, any>> = [];
  const client = new SocketModeClient({ appToken: one.appToken, autoReconnectEnabled: false, logLevel: LogLevel.ERROR, clientOptions: { slackApiUrl: sandbox.info.apiUrl } });
  client.on('slack_event', async ({ ack, type, body }: { ack: () => Promise<void>; type: string; body: Record<string, any> }) => {
    await ack();
    if (type === 'events_api') events.push(body);
  });
  after(() => client.disconnect());

  test('the tokens stop working, the app hears tokens_revoked and app_uninstalled, the team goes quiet', async () => {
    await client.start();
    const bot = new WebClient(one.botToken, { slackApiUrl: sandbox.info.apiUrl, ...quiet });
    assert.ok((await bot.auth.test()).ok);
    const res = await post(sandbox, 'uninstall', { team_id: one.teamId, app_id: 'A0SURFINGR' });
    assert.deepEqual(res.body, { ok: true, app_id: 'A0SURFINGR', events: { tokens_revoked: 'socket', app_uninstalled: 'socket' } });
    await eventually(() => (events.length === 2 ? true : undefined));
    assert.deepEqual(events.map((e) => [e['team_id'], e['event'].type]), [[one.teamId, 'tokens_revoked'], [one.teamId, 'app_uninstalled']]);
    assert.deepEqual(events[0]!['event'].tokens, { oauth: [], bot: [one.botUserId] });
    assert.equal(await platformError(bot.auth.test()), 'token_revoked');
    assert.equal(await platformError(bot.chat.postMessage({ channel: 'C0GENERAL1', text: 'x' })), 'token_revoked');
    // The other workspace of the app is untouched; the app's links still carry it.
    assert.ok((await new WebClient(two.botToken, { slackApiUrl: sandbox.info.apiUrl, ...quiet }).auth.test()).ok);
    const at = { team_id: one.teamId, channel_id: 'C0GENERAL1', user_id: 'U0ALICE001' };
    assert.equal((await post(sandbox, 'message', { ...at, text: 'anyone?' })).body['via'], 'none');
    const cmd = await post(sandbox, 'command', { ...at, command: '/start', text: '' });
    assert.deepEqual(cmd.body, { ok: true, via: 'none', app_error: 'not_installed' });
    assert.match(sandbox.workspace.teams.get(one.teamId)!.channels.get('C0GENERAL1')!.messages.at(-1)!.text, /^\/start is not a valid command/);
    assert.equal((await post(sandbox, 'message', { team_id: two.teamId, channel_id: two.channels[0]!.id, user_id: two.users[0]!.id, text: 'still here' })).body['via'], 'socket');
    const workspace = (await (await fetch(`${sandbox.url}sandbox/v1/workspace`)).json()) as { apps: Array<{ teams: string[] }> };
    assert.deepEqual(workspace.apps[0]!.teams, [two.teamId]);
    assert.equal((await post(sandbox, 'uninstall', { team_id: one.teamId })).body['error'], 'not_installed');
  });

  test('a new OAuth install brings the team back with a new token', async () => {
    const { clientId, clientSecret } = sandbox.info.app;
    const answer = await new WebClient(undefined, { slackApiUrl: sandbox.info.apiUrl, ...quiet }).oauth.v2.access({ client_id: clientId, client_secret: clientSecret, code: await authorize(sandbox, clientId, one.teamId) });
    assert.notEqual(answer.access_token, one.botToken);
    assert.ok((await new WebClient(answer.access_token, { slackApiUrl: sandbox.info.apiUrl, ...quiet }).auth.test()).ok);
    assert.equal((await post(sandbox, 'message', { team_id: one.teamId, channel_id: 'C0GENERAL1', user_id: 'U0ALICE001', text: 'welcome back' })).body['via'], 'socket');
  });
});

describe('revoke - HTTP app', async () => {
  const app = await recordingApp();
  const sandbox = await testSandbox({ appUrl: app.url });
  const team = sandbox.info.teams[0]!;

  test('tokens_revoked arrives over HTTP with Slack\'s tokens shape; the bot token is token_revoked', async () => {
    const res = await post(sandbox, 'revoke', { team_id: team.teamId });
    assert.deepEqual(res.body, { ok: true, app_id: 'A0SURFINGR', via: 'http' });
    const req = await eventually(() => app.requests.find((r) => r.body.includes('tokens_revoked')));
    const body = JSON.parse(req.body) as { team_id: string; event: { type: string; tokens: unknown } };
    assert.deepEqual([body.team_id, body.event.type, body.event.tokens], [team.teamId, 'tokens_revoked', { oauth: [], bot: [team.botUserId] }]);
    assert.equal(await platformError(new WebClient(team.botToken, { slackApiUrl: sandbox.info.apiUrl, ...quiet }).auth.test()), 'token_revoked');
    assert.equal((await post(sandbox, 'message', { team_id: team.teamId, channel_id: 'C0GENERAL1', user_id: 'U0BOB00001', text: 'no token, no event' })).body['via'], 'none');
  });
});
