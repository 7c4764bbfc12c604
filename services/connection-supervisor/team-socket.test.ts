import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createLogger } from '../common/logger.ts';
import { DEFAULT_BACKOFF } from './backoff.ts';
import { TeamSocket } from './team-socket.ts';

/**
 * A Socket Mode host that says `hello` and then ignores every frame: it never answers our close
 * frame, like a peer behind a dead network path (but it does see the socket end).
 */
const peers: Socket[] = [];
const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ok: true, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/socket` }));
});
server.on('upgrade', (req, socket: Socket) => {
  const accept = createHash('sha1').update(`${String(req.headers['sec-websocket-key'])}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  const hello = Buffer.from(JSON.stringify({ type: 'hello', num_connections: 1 }));
  socket.write(Buffer.concat([Buffer.from([0x81, hello.length]), hello]));
  socket.on('data', () => undefined);
  peers.push(socket);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
after(() => {
  for (const p of peers) p.destroy();
  server.close();
});

test('team socket - a peer that never answers our close frame is cut off, not left to TCP', async () => {
  const socket = new TeamSocket({
    unit: 'T0SILENT01',
    appToken: 'xapp-1-silent',
    slackApiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`,
    log: createLogger('test', { level: 'silent' }),
    backoff: DEFAULT_BACKOFF,
    random: Math.random,
    onEnvelope: () => undefined,
    onReconnect: () => undefined,
  });
  await socket.open();
  assert.equal(socket.connected, true);
  const peer = peers.at(-1)!;
  // `end`: the host's sockets are half-open capable, so our FIN shows as end, not close.
  const cut = new Promise<number>((resolve) => peer.once('end', () => resolve(Date.now())));
  const closing = Date.now();
  await socket.close();
  // The SDK alone waits 30 s for the close handshake; close() gives it 2 s. (Its first 30 s timer
  // still runs out afterwards, harmlessly, which is why this file takes 30 s to exit.)
  const at = await Promise.race([cut, new Promise<number>((r) => setTimeout(() => r(Number.NaN), 5_000))]);
  assert.ok(at - closing < 3_000, 'the socket was closed from our side');
});
