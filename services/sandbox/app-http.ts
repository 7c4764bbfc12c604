import type { Logger } from '../common/logger.ts';
import { signSlackRequest } from '../common/slack-signature.ts';

/**
 * Signed HTTP delivery to the app, as Slack does it: every request carries
 * `X-Slack-Request-Timestamp` and `X-Slack-Signature` (v0) over the exact body sent, and the app
 * has 3 seconds to answer.
 */

export interface AppReply {
  status: number;
  contentType: string;
  text: string;
}

export type AppResult = { ok: true; reply: AppReply } | { ok: false; reason: 'http_timeout' | 'http_error' | 'connection_failed'; status?: number };

/** Slack's acknowledgement window for slash commands, interactivity and events. */
export const SLACK_ACK_TIMEOUT_MS = 3000;

export async function postToApp(input: {
  url: string;
  signingSecret: string;
  body: string;
  contentType: 'application/x-www-form-urlencoded' | 'application/json';
  headers?: Record<string, string>;
  timeoutMs: number;
  logger: Logger;
}): Promise<AppResult> {
  const timestamp = Math.floor(Date.now() / 1000);
  try {
    const response = await fetch(input.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(input.timeoutMs),
      headers: {
        'content-type': input.contentType,
        'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': signSlackRequest({ signingSecret: input.signingSecret, timestamp, body: input.body }),
        ...input.headers,
      },
      body: input.body,
    });
    const text = await response.text();
    if (response.status < 200 || response.status > 299) {
      input.logger.warn({ url: input.url, status: response.status }, 'app answered with an HTTP error');
      return { ok: false, reason: 'http_error', status: response.status };
    }
    return { ok: true, reply: { status: response.status, contentType: response.headers.get('content-type') ?? '', text } };
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    input.logger.warn({ url: input.url, reason: timedOut ? 'timeout' : (err as Error).message }, 'app request failed');
    return { ok: false, reason: timedOut ? 'http_timeout' : 'connection_failed' };
  }
}

/** An app reply body as a message: JSON `{text, blocks, response_type…}` or plain text; empty means none. */
export function replyAsMessage(reply: AppReply): Record<string, unknown> | undefined {
  const text = reply.text.trim();
  if (text === '') return undefined;
  if (reply.contentType.includes('json') || text.startsWith('{')) {
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // Not JSON after all: Slack shows the body as text.
    }
  }
  return { text: reply.text };
}
