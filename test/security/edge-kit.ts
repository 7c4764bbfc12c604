import { after } from 'node:test';
import { randomBytes } from 'node:crypto';
import type { NatsConnection } from 'nats';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../services/sandbox/index.ts';
import { createLogger, type Logger } from '../../services/common/logger.ts';
import { signSlackRequest } from '../../services/common/slack-signature.ts';
import { parseTokenKeys, TokenStore } from '../../services/common/token-store.ts';
import type { Infra } from '../support/harness.ts';

/**
 * Shared setup for the Slack-edge tests (ingress, egress, supervisor, security): the sandbox as the
 * only Slack, its teams installed in the token store, and small driver helpers.
 */
export const quiet: Logger = createLogger('test', { level: process.env.SF_TEST_LOG_LEVEL ?? 'silent' });

export async function startSlack(infra: Infra, options: SandboxOptions = {}): Promise<{ sandbox: Sandbox; tokens: TokenStore; tokenKeys: string }> {
  const sandbox = await startSandbox({ port: 0, logger: quiet, ...options });
  after(() => sandbox.close());
  const tokenKeys = `test:${randomBytes(32).toString('base64')}`;
  const tokens = new TokenStore(infra.redisClient(), parseTokenKeys(tokenKeys, true), infra.subjects.prefix);
  for (const t of sandbox.info.teams) {
    await tokens.put(t.teamId, { teamName: t.teamName, botToken: t.botToken, botUserId: t.botUserId, appToken: t.appToken, installedAt: Date.now() });
  }
  return { sandbox, tokens, tokenKeys };
}

export async function driver(sandbox: Sandbox, route: string, body?: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${sandbox.url}sandbox/v1/${route}`, {
    method: body === undefined ? 'GET' : 'POST',
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export interface StoredMessage {
  ts: string;
  user?: string;
  text?: string;
  ephemeral_to?: string;
  blocks?: unknown[];
}

export async function messages(sandbox: Sandbox, team: string, channel: string): Promise<StoredMessage[]> {
  const res = await driver(sandbox, `messages?team_id=${team}&channel_id=${channel}`);
  return res.body.messages as StoredMessage[];
}

export async function sockets(sandbox: Sandbox): Promise<Map<string, number>> {
  const res = await driver(sandbox, 'sockets');
  return new Map((res.body.teams as Array<{ team_id: string; count: number }>).map((t) => [t.team_id, t.count]));
}

/** Polls until `check` returns a value (not undefined/false) or the time is up. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 5_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A Slack-signed POST straight to ingress, for requests the sandbox would never send. */
export async function signedPost(
  url: string,
  body: string,
  opts: { secret: string; contentType?: string; timestamp?: number; signature?: string; headers?: Record<string, string> },
): Promise<{ status: number; body: string }> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1_000);
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': opts.contentType ?? 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': opts.signature ?? signSlackRequest({ signingSecret: opts.secret, timestamp, body }),
      ...opts.headers,
    },
    body,
  });
  return { status: res.status, body: await res.text() };
}

/** Records every subject published under the test's prefix (to prove nothing was published). */
export function recordSubjects(nc: NatsConnection, prefix: string): string[] {
  const seen: string[] = [];
  nc.subscribe(`${prefix}.>`, { callback: (_err, msg) => seen.push(msg.subject) });
  return seen;
}
