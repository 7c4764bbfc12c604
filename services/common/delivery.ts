import { randomBytes } from 'node:crypto';
import { SurfingerError } from '../../protocol/errors.ts';
import { signSlackRequest } from './slack-signature.ts';

/**
 * Start-up checks of the delivery mode (config.ts, `SF_SLACK_DELIVERY`): a configuration that
 * cannot receive Slack's events is refused before the service says `ready`, with a code that says
 * what to do (docs/errors.md), instead of running deaf.
 */

export const DeliveryErrorCodes = {
  /** `socket` mode without `SF_SLACK_APP_TOKEN`. */
  NO_APP_TOKEN: 'SF_ERR_DELIVERY_NO_APP_TOKEN',
  /** Slack's apps.connections.open refused the app token (wrong token type, revoked, no connections:write). */
  APP_TOKEN_REFUSED: 'SF_ERR_DELIVERY_APP_TOKEN_REFUSED',
  /** `http` mode: the public events URL did not answer a signed url_verification challenge. */
  EVENTS_URL: 'SF_ERR_DELIVERY_EVENTS_URL',
} as const;

const CHECK_TIMEOUT_MS = 5_000;

/**
 * `socket` mode: the app token exists and Slack accepts it. apps.connections.open only hands out
 * a WebSocket URL (nothing connects), so asking once at start costs one Tier 1 call.
 */
export async function checkAppToken(slackApiUrl: string, appToken: string | undefined): Promise<void> {
  if (!appToken) {
    throw new SurfingerError(
      DeliveryErrorCodes.NO_APP_TOKEN,
      'SF_SLACK_DELIVERY=socket needs SF_SLACK_APP_TOKEN: create an app-level token (xapp-…) with connections:write under Basic Information → App-Level Tokens, or use SF_SLACK_DELIVERY=http',
    );
  }
  let answer: { ok?: unknown; error?: unknown };
  try {
    const res = await fetch(new URL('apps.connections.open', slackApiUrl.endsWith('/') ? slackApiUrl : `${slackApiUrl}/`), {
      method: 'POST',
      headers: { authorization: `Bearer ${appToken}`, 'content-type': 'application/x-www-form-urlencoded' },
      signal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
    });
    answer = (await res.json()) as typeof answer;
  } catch (err) {
    throw new SurfingerError(DeliveryErrorCodes.APP_TOKEN_REFUSED, `could not ask Slack (${slackApiUrl}) whether SF_SLACK_APP_TOKEN is valid: ${(err as Error).message}`, { cause: err });
  }
  if (answer.ok !== true) {
    throw new SurfingerError(
      DeliveryErrorCodes.APP_TOKEN_REFUSED,
      `Slack refused SF_SLACK_APP_TOKEN (apps.connections.open: ${String(answer.error ?? 'unknown error')}): check that it is this app's app-level token with connections:write and that Socket Mode is on`,
      { details: { slackError: String(answer.error ?? '') } },
    );
  }
}

/**
 * `http` mode: Slack must be able to reach `<publicUrl>/slack/events`. We send the same signed
 * `url_verification` challenge Slack sends when the Request URL is saved, through the public URL
 * (so a wrong proxy, TLS or path shows here, not as silence later), and expect it echoed.
 */
export async function checkEventsUrl(publicUrl: string, signingSecret: string): Promise<void> {
  const url = `${publicUrl.replace(/\/+$/, '')}/slack/events`;
  const challenge = randomBytes(16).toString('hex');
  const body = JSON.stringify({ token: 'startup-check', challenge, type: 'url_verification' });
  const timestamp = Math.floor(Date.now() / 1_000);
  const fix = 'set SF_PUBLIC_URL to the address Slack posts to, or set SF_SKIP_EVENTS_URL_CHECK=1 if the URL only becomes reachable later (then verify it in the app settings yourself)';
  let echoed: unknown;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': signSlackRequest({ signingSecret, timestamp, body }),
      },
      body,
      signal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
    });
    echoed = res.ok ? ((await res.json()) as { challenge?: unknown }).challenge : `HTTP ${res.status}`;
  } catch (err) {
    throw new SurfingerError(DeliveryErrorCodes.EVENTS_URL, `${url} did not answer the url_verification challenge (${(err as Error).message}): ${fix}`, { cause: err });
  }
  if (echoed !== challenge) throw new SurfingerError(DeliveryErrorCodes.EVENTS_URL, `${url} answered the url_verification challenge wrongly (${String(echoed).slice(0, 60)}): ${fix}`);
}
