import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LogLevel, WebClient, WebClientEvent } from '@slack/web-api';
import { testSandbox, platformError } from './test-support.ts';

const quiet = { logLevel: LogLevel.ERROR };

describe('web api - real WebClient', async () => {
  const sandbox = await testSandbox({ rateLimit: { postMessagePerSecond: 1, postMessageBurst: 2 } });
  const team = sandbox.info.teams[0]!;
  const client = new WebClient(team.botToken, { slackApiUrl: sandbox.info.apiUrl, ...quiet });

  test('auth.test, team.info, users.info, conversations.info/list answer in Slack shapes', async () => {
    const auth = await client.auth.test();
    assert.equal(auth.team_id, 'T0DEMO0001');
    assert.equal(auth.user_id, team.botUserId);
    const info = await client.team.info();
    assert.equal(info.team?.name, 'SurFinger Demo');
    const alice = await client.users.info({ user: 'U0ALICE001' });
    assert.equal(alice.user?.name, 'alice');
    assert.equal(alice.user?.is_bot, false);
    const general = await client.conversations.info({ channel: 'C0GENERAL1' });
    assert.equal(general.channel?.name, 'general');
    assert.equal(general.channel?.is_member, true);
    const list = await client.conversations.list({ limit: 1 });
    assert.equal(list.channels?.length, 1);
    assert.ok(list.response_metadata?.next_cursor, 'first page has a cursor');
    const second = await client.conversations.list({ limit: 1, cursor: list.response_metadata?.next_cursor! });
    assert.equal(second.channels?.[0]?.id, 'C0RANDOM01');
    const third = await client.conversations.list({ limit: 1, cursor: second.response_metadata?.next_cursor! });
    assert.deepEqual([third.channels?.[0]?.id, third.channels?.[0]?.is_member], ['C0LOUNGE01', false], 'the demo lounge is without the bot');
    assert.equal(third.response_metadata?.next_cursor, '');
  });

  test('postMessage, update and delete round-trip and show in channel history', async () => {
    const blocks = [{ type: 'section', block_id: 'prompt-1', text: { type: 'mrkdwn', text: '*Type this*' } }];
    const posted = await client.chat.postMessage({ channel: 'C0RANDOM01', text: 'hello', blocks });
    assert.equal(posted.channel, 'C0RANDOM01');
    assert.match(posted.ts!, /^\d+\.\d{6}$/);
    assert.equal(posted.message?.bot_id, sandbox.workspace.teams.get(team.teamId)?.botId);
    const updated = await client.chat.update({ channel: 'C0RANDOM01', ts: posted.ts!, text: 'hello again' });
    assert.equal(updated.text, 'hello again');
    const history = (await (await fetch(`${sandbox.url}sandbox/v1/messages?team_id=${team.teamId}&channel_id=C0RANDOM01`)).json()) as { messages: Array<Record<string, unknown>> };
    const stored = history.messages.find((m) => m['ts'] === posted.ts)!;
    assert.equal(stored['text'], 'hello again');
    assert.ok(stored['edited']);
    assert.deepEqual((stored['history'] as Array<{ text: string }>).map((h) => h.text), ['hello']);
    const eph = await client.chat.postEphemeral({ channel: 'C0RANDOM01', user: 'U0BOB00001', text: 'only bob' });
    assert.ok(eph.message_ts);
    const deleted = await client.chat.delete({ channel: 'C0RANDOM01', ts: posted.ts! });
    assert.equal(deleted.ts, posted.ts);
    assert.equal(await platformError(client.chat.delete({ channel: 'C0RANDOM01', ts: posted.ts! })), 'message_not_found');
  });

  test('errors surface as platform errors with Slack codes', async () => {
    assert.equal(await platformError(client.chat.postMessage({ channel: 'C0NOPE0000', text: 'x' })), 'channel_not_found');
    assert.equal(await platformError(client.chat.postMessage({ channel: 'C0GENERAL1', text: 'x'.repeat(40_001) })), 'msg_too_long');
    assert.equal(await platformError(client.chat.postMessage({ channel: 'C0GENERAL1', text: '' })), 'no_text');
    assert.equal(await platformError(client.chat.update({ channel: 'C0GENERAL1', ts: '1.000001', text: 'x' })), 'message_not_found');
    assert.equal(await platformError(client.apiCall('chat.fly', {})), 'unknown_method');
    assert.equal(await platformError(client.users.info({ user: 'U0NOBODY01' })), 'user_not_found');
    const stranger = new WebClient('xoxb-not-a-token', { slackApiUrl: sandbox.info.apiUrl, ...quiet });
    assert.equal(await platformError(stranger.auth.test()), 'invalid_auth');
    const appTokenAsBot = new WebClient(team.appToken, { slackApiUrl: sandbox.info.apiUrl, ...quiet });
    assert.equal(await platformError(appTokenAsBot.chat.postMessage({ channel: 'C0GENERAL1', text: 'x' })), 'not_allowed_token_type');
  });

  test('cant_update_message for a person\'s message', async () => {
    const sent = (await (await fetch(`${sandbox.url}sandbox/v1/message`, { method: 'POST', body: JSON.stringify({ team_id: team.teamId, channel_id: 'C0GENERAL1', user_id: 'U0ALICE001', text: 'mine' }) })).json()) as { ts: string };
    assert.equal(await platformError(client.chat.update({ channel: 'C0GENERAL1', ts: sent.ts, text: 'hijack' })), 'cant_update_message');
  });

  test('429 with Retry-After is retried by the client after the wait', async () => {
    let limited = 0;
    const paced = new WebClient(team.botToken, { slackApiUrl: sandbox.info.apiUrl, retryConfig: { retries: 3, minTimeout: 0, maxTimeout: 0 }, ...quiet });
    paced.on(WebClientEvent.RATE_LIMITED, () => (limited += 1));
    const started = Date.now();
    for (let i = 0; i < 3; i++) await paced.chat.postMessage({ channel: 'C0GENERAL1', text: `burst ${i}` });
    assert.equal(limited, 1, 'third message in a burst of 2 was rate limited once');
    assert.ok(Date.now() - started >= 900, 'client waited Retry-After before retrying');
  });

  test('raw 429 carries Retry-After and ratelimited', async () => {
    const post = () => fetch(`${sandbox.info.apiUrl}chat.postMessage`, { method: 'POST', headers: { authorization: `Bearer ${team.botToken}` }, body: new URLSearchParams({ channel: 'C0RANDOM01', text: 'spam' }) });
    let res = await post();
    while (res.status === 200) res = await post();
    assert.equal(res.status, 429);
    assert.match(res.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
    assert.deepEqual(await res.json(), { ok: false, error: 'ratelimited' });
  });
});

describe('web api - bad input', async () => {
  const sandbox = await testSandbox({
    teams: [{ id: 'T0BAD00001', name: 'Bad', channels: [{ id: 'C0BAD00001', name: 'general' }, { id: 'C0BAD00002', name: 'secret', private: true, botMember: false }], users: [{ id: 'U0BAD00001', name: 'dan' }] }],
  });
  const token = sandbox.info.teams[0]!.botToken;
  const call = (method: string, body: string, type = 'application/x-www-form-urlencoded', auth = `Bearer ${token}`) =>
    fetch(`${sandbox.info.apiUrl}${method}`, { method: 'POST', headers: { 'content-type': type, authorization: auth }, body }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));

  test('unknown method is unknown_method', async () => {
    assert.deepEqual((await call('nope.nothing', '')).body, { ok: false, error: 'unknown_method' });
  });
  test('malformed JSON and form are invalid_arguments', async () => {
    assert.equal((await call('chat.postMessage', '{"channel":', 'application/json')).body['error'], 'invalid_arguments');
    assert.equal((await call('chat.postMessage', '[1,2]', 'application/json')).body['error'], 'invalid_arguments');
    assert.equal((await call('chat.postMessage', 'channel=%E0%A4%A&text=hi')).body['error'], 'invalid_arguments');
  });
  test('bad or missing token is invalid_auth / not_authed', async () => {
    assert.equal((await call('auth.test', '', undefined, 'Bearer xoxb-wrong')).body['error'], 'invalid_auth');
    assert.equal((await call('auth.test', '', undefined, '')).body['error'], 'not_authed');
    assert.equal((await call('auth.test', `token=${token}`, undefined, '')).body['ok'], true, 'token field works too');
  });
  test('oversized text is msg_too_long; JSON bodies work with a charset warning when missing', async () => {
    assert.equal((await call('chat.postMessage', JSON.stringify({ channel: 'C0BAD00001', text: 'y'.repeat(40_001) }), 'application/json; charset=utf-8')).body['error'], 'msg_too_long');
    const ok = await call('chat.postMessage', JSON.stringify({ channel: 'C0BAD00001', text: 'fine' }), 'application/json');
    assert.equal(ok.body['ok'], true);
    assert.deepEqual((ok.body['response_metadata'] as { warnings: string[] }).warnings, ['missing_charset']);
  });
  test('not_in_channel when the bot is not a member; invalid_blocks for junk blocks', async () => {
    assert.equal((await call('chat.postMessage', 'channel=C0BAD00002&text=hi')).body['error'], 'not_in_channel');
    assert.equal((await call('chat.postMessage', 'channel=C0BAD00001&blocks=notjson')).body['error'], 'invalid_blocks');
  });
});

describe('web api - method tiers', async () => {
  const sandbox = await testSandbox({ rateLimit: { tierPerMinute: { 1: 20, 2: 20, 3: 2, 4: 100 } } });
  const token = sandbox.info.teams[0]!.botToken;
  test('a tier 3 method is limited per team and method; other methods are unaffected', async () => {
    const info = () => fetch(`${sandbox.info.apiUrl}conversations.info`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: new URLSearchParams({ channel: 'C0GENERAL1' }) });
    assert.equal((await info()).status, 200);
    assert.equal((await info()).status, 200);
    const limited = await info();
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '30', 'one token every 30 s at 2/min');
    assert.deepEqual(await limited.json(), { ok: false, error: 'ratelimited' });
    const auth = await fetch(`${sandbox.info.apiUrl}auth.test`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    assert.equal(auth.status, 200);
  });
});
