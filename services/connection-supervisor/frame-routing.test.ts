import assert from 'node:assert/strict';
import { channel } from 'node:diagnostics_channel';
import { after, test } from 'node:test';
import { LogLevel, SocketModeClient } from '@slack/socket-mode';
import { testSandbox } from '../sandbox/test-support.ts';
import { routeFrames } from './frame-routing.ts';

const clients: SocketModeClient[] = [];
// Registered before the sandbox's own: the clients leave first, so the sandbox's close is no error.
after(() => Promise.all(clients.map((c) => c.disconnect())));
const sandbox = await testSandbox({ generate: { teams: 3 }, pingIntervalMs: 100 });
const open = async () => ((await (await fetch(`${sandbox.url}sandbox/v1/sockets`)).json()) as { total: number }).total;
// A client pings every clientPingTimeout / 3 and drops the link when no pong came back in time.
for (const t of sandbox.info.teams) {
  clients.push(new SocketModeClient({ appToken: t.appToken, autoReconnectEnabled: false, logLevel: LogLevel.ERROR, clientPingTimeout: 300, clientOptions: { slackApiUrl: sandbox.info.apiUrl } }));
}

test('frame routing - routed sockets still get their pongs, through one shared subscriber', async () => {
  let drops = 0;
  for (const client of clients) {
    await client.start();
    client.on('disconnected', () => (drops += 1));
    assert.equal(routeFrames(client), true);
  }
  // The SDK's own per-socket handlers are off the channels (unsubscribe finds nothing to remove).
  for (const client of clients) {
    const conn = client.websocket as unknown as { pingHandler: () => void; pongHandler: () => void };
    assert.equal(channel('undici:websocket:ping').unsubscribe(conn.pingHandler), false);
    assert.equal(channel('undici:websocket:pong').unsubscribe(conn.pongHandler), false);
  }
  // A dozen client pings each: a pong that missed its socket would drop it after the fourth.
  await new Promise((r) => setTimeout(r, 1_200));
  assert.equal(drops, 0);
  assert.equal(await open(), 3);
});

test('frame routing - a closed socket leaves the others routed', async () => {
  await clients[0]!.disconnect();
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(await open(), 2);
});
