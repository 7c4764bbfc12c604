import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { LogLevel, SocketModeClient } from '@slack/socket-mode';
import { WebClient } from '@slack/web-api';
import WebSocket from 'ws';
import { verifySlackRequest } from '../common/slack-signature.ts';
import type { Sandbox } from './server.ts';
import { eventually, recordingApp, testSandbox, type Recorded, platformError } from './test-support.ts';

/** The delivery modes as real Slack runs them, checked with the real SDK clients (docs/sandbox.md). */

const post = (sandbox: Sandbox, route: string, body: unknown) =>
  fetch(`${sandbox.url}sandbox/v1/${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
const openSockets = async (sandbox: Sandbox) => ((await (await fetch(`${sandbox.url}sandbox/v1/sockets`)).json()) as { total: number; apps: Array<{ app_id: string; count: number }> });
const messagesOf = (sandbox: Sandbox, team: string, channel: string) => sandbox.workspace.teams.get(team)!.channels.get(channel)!.messages;

interface Received {
  client: string;
  type: string;
  envelopeId: string;
  retry: number;
  body: Record<string, any>;
}

/** A real SocketModeClient that records every envelope; `hold` decides which ones it leaves unacked. */
function socketClient(sandbox: Sandbox, appToken: string, name: string, seen: Received[], hold: (r: Received) => boolean = () => false): SocketModeClient {
  const client = new SocketModeClient({ appToken, autoReconnectEnabled: false, logLevel: LogLevel.ERROR, clientPingTimeout: 5_000, clientOptions: { slackApiUrl: sandbox.info.apiUrl } });
  client.on('slack_event', async ({ ack, envelope_id, type, body, retry_num }: { ack: () => Promise<void>; envelope_id: string; type: string; body: Record<string, any>; retry_num?: number }) => {
    const received = { client: name, type, envelopeId: envelope_id, retry: retry_num ?? 0, body };
    seen.push(received);
    if (!hold(received)) await ack();
  });
  after(() => client.disconnect());
  return client;
}

const where = (team: string, channel: string, user: string) => ({ team_id: team, channel_id: channel, user_id: user });

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

describe('socket mode - one app, two workspaces, two links', async () => {
  const sandbox = await testSandbox({ delivery: 'socket', generate: { teams: 2 }, ackTimeoutMs: 300, retryDelaysMs: [0] });
  const [one, two] = sandbox.info.teams as [(typeof sandbox.info.teams)[0], (typeof sandbox.info.teams)[0]];
  const seen: Received[] = [];
  const held = (r: Received) => r.type === 'events_api' && r.body['event']?.text === 'hold me' && r.retry === 0;
  const a = socketClient(sandbox, one.appToken, 'a', seen, held);
  const b = socketClient(sandbox, one.appToken, 'b', seen, held);

  test('every team of the app shows the same app, app token and signing secret', () => {
    assert.equal(sandbox.info.delivery, 'socket');
    assert.equal(sandbox.info.apps.length, 1);
    assert.deepEqual(sandbox.info.apps[0]!.teams, [one.teamId, two.teamId]);
    assert.equal(sandbox.info.apps[0]!.socketMode, true);
    assert.equal(one.appToken, two.appToken);
    assert.equal(one.signingSecret, two.signingSecret);
    assert.deepEqual([one.appId, two.appId], ['A0SURFINGR', 'A0SURFINGR']);
  });

  test('events of both workspaces arrive on the app links, each envelope on one link, acked once', async () => {
    await Promise.all([a.start(), b.start()]);
    assert.deepEqual((await openSockets(sandbox)).apps, [{ app_id: 'A0SURFINGR', socket_mode: true, count: 2, teams: [one.teamId, two.teamId] }]);
    for (const [team, text] of [[one, 'one-1'], [two, 'two-1'], [one, 'one-2'], [two, 'two-2']] as const) {
      const sent = await post(sandbox, 'message', { ...where(team.teamId, team.channels[0]!.id, team.users[0]!.id), text });
      assert.equal(sent.body['via'], 'socket');
    }
    await eventually(() => (seen.length === 4 ? true : undefined));
    // Past the ack window: an acked envelope is never sent again.
    await sleep(700);
    assert.equal(seen.length, 4);
    assert.equal(new Set(seen.map((r) => r.envelopeId)).size, 4, 'each envelope delivered once, to one link');
    assert.deepEqual(new Set(seen.map((r) => r.body['team_id'])), new Set([one.teamId, two.teamId]));
    assert.deepEqual(new Set(seen.map((r) => r.client)), new Set(['a', 'b']), 'envelopes spread over both links');
    for (const r of seen) {
      assert.equal(r.body['api_app_id'], 'A0SURFINGR');
      assert.deepEqual(r.body['authorizations'][0].team_id, r.body['team_id']);
      assert.equal(r.retry, 0);
    }
  });

  test('an unacked envelope is redelivered to the other link after the first closes', async () => {
    seen.length = 0;
    await post(sandbox, 'message', { ...where(two.teamId, two.channels[0]!.id, two.users[0]!.id), text: 'hold me' });
    const first = await eventually(() => seen.find((r) => r.body['event']?.text === 'hold me'));
    const [holder, other] = first.client === 'a' ? [a, 'b'] : [b, 'a'];
    await holder.disconnect();
    const retry = await eventually(() => seen.find((r) => r.retry === 1), 5_000);
    assert.equal(retry.envelopeId, first.envelopeId, 'same envelope');
    assert.equal(retry.client, other, 'redelivered to the surviving link');
    assert.equal(retry.body['team_id'], two.teamId);
    await sleep(700);
    assert.equal(seen.filter((r) => r.envelopeId === first.envelopeId).length, 2, 'acked on the second attempt, then left alone');
  });
});

describe('socket mode - nothing over HTTP; no link means dispatch_failed', async () => {
  const app = await recordingApp((req) => {
    const body = req.path === '/slack/events' ? (JSON.parse(req.body) as { challenge?: string }) : {};
    return body.challenge ? { type: 'application/json', body: JSON.stringify({ challenge: body.challenge }) } : {};
  });
  const sandbox = await testSandbox({ delivery: 'socket', appUrl: app.url, ackTimeoutMs: 200, retryDelaysMs: [0, 300] });
  const team = sandbox.info.teams[0]!;
  const at = where(team.teamId, 'C0GENERAL1', 'U0ALICE001');
  const seen: Received[] = [];
  const client = socketClient(sandbox, team.appToken, 'c', seen);
  const requestsBesidesVerification = () => app.requests.filter((r) => !r.body.includes('url_verification'));

  test('a slash command arrives as a slash_commands envelope and never at the request URL', async () => {
    await client.start();
    const sent = await post(sandbox, 'command', { ...at, command: '/start', text: 'round 3' });
    assert.equal(sent.body['via'], 'socket');
    const envelope = await eventually(() => seen.find((r) => r.type === 'slash_commands'));
    assert.equal(envelope.body['command'], '/start');
    assert.equal(envelope.body['team_id'], team.teamId);
    assert.equal(envelope.body['api_app_id'], 'A0SURFINGR');
    await post(sandbox, 'message', { ...at, text: 'over the socket' });
    await eventually(() => seen.find((r) => r.type === 'events_api'));
    assert.deepEqual(requestsBesidesVerification(), [], 'the HTTP receiver saw nothing');
  });

  test('with no link open the user gets Slackbot\'s dispatch_failed; an event is kept and retried', async () => {
    await client.disconnect();
    await eventually(async () => ((await openSockets(sandbox)).total === 0 ? true : undefined));
    const sent = await post(sandbox, 'command', { ...at, command: '/rank', text: '' });
    assert.deepEqual(sent.body, { ok: true, via: 'none', app_error: 'dispatch_failed' });
    const note = messagesOf(sandbox, team.teamId, 'C0GENERAL1').at(-1)!;
    assert.deepEqual([note.user, note.ephemeral_to, note.text], ['USLACKBOT', 'U0ALICE001', '/rank failed with the error "dispatch_failed"']);
    seen.length = 0;
    const queued = await post(sandbox, 'message', { ...at, text: 'while away' });
    assert.equal(queued.body['via'], 'queued');
    // Reconnecting within Slack's retry schedule gets the event on a retry.
    const back = socketClient(sandbox, team.appToken, 'back', seen);
    await back.start();
    const late = await eventually(() => seen.find((r) => r.body['event']?.text === 'while away'), 5_000);
    assert.ok(late.retry >= 1, 'delivered by a retry');
    assert.deepEqual(requestsBesidesVerification(), []);
  });

  test('an event nobody takes is dropped after the last retry', async () => {
    const sandbox2 = await testSandbox({ delivery: 'socket', ackTimeoutMs: 50, retryDelaysMs: [0] });
    const t = sandbox2.info.teams[0]!;
    assert.equal((await post(sandbox2, 'message', { ...where(t.teamId, 'C0GENERAL1', 'U0BOB00001'), text: 'into the void' })).body['via'], 'queued');
    await sleep(400);
    const seen2: Received[] = [];
    const late = socketClient(sandbox2, t.appToken, 'late', seen2);
    await late.start();
    await sleep(300);
    assert.deepEqual(seen2, [], 'nothing left to deliver');
  });
});

describe('http mode - the distributed app gets signed requests; bot membership as Slack', async () => {
  const app = await recordingApp((req) => {
    if (req.path === '/slack/commands') return { type: 'application/json', body: JSON.stringify({ text: 'ok' }) };
    const body = req.path === '/slack/events' ? (JSON.parse(req.body) as { challenge?: string }) : {};
    return body.challenge ? { type: 'application/json', body: JSON.stringify({ challenge: body.challenge }) } : {};
  });
  const sandbox = await testSandbox({ appUrl: app.url });
  const team = sandbox.info.teams[0]!;
  const bot = new WebClient(team.botToken, { slackApiUrl: sandbox.info.apiUrl, logLevel: LogLevel.ERROR });
  const seen: Received[] = [];
  const idle = socketClient(sandbox, team.appToken, 'idle', seen);

  test('command, click and message event arrive signed with the app secret; an open link gets nothing', async () => {
    assert.equal(sandbox.info.delivery, 'http');
    assert.equal(sandbox.info.app.socketMode, false);
    await idle.start();
    const at = where(team.teamId, 'C0GENERAL1', 'U0BOB00001');
    assert.equal((await post(sandbox, 'command', { ...at, command: '/start', text: '' })).body['via'], 'http');
    const posted = await bot.chat.postMessage({ channel: 'C0GENERAL1', text: 'pick', blocks: [{ type: 'actions', block_id: 'b', elements: [{ type: 'button', action_id: 'go', value: '1', text: { type: 'plain_text', text: 'Go' } }] }] });
    assert.equal((await post(sandbox, 'click', { ...at, message_ts: posted.ts, action_id: 'go' })).body['via'], 'http');
    assert.equal((await post(sandbox, 'message', { ...at, text: 'typed' })).body['via'], 'http');
    const paths = await eventually(() => {
      const got = app.requests.filter((r) => !r.body.includes('url_verification'));
      return got.length === 3 ? got : undefined;
    });
    assert.deepEqual(paths.map((r) => r.path).sort(), ['/slack/commands', '/slack/events', '/slack/interactivity']);
    for (const r of paths) assertSigned(r, sandbox.info.app.signingSecret);
    assert.equal((JSON.parse(paths.find((r) => r.path === '/slack/events')!.body) as { api_app_id: string }).api_app_id, 'A0SURFINGR');
    await sleep(200);
    assert.deepEqual(seen, [], 'Socket Mode off: the open link carries nothing');
  });

  test('no event from a channel the bot is not in; not_in_channel until /invite', async () => {
    const before = app.requests.length;
    const lounge = where(team.teamId, 'C0LOUNGE01', 'U0ALICE001');
    assert.equal((await post(sandbox, 'message', { ...lounge, text: 'bot-free zone' })).body['via'], 'none');
    assert.equal((await bot.conversations.info({ channel: 'C0LOUNGE01' })).channel?.is_member, false);
    assert.equal(await platformError(bot.chat.postMessage({ channel: 'C0LOUNGE01', text: 'hi' })), 'not_in_channel');
    assert.deepEqual((await post(sandbox, 'invite', { team_id: team.teamId, channel_id: 'C0LOUNGE01' })).body, { ok: true, already_in_channel: false, bot_user_id: team.botUserId });
    assert.equal((await bot.conversations.info({ channel: 'C0LOUNGE01' })).channel?.is_member, true);
    assert.ok((await bot.chat.postMessage({ channel: 'C0LOUNGE01', text: 'hello lounge' })).ok);
    assert.equal((await post(sandbox, 'message', { ...lounge, text: 'now you hear me' })).body['via'], 'http');
    await eventually(() => app.requests.slice(before).find((r) => r.body.includes('now you hear me')));
    assert.equal(app.requests.slice(before).some((r) => r.body.includes('bot-free zone')), false);
  });

  test('conversations.join: public channels, scope permitting', async () => {
    const sandbox2 = await testSandbox({ teams: [{ id: 'T0JOIN0001', name: 'Join', channels: [{ id: 'C0OPEN0001', name: 'open', botMember: false }, { id: 'C0SHUT0001', name: 'shut', private: true, botMember: false }], users: [{ id: 'U0JOIN0001', name: 'jo' }] }] });
    const client = new WebClient(sandbox2.info.teams[0]!.botToken, { slackApiUrl: sandbox2.info.apiUrl, logLevel: LogLevel.ERROR });
    const joined = await client.conversations.join({ channel: 'C0OPEN0001' });
    assert.equal(joined.channel?.is_member, true);
    assert.equal((await client.conversations.join({ channel: 'C0OPEN0001' })).warning, 'already_in_channel');
    assert.equal(await platformError(client.conversations.join({ channel: 'C0SHUT0001' })), 'method_not_supported_for_channel_type');
  });

  test('turning Socket Mode on at runtime moves delivery to the links; off again sends link_disabled', async () => {
    const sandbox3 = await testSandbox({ appUrl: app.url });
    const t = sandbox3.info.teams[0]!;
    const res = await fetch(`${sandbox3.info.apiUrl}apps.connections.open`, { method: 'POST', headers: { authorization: `Bearer ${t.appToken}` } }).then((r) => r.json() as Promise<{ url: string }>);
    const ws = new WebSocket(res.url);
    after(() => ws.terminate());
    const frames: Array<Record<string, unknown>> = [];
    ws.on('message', (d) => frames.push(JSON.parse(d.toString()) as Record<string, unknown>));
    await eventually(() => frames.find((f) => f['type'] === 'hello'));
    const on = await post(sandbox3, 'config', { app_id: 'A0SURFINGR', socket_mode: true });
    assert.equal((on.body['apps'] as Array<{ socket_mode: boolean }>)[0]!.socket_mode, true);
    assert.equal((await post(sandbox3, 'command', { ...where(t.teamId, 'C0GENERAL1', 'U0ALICE001'), command: '/start', text: '' })).body['via'], 'socket');
    await eventually(() => frames.find((f) => f['type'] === 'slash_commands'));
    const closed = once(ws, 'close');
    await post(sandbox3, 'config', { socket_mode: false });
    await closed;
    assert.ok(frames.some((f) => f['type'] === 'disconnect' && f['reason'] === 'link_disabled'));
  });
});

describe('workspace-apps - each team runs its own app', async () => {
  const app = await recordingApp();
  const sandbox = await testSandbox({ delivery: 'workspace-apps', generate: { teams: 2 }, appUrl: app.url });
  const [one, two] = sandbox.info.teams as [(typeof sandbox.info.teams)[0], (typeof sandbox.info.teams)[0]];

  test('own app id, app token, signing secret and client per team, each installed only in its team', () => {
    assert.equal(sandbox.info.apps.length, 2);
    assert.notEqual(one.appId, two.appId);
    assert.notEqual(one.appToken, two.appToken);
    assert.notEqual(one.signingSecret, two.signingSecret);
    assert.notEqual(sandbox.info.apps[0]!.clientId, sandbox.info.apps[1]!.clientId);
    assert.deepEqual(sandbox.info.apps.map((a) => [a.appId, a.teams, a.socketMode]), [[one.appId, [one.teamId], true], [two.appId, [two.teamId], true]]);
  });

  test("each team's app token opens a link that carries only that team's envelopes", async () => {
    const seenOne: Received[] = [];
    const seenTwo: Received[] = [];
    await socketClient(sandbox, one.appToken, 'one', seenOne).start();
    await socketClient(sandbox, two.appToken, 'two', seenTwo).start();
    for (const team of [one, two, one, two]) await post(sandbox, 'message', { ...where(team.teamId, team.channels[0]!.id, team.users[0]!.id), text: `from ${team.teamId}` });
    await post(sandbox, 'command', { ...where(two.teamId, two.channels[0]!.id, two.users[0]!.id), command: '/start', text: '' });
    await eventually(() => (seenOne.length === 2 && seenTwo.length === 3 ? true : undefined));
    for (const r of seenOne) assert.deepEqual([r.body['team_id'], r.body['api_app_id']], [one.teamId, one.appId]);
    for (const r of seenTwo) assert.deepEqual([r.body['team_id'], r.body['api_app_id']], [two.teamId, two.appId]);
    assert.deepEqual(app.requests.filter((r) => !r.body.includes('url_verification')), [], 'Socket Mode apps get nothing over HTTP');
  });

  test('an app holds at most 10 links; the 11th gets too_many_websockets and is closed', async () => {
    const sandbox2 = await testSandbox({ delivery: 'workspace-apps', rateLimit: false });
    const token = sandbox2.info.teams[0]!.appToken;
    const connect = async (): Promise<{ ws: WebSocket; first: Record<string, unknown> }> => {
      const res = await fetch(`${sandbox2.info.apiUrl}apps.connections.open`, { method: 'POST', headers: { authorization: `Bearer ${token}` } }).then((r) => r.json() as Promise<{ url: string }>);
      const ws = new WebSocket(res.url);
      after(() => ws.terminate());
      const [data] = (await once(ws, 'message')) as [Buffer];
      return { ws, first: JSON.parse(data.toString()) as Record<string, unknown> };
    };
    const hellos = [];
    for (let i = 0; i < 10; i++) hellos.push((await connect()).first);
    assert.deepEqual(hellos.map((h) => [h['type'], h['num_connections']]), Array.from({ length: 10 }, (_, i) => ['hello', i + 1]));
    const extra = await connect();
    assert.deepEqual([extra.first['type'], extra.first['reason']], ['disconnect', 'too_many_websockets']);
    await once(extra.ws, 'close');
    assert.equal((await openSockets(sandbox2)).total, 10);
  });
});
