import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import { testSandbox } from './test-support.ts';

const paths = ['api/chat.postMessage', 'api/chat.update', 'api/auth.test', 'api/oauth.v2.access', 'api/conversations.list', 'api/apps.connections.open', 'api/%zz', 'api/', 'sandbox/v1/message', 'sandbox/v1/command', 'sandbox/v1/click', 'sandbox/v1/config', 'sandbox/v1/nope', 'hooks/commands/T0DEMO0001/1/x', 'oauth/v2/authorize', '', 'socket/abc'];
const types = ['application/json', 'application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x', 'application/json; charset=utf-8', ''];

test('fuzz - a few hundred random requests never crash the sandbox', async () => {
  // A short answer window: fuzzed app URLs point nowhere and url_verification waits it out.
  const sandbox = await testSandbox({ ackTimeoutMs: 200 });
  const token = sandbox.info.teams[0]!.botToken;
  const body = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.json({ maxDepth: 3 }),
    fc.dictionary(fc.constantFrom('channel', 'text', 'blocks', 'ts', 'team_id', 'channel_id', 'user_id', 'command', 'message_ts', 'action_id', 'app_url', 'cursor', 'limit', '__proto__', 'constructor'), fc.oneof(fc.string(), fc.integer(), fc.constant('C0GENERAL1'), fc.json())).map((d) => new URLSearchParams(d as Record<string, string>).toString()),
    fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  );
  let sent = 0;
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...paths), fc.constantFrom(...types), fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'), body, fc.boolean(), async (path, type, method, payload, auth) => {
      const res = await fetch(`${sandbox.url}${path}`, {
        method,
        headers: { ...(type ? { 'content-type': type } : {}), ...(auth ? { authorization: `Bearer ${token}` } : {}) },
        ...(method === 'GET' ? {} : { body: payload }),
      });
      await res.arrayBuffer();
      sent += 1;
      assert.ok(res.status < 500, `${method} /${path} → ${res.status}`);
    }),
    { numRuns: 400, seed: 20261129 },
  );
  assert.equal(sent, 400);
  const alive = (await (await fetch(`${sandbox.info.apiUrl}auth.test`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).json()) as { ok: boolean };
  assert.equal(alive.ok, true, 'still answers after the fuzz');
});

test('fuzz - odd request targets and upgrade attempts are refused, not fatal', async () => {
  const sandbox = await testSandbox();
  const { port } = new URL(sandbox.url);
  const raw = (request: string) =>
    new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write(request));
      let got = '';
      socket.on('data', (d) => (got += d.toString()));
      socket.on('close', () => resolve(got.split('\r\n')[0] ?? ''));
      socket.on('error', () => resolve(''));
      socket.setTimeout(2000, () => socket.destroy());
    });
  const upgrade = 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';
  for (const target of ['//[', '/socket/abc', '/socket/00ff', '//[/socket', '/%', '/api/auth.test?%zz']) {
    for (const extra of ['', upgrade]) {
      const status = await raw(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${extra}\r\n`);
      assert.doesNotMatch(status, / 5\d\d /, `${target} ${extra ? 'upgrade' : ''}: ${status}`);
    }
  }
  const alive = await fetch(`${sandbox.info.apiUrl}auth.test`, { method: 'POST', headers: { authorization: `Bearer ${sandbox.info.teams[0]!.botToken}` } });
  assert.equal(((await alive.json()) as { ok: boolean }).ok, true);
});
