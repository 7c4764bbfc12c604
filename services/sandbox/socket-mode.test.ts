import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test, after } from 'node:test';
import { LogLevel } from '@slack/web-api';
import { SocketModeClient } from '@slack/socket-mode';
import WebSocket from 'ws';
import { eventually, testSandbox } from './test-support.ts';

const driver = (base: string, route: string, body: unknown) =>
  fetch(`${base}sandbox/v1/${route}`, { method: 'POST', body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
const where = { team_id: 'T0DEMO0001', channel_id: 'C0GENERAL1', user_id: 'U0ALICE001' };

describe('socket mode - real SocketModeClient', async () => {
  const sandbox = await testSandbox({ delivery: 'socket', refreshCloseDelayMs: 50 });
  const team = sandbox.info.teams[0]!;
  // clientPingTimeout also paces the SDK's reconnect delay; keep it short so the test is quick.
  const client = new SocketModeClient({ appToken: team.appToken, logLevel: LogLevel.ERROR, clientPingTimeout: 300, clientOptions: { slackApiUrl: sandbox.info.apiUrl } });
  after(() => client.disconnect());
  const commands: Array<Record<string, unknown>> = [];
  client.on('slash_commands', async ({ ack, body }: { ack: (r?: unknown) => Promise<void>; body: Record<string, unknown> }) => {
    commands.push(body);
    await ack({ response_type: 'in_channel', text: `started ${String(body['text'])}` });
  });

  test('connects (hello) and shows in /sandbox/v1/sockets', async () => {
    await client.start();
    const sockets = (await (await fetch(`${sandbox.url}sandbox/v1/sockets`)).json()) as { total: number; teams: Array<{ team_id: string; count: number }> };
    assert.deepEqual(sockets.teams, [{ team_id: 'T0DEMO0001', app_id: 'A0SURFINGR', count: 1 }]);
  });

  test('slash command arrives as an envelope; the ack payload is shown in channel', async () => {
    const sent = await driver(sandbox.url, 'command', { ...where, command: '/start', text: 'round 3' });
    assert.equal(sent.body['via'], 'socket');
    await eventually(() => (commands.length === 1 ? true : undefined));
    const body = commands[0]!;
    assert.equal(body['command'], '/start');
    assert.equal(body['text'], 'round 3');
    assert.equal(body['team_id'], 'T0DEMO0001');
    assert.match(String(body['response_url']), /\/hooks\/commands\/T0DEMO0001\//);
    assert.match(String(body['trigger_id']), /^\d+\.\d+\.[0-9a-f]{32}$/);
    const shown = await eventually(() => sandbox.workspace.teams.get('T0DEMO0001')!.channels.get('C0GENERAL1')!.messages.find((m) => m.text === 'started round 3'));
    assert.equal(shown.ephemeral_to, undefined, 'in_channel reply is public');
  });

  test('survives refresh_requested by reconnecting, then receives a later envelope', async () => {
    let reconnected = false;
    client.once('connected', () => (reconnected = true));
    const sent = await driver(sandbox.url, 'disconnect', { team_id: 'T0DEMO0001', reason: 'refresh_requested' });
    assert.equal(sent.body['sockets'], 1);
    await eventually(() => (reconnected ? true : undefined), 8000);
    await driver(sandbox.url, 'command', { ...where, command: '/rank', text: '' });
    await eventually(() => (commands.some((c) => c['command'] === '/rank') ? true : undefined));
  });

  test('disconnect by the app closes its link', async () => {
    await client.disconnect();
    await eventually(async () => ((await (await fetch(`${sandbox.url}sandbox/v1/sockets`)).json()) as { total: number }).total === 0 || undefined);
  });
});

/** Closes a link and waits, so the next test's envelopes can only go to its own link. */
const shut = async (ws: WebSocket): Promise<void> => {
  if (ws.readyState === WebSocket.CLOSED) return;
  const closed = once(ws, 'close');
  ws.close();
  await closed;
};

describe('socket mode - protocol details', async () => {
  const sandbox = await testSandbox({ delivery: 'socket', ackTimeoutMs: 150, retryDelaysMs: [0], pingIntervalMs: 100 });
  const team = sandbox.info.teams[0]!;
  const open = async (): Promise<{ ws: WebSocket; frames: Array<Record<string, unknown>> }> => {
    const res = (await (await fetch(`${sandbox.info.apiUrl}apps.connections.open`, { method: 'POST', headers: { authorization: `Bearer ${team.appToken}` } })).json()) as { ok: boolean; url: string };
    assert.ok(res.ok);
    const ws = new WebSocket(res.url);
    after(() => ws.terminate());
    const frames: Array<Record<string, unknown>> = [];
    ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as Record<string, unknown>));
    await new Promise((resolve) => ws.once('open', resolve));
    await eventually(() => (frames.length > 0 ? true : undefined));
    return { ws, frames };
  };

  test('hello has num_connections, debug_info and connection_info; pings answered; tickets are single-use', async () => {
    const res = (await (await fetch(`${sandbox.info.apiUrl}apps.connections.open`, { method: 'POST', headers: { authorization: `Bearer ${team.appToken}` } })).json()) as { url: string };
    const first = new WebSocket(res.url);
    after(() => first.terminate());
    const hello = await new Promise<Record<string, unknown>>((resolve) => first.once('message', (d) => resolve(JSON.parse(d.toString()) as Record<string, unknown>)));
    assert.equal(hello['type'], 'hello');
    assert.equal(hello['num_connections'], 1);
    assert.ok(hello['debug_info']);
    assert.deepEqual(hello['connection_info'], { app_id: 'A0SURFINGR' });
    const pong = once(first, 'pong');
    first.ping(Buffer.from('are you there'));
    assert.equal(String((await pong)[0]), 'are you there', 'client pings are answered');
    await shut(first);
    const again = new WebSocket(res.url);
    const status = await new Promise<number>((resolve) => again.once('unexpected-response', (_req, r) => resolve(r.statusCode ?? 0)));
    assert.equal(status, 401);
  });

  test('unacked events_api envelopes are redelivered with retry_attempt up to 3 times; server pings', async () => {
    const { ws, frames } = await open();
    let pings = 0;
    ws.on('ping', () => (pings += 1));
    await driver(sandbox.url, 'message', { ...where, text: 'hello socket' });
    const events = await eventually(() => {
      const list = frames.filter((f) => f['type'] === 'events_api');
      return list.length === 4 ? list : undefined;
    });
    assert.deepEqual(events.map((e) => e['retry_attempt']), [0, 1, 2, 3]);
    assert.deepEqual(events.map((e) => e['retry_reason']), ['', 'timeout', 'timeout', 'timeout']);
    assert.equal(new Set(events.map((e) => e['envelope_id'])).size, 1, 'same envelope id on every retry');
    const payload = events[0]!['payload'] as { type: string; event: Record<string, unknown>; event_id: string };
    assert.equal(payload.type, 'event_callback');
    assert.equal(payload.event['text'], 'hello socket');
    assert.equal(payload.event['channel_type'], 'channel');
    assert.equal(events[0]!['accepts_response_payload'], false);
    assert.ok(pings > 0, 'server pinged');
    await shut(ws);
  });

  test('an acked envelope is not redelivered; garbage frames are ignored', async () => {
    const { ws, frames } = await open();
    ws.send('not json');
    ws.send(JSON.stringify({ envelope_id: 'unknown' }));
    await driver(sandbox.url, 'message', { ...where, text: 'ack me' });
    const event = await eventually(() => frames.find((f) => f['type'] === 'events_api'));
    ws.send(JSON.stringify({ envelope_id: event['envelope_id'] }));
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(frames.filter((f) => f['type'] === 'events_api').length, 1);
    await shut(ws);
  });

  test('an unacked slash command is not retried; the user sees operation_timeout', async () => {
    const { ws, frames } = await open();
    await driver(sandbox.url, 'command', { ...where, command: '/myscore', text: '' });
    await eventually(() => sandbox.workspace.teams.get('T0DEMO0001')!.channels.get('C0GENERAL1')!.messages.find((m) => m.text.includes('operation_timeout') && m.ephemeral_to === 'U0ALICE001'));
    assert.equal(frames.filter((f) => f['type'] === 'slash_commands').length, 1);
    await shut(ws);
  });

  test('a click without an app URL arrives as an interactive block_actions envelope', async () => {
    const { ws, frames } = await open();
    const team0 = sandbox.info.teams[0]!;
    const posted = (await (await fetch(`${sandbox.info.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${team0.botToken}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: 'C0GENERAL1', text: 'join?', blocks: [{ type: 'section', block_id: 'join', text: { type: 'mrkdwn', text: 'King of the Keyboard' }, accessory: { type: 'button', action_id: 'king_join', value: 'join', text: { type: 'plain_text', text: 'Join' } } }] }),
    })).json()) as { ts: string };
    const clicked = await driver(sandbox.url, 'click', { ...where, message_ts: posted.ts, action_id: 'king_join' });
    assert.equal(clicked.body['via'], 'socket');
    const envelope = await eventually(() => frames.find((f) => f['type'] === 'interactive'));
    ws.send(JSON.stringify({ envelope_id: envelope['envelope_id'] }));
    const payload = envelope['payload'] as { type: string; actions: Array<{ action_id: string; block_id: string; value: string }> };
    assert.equal(payload.type, 'block_actions');
    assert.deepEqual(payload.actions.map((a) => [a.action_id, a.block_id, a.value]), [['king_join', 'join', 'join']]);
    assert.equal(envelope['accepts_response_payload'], false);
    await shut(ws);
  });

  test('warning keeps the link open; link_disabled closes it', async () => {
    const { ws, frames } = await open();
    await driver(sandbox.url, 'disconnect', { team_id: 'T0DEMO0001', reason: 'warning' });
    await eventually(() => frames.find((f) => f['type'] === 'disconnect' && f['reason'] === 'warning'));
    assert.equal(ws.readyState, WebSocket.OPEN);
    const closed = new Promise((resolve) => ws.once('close', resolve));
    await driver(sandbox.url, 'disconnect', { team_id: 'T0DEMO0001', reason: 'link_disabled' });
    await closed;
  });
});
