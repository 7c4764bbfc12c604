import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { verifySlackRequest } from '../common/slack-signature.ts';
import { eventually, recordingApp, testSandbox, type Recorded } from './test-support.ts';

const where = { team_id: 'T0DEMO0001', channel_id: 'C0GENERAL1', user_id: 'U0BOB00001' };
const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));

function assertSigned(req: Recorded, signingSecret: string): void {
  const check = verifySlackRequest({
    signingSecret,
    body: req.body,
    timestamp: req.headers['x-slack-request-timestamp'] as string | undefined,
    signature: req.headers['x-slack-signature'] as string | undefined,
    nowSeconds: Math.floor(Date.now() / 1000),
  });
  assert.deepEqual(check, { ok: true }, `${req.path} signed`);
}

describe('http delivery - signed requests to the app', async () => {
  let failEvents = 2;
  const app = await recordingApp((req) => {
    if (req.path === '/slack/commands') return { type: 'application/json', body: JSON.stringify({ text: `ok ${new URLSearchParams(req.body).get('text')}` }) };
    if (req.path === '/slack/events') {
      const body = JSON.parse(req.body) as { type: string; challenge?: string };
      if (body.type === 'url_verification') return { type: 'application/json', body: JSON.stringify({ challenge: body.challenge }) };
      if (failEvents-- > 0) return { status: 500 };
    }
    return {};
  });
  const sandbox = await testSandbox({ ackTimeoutMs: 100, retryDelaysMs: [0, 50] });
  const team = sandbox.info.teams[0]!;
  const channel = () => sandbox.workspace.teams.get('T0DEMO0001')!.channels.get('C0GENERAL1')!;

  test('config runs url_verification and reports the echo', async () => {
    const res = await post(`${sandbox.url}sandbox/v1/config`, { app_url: app.url });
    assert.deepEqual(res.body, { ok: true, app_url: app.url, url_verification: { ok: true }, apps: [{ app_id: 'A0SURFINGR', app_url: app.url, socket_mode: false, url_verification: { ok: true } }] });
    assertSigned(app.requests.at(-1)!, team.signingSecret);
  });

  test('slash command: form fields as Slack sends them, signed; JSON reply shown ephemeral', async () => {
    const res = await post(`${sandbox.url}sandbox/v1/command`, { ...where, command: '/start', text: 'round 3' });
    assert.equal(res.body['via'], 'http');
    const req = app.requests.find((r) => r.path === '/slack/commands')!;
    assert.equal(req.headers['content-type'], 'application/x-www-form-urlencoded');
    assertSigned(req, team.signingSecret);
    const fields = Object.fromEntries(new URLSearchParams(req.body));
    for (const key of ['token', 'team_id', 'team_domain', 'channel_id', 'channel_name', 'user_id', 'user_name', 'command', 'text', 'api_app_id', 'response_url', 'trigger_id']) assert.ok(key in fields, key);
    assert.equal(fields['channel_name'], 'general');
    const reply = channel().messages.find((m) => m.text === 'ok round 3')!;
    assert.equal(reply.ephemeral_to, 'U0BOB00001');
  });

  test('slash command: an @mention of a member arrives escaped as Slack sends it (should_escape), other @words as typed', async () => {
    await post(`${sandbox.url}sandbox/v1/command`, { ...where, command: '/duel', text: '@alice 3 @nobody' });
    const req = app.requests.findLast((r) => r.path === '/slack/commands')!;
    assert.equal(new URLSearchParams(req.body).get('text'), '<@U0ALICE001|alice> 3 @nobody');
  });

  test('response_url: in_channel and ephemeral posts within Slack message limits, 5 uses then used_url', async () => {
    const req = app.requests.find((r) => r.path === '/slack/commands')!;
    const responseUrl = new URLSearchParams(req.body).get('response_url')!;
    assert.equal((await post(responseUrl, { text: 'for everyone', response_type: 'in_channel' })).status, 200);
    assert.equal(channel().messages.find((m) => m.text === 'for everyone')?.ephemeral_to, undefined);
    assert.equal((await post(responseUrl, { text: 'just you' })).status, 200);
    assert.equal(channel().messages.find((m) => m.text === 'just you')?.ephemeral_to, 'U0BOB00001');
    assert.equal((await post(responseUrl, {})).body['error'], 'no_text');
    // Held to Slack's message limits like an API post, and a refused reply uses nothing up.
    assert.equal((await post(responseUrl, { text: 'big', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3_001) } }] })).body['error'], 'invalid_blocks');
    for (let i = 0; i < 3; i++) assert.equal((await post(responseUrl, { text: `more ${i}` })).status, 200);
    assert.deepEqual(await post(responseUrl, { text: 'sixth' }), { status: 404, body: { ok: false, error: 'used_url' } });
    assert.equal((await post(responseUrl.replace(/\/[^/]+$/, '/forged'), { text: 'x' })).body['error'], 'expired_url');
  });

  test('click: block_actions payload= JSON, signed; response_url replaces the original', async () => {
    const posted = await fetch(`${sandbox.info.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${team.botToken}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: 'C0GENERAL1', text: 'pick', blocks: [{ type: 'actions', block_id: 'lang', elements: [{ type: 'button', action_id: 'lang_en', value: 'en', text: { type: 'plain_text', text: 'English' } }] }] }),
    }).then((r) => r.json() as Promise<{ ts: string }>);
    const clicked = await post(`${sandbox.url}sandbox/v1/click`, { ...where, message_ts: posted.ts, action_id: 'lang_en' });
    assert.equal(clicked.body['via'], 'http');
    const req = app.requests.find((r) => r.path === '/slack/interactivity')!;
    assertSigned(req, team.signingSecret);
    const payload = JSON.parse(new URLSearchParams(req.body).get('payload')!) as Record<string, any>;
    assert.equal(payload['type'], 'block_actions');
    assert.deepEqual(payload['actions'][0].action_id, 'lang_en');
    assert.equal(payload['actions'][0].value, 'en');
    assert.equal(payload['actions'][0].block_id, 'lang');
    assert.equal(payload['actions'][0].type, 'button');
    assert.deepEqual(payload['container'], { type: 'message', message_ts: posted.ts, channel_id: 'C0GENERAL1', is_ephemeral: false });
    assert.equal(payload['message'].ts, posted.ts);
    assert.equal(payload['user'].id, 'U0BOB00001');
    assert.equal((await post(payload['response_url'], { replace_original: true, text: 'English chosen' })).status, 200);
    const original = channel().messages.find((m) => m.ts === posted.ts)!;
    assert.equal(original.text, 'English chosen');
    assert.ok(original.edited);
    assert.equal((await post(payload['response_url'], { delete_original: true })).status, 200);
    assert.equal(channel().messages.find((m) => m.ts === posted.ts), undefined);
    assert.equal((await post(`${sandbox.url}sandbox/v1/click`, { ...where, message_ts: posted.ts, action_id: 'lang_en' })).body['error'], 'message_not_found');
  });

  test('events API: event_callback over HTTP with retries carrying X-Slack-Retry-Num/Reason', async () => {
    const res = await post(`${sandbox.url}sandbox/v1/message`, { ...where, text: 'typed fast' });
    assert.equal(res.body['via'], 'http');
    const deliveries = await eventually(() => {
      const list = app.requests.filter((r) => r.path === '/slack/events' && r.body.includes('typed fast'));
      return list.length === 3 ? list : undefined;
    });
    assert.deepEqual(deliveries.map((d) => d.headers['x-slack-retry-num']), [undefined, '1', '2']);
    assert.equal(deliveries[1]!.headers['x-slack-retry-reason'], 'http_error');
    for (const d of deliveries) assertSigned(d, team.signingSecret);
    const body = JSON.parse(deliveries[0]!.body) as Record<string, any>;
    assert.equal(body['type'], 'event_callback');
    assert.equal(body['team_id'], 'T0DEMO0001');
    assert.match(body['event_id'], /^Ev/);
    assert.deepEqual(Object.keys(body['event']).sort(), ['channel', 'channel_type', 'event_ts', 'team', 'text', 'ts', 'type', 'user']);
    assert.equal(body['event'].ts, res.body['ts']);
  });

  test('driver rejects bad input with a clear 400', async () => {
    const cases: Array<[string, unknown, string]> = [
      ['command', { ...where, command: 'start' }, 'invalid_arguments'],
      ['command', { ...where, team_id: 'T0NOPE' , command: '/start' }, 'team_not_found'],
      ['message', { ...where, channel_id: 'C0NOPE' , text: 'x' }, 'channel_not_found'],
      ['message', { ...where, user_id: 'U0NOPE', text: 'x' }, 'user_not_found'],
      ['click', { ...where, message_ts: '1.1', action_id: 'a' }, 'message_not_found'],
      ['config', { app_url: 'ftp://x' }, 'invalid_arguments'],
      ['disconnect', { team_id: 'T0DEMO0001', reason: 'bored' }, 'invalid_arguments'],
    ];
    for (const [route, body, error] of cases) {
      const res = await post(`${sandbox.url}sandbox/v1/${route}`, body);
      assert.equal(res.status, 400, route);
      assert.equal(res.body['error'], error, `${route} ${JSON.stringify(body)}`);
    }
    const raw = await fetch(`${sandbox.url}sandbox/v1/message`, { method: 'POST', body: '{oops' });
    assert.equal(raw.status, 400);
  });
});

describe('http delivery - app failures', async () => {
  const app = await recordingApp(() => ({ status: 500 }));
  const sandbox = await testSandbox({ appUrl: app.url, ackTimeoutMs: 200 });
  test('a failing slash command reports app_error and Slackbot tells the user', async () => {
    const res = await post(`${sandbox.url}sandbox/v1/command`, { ...where, command: '/rank', text: '' });
    assert.deepEqual(res.body, { ok: true, via: 'http', app_error: 'http_error', status: 500 });
    const note = sandbox.workspace.teams.get('T0DEMO0001')!.channels.get('C0GENERAL1')!.messages.at(-1)!;
    assert.equal(note.user, 'USLACKBOT');
    assert.equal(note.ephemeral_to, 'U0BOB00001');
    assert.match(note.text, /\/rank failed with the error "dispatch_failed"/);
  });
  test('url_verification that is not echoed is reported', async () => {
    const answer = await sandbox.setAppUrl(app.url);
    assert.deepEqual([answer['app_url'], answer['url_verification']], [app.url, { ok: false, error: 'http_error' }]);
  });
});

describe('oauth v2 install', async () => {
  const sandbox = await testSandbox();
  test('authorize page → Allow → redirect with code and state → oauth.v2.access returns the bot token', async () => {
    const { clientId, clientSecret } = sandbox.info.app;
    const query = new URLSearchParams({ client_id: clientId, scope: 'commands,chat:write', redirect_uri: 'http://127.0.0.1:9/oauth/callback', state: 'st4te' });
    const page = await fetch(`${sandbox.url}oauth/v2/authorize?${query}`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Allow/);
    const allow = await fetch(`${sandbox.url}oauth/v2/authorize`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ ...Object.fromEntries(query), team: 'T0DEMO0001' }) });
    assert.equal(allow.status, 302);
    const location = new URL(allow.headers.get('location')!);
    assert.equal(location.searchParams.get('state'), 'st4te');
    const code = location.searchParams.get('code')!;
    const exchange = (c: string, secret = clientSecret) =>
      fetch(`${sandbox.info.apiUrl}oauth.v2.access`, { method: 'POST', body: new URLSearchParams({ client_id: clientId, client_secret: secret, code: c }) }).then((r) => r.json() as Promise<Record<string, any>>);
    assert.equal((await exchange(code, 'wrong')).error, 'bad_client_secret');
    const token = await exchange(code);
    assert.equal(token['ok'], true);
    assert.equal(token['token_type'], 'bot');
    assert.equal(token['access_token'], sandbox.info.teams[0]!.botToken);
    assert.equal(token['bot_user_id'], sandbox.info.teams[0]!.botUserId);
    assert.deepEqual(token['team'], { id: 'T0DEMO0001', name: 'SurFinger Demo' });
    assert.equal(token['scope'], 'commands,chat:write');
    assert.equal((await exchange(code)).error, 'invalid_code', 'codes are single use');
    assert.equal((await fetch(`${sandbox.url}oauth/v2/authorize?client_id=nope`)).status, 400);
  });
});
