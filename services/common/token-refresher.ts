import { WebClient } from '@slack/web-api';
import { z } from 'zod';
import { SurfingerError } from '../../protocol/errors.ts';
import { TokenStoreErrorCodes, type OAuthClient, type TokenRefresher } from './token-store.ts';

/*
 * Kept apart from the token store: only the services that call Slack (egress, workspace
 * registration) import the Web API client; the others read tokens without it (deploy/check decides
 * each pod's Slack egress permission from these imports).
 */

/**
 * The refresher for real Slack (and the sandbox): oauth.v2.access with grant_type=refresh_token,
 * as the team's own app or else as `app` (the cluster's app, SF_SLACK_CLIENT_ID/SECRET).
 */
export function slackTokenRefresher(opts: { app?: OAuthClient; slackApiUrl: string }): TokenRefresher {
  const client = new WebClient(undefined, { slackApiUrl: opts.slackApiUrl, retryConfig: { retries: 2 }, timeout: 10_000 });
  return {
    async refresh(refreshToken, teamApp) {
      const app = teamApp ?? opts.app;
      if (!app) throw new SurfingerError(TokenStoreErrorCodes.REFRESH, 'a rotating token is due but no OAuth client is configured (SF_SLACK_CLIENT_ID/SECRET)');
      let res: unknown;
      try {
        res = await client.oauth.v2.access({ client_id: app.clientId, client_secret: app.clientSecret, grant_type: 'refresh_token', refresh_token: refreshToken });
      } catch (cause) {
        const slackError = (cause as { data?: { error?: string } }).data?.error;
        throw new SurfingerError(TokenStoreErrorCodes.REFRESH, `token refresh refused: ${slackError ?? (cause as Error).message}`, { cause, details: { slackError } });
      }
      const parsed = RefreshResponse.safeParse(res);
      if (!parsed.success) throw new SurfingerError(TokenStoreErrorCodes.REFRESH, 'token refresh answered without a rotating pair');
      return { accessToken: parsed.data.access_token, refreshToken: parsed.data.refresh_token, expiresInSec: parsed.data.expires_in };
    },
  };
}

const RefreshResponse = z.object({ access_token: z.string().min(1), refresh_token: z.string().min(1), expires_in: z.number().int().positive() });
