import assert from 'node:assert/strict';
import { ErrorCode, type WebAPIPlatformError } from '@slack/web-api';
import { after } from 'node:test';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { startSandbox, type Sandbox, type SandboxOptions } from './server.ts';

/** Shared by the sandbox tests: a quiet sandbox on port 0, closed after the file even on failure. */
export async function testSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const sandbox = await startSandbox({ logger: pino({ level: 'silent' }), ...options });
  after(() => sandbox.close());
  return sandbox;
}

export interface Recorded {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A tiny app: records every request and answers with what `reply` returns (default 200 ""). */
export async function recordingApp(reply: (req: Recorded) => { status?: number; type?: string; body?: string } = () => ({})): Promise<{ url: string; requests: Recorded[] }> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(recorded);
      const answer = reply(recorded);
      res.writeHead(answer.status ?? 200, { 'content-type': answer.type ?? 'text/plain' });
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
  };
}

/** Polls until `check` returns a value (not undefined) or the deadline passes. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Slack's error string from a Web API call the SDK rejected with a platform error; fails the test otherwise. */
export async function platformError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    const e = err as WebAPIPlatformError;
    assert.equal(e.code, ErrorCode.PlatformError, String(err));
    return e.data.error;
  }
  assert.fail('call succeeded');
}
