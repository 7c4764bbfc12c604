import { randomBytes } from 'node:crypto';
import { WebClient } from '@slack/web-api';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { asSurfingerError, SlackId, type Lang } from '../../protocol/index.ts';
import type { Logger } from '../common/logger.ts';
import { edgeText } from '../common/slack-routing.ts';
import { slackSdkLogger } from '../common/slack-sdk.ts';
import { rotationFields, type TokenStore } from '../common/token-store.ts';
import { checkState, createState } from './oauth-state.ts';

/**
 * OAuth v2 "Add to Slack":
 * 1. GET /slack/install issues a signed, short-lived `state`, remembers its nonce in Redis and in a
 *    cookie, and redirects to Slack's authorize page.
 * 2. GET /slack/oauth_redirect checks the state (MAC, expiry, cookie, single use), exchanges the
 *    code with oauth.v2.access, stores the tokens encrypted, and shows a success page.
 */

export const OAuthErrorCodes = {
  /** Install attempted without SF_SLACK_CLIENT_ID / SF_SLACK_CLIENT_SECRET. */
  NOT_CONFIGURED: 'SF_ERR_OAUTH_NOT_CONFIGURED',
  /** state missing, forged, expired, reused, or from another browser. */
  STATE: 'SF_ERR_OAUTH_STATE',
  /** oauth.v2.access refused the code or answered without a bot token. */
  EXCHANGE: 'SF_ERR_OAUTH_EXCHANGE',
} as const;

export interface OAuthConfig {
  clientId: string | undefined;
  clientSecret: string | undefined;
  /** Origin of Slack's authorize page (https://slack.com, or the sandbox). */
  authorizeBase: string;
  /** Public base URL of this ingress, for redirect_uri. */
  publicUrl: string;
  scopes: string;
  slackApiUrl: string;
}

/**
 * The bot scopes "Add to Slack" asks for (SF_SLACK_SCOPES overrides). They equal the manifests'
 * scopes and what the code calls; test/slack-manifest.test.ts keeps the three in step.
 */
export const DEFAULT_BOT_SCOPES = 'commands,chat:write,channels:history,groups:history,channels:read,groups:read';

const STATE_TTL_MS = 10 * 60_000;
const COOKIE = 'sf_oauth_state';

/** The fields of Slack's oauth.v2.access answer we keep; `app_token` is a sandbox extension for per-team sockets. */
const AccessResponse = z.object({
  access_token: z.string().min(1),
  bot_user_id: z.string().max(64).default(''),
  team: z.object({ id: SlackId, name: z.string().max(256).default('') }),
  app_token: z.string().min(1).optional(),
  /** With token rotation on: access_token is an expiring xoxe.xoxb-…, refreshed with this. */
  refresh_token: z.string().min(1).optional(),
  expires_in: z.number().int().positive().optional(),
});

export function oauthRoutes(
  app: FastifyInstance,
  /** `onInstalled`: the team's tokens are stored (workspace-apps mode opens its socket on it). */
  deps: { config: OAuthConfig; redis: Redis; prefix: string; tokens: TokenStore; log: Logger; onInstalled?: (team: string) => void },
): void {
  const { config, log } = deps;
  const redirectUri = new URL('/slack/oauth_redirect', config.publicUrl).toString();
  const nonceKey = (nonce: string) => `${deps.prefix}:oauth-state:${nonce}`;

  app.get('/slack/install', async (req, reply) => {
    const lang = pickLang(req.headers['accept-language']);
    if (!config.clientId || !config.clientSecret) {
      log.warn({ code: OAuthErrorCodes.NOT_CONFIGURED }, 'install without OAuth client configured');
      return page(reply, 503, lang, 'installFailed', { reason: 'OAuth is not configured' });
    }
    const nonce = randomBytes(16).toString('base64url');
    await deps.redis.set(nonceKey(nonce), '1', 'PX', STATE_TTL_MS);
    const state = createState(config.clientSecret, nonce, Date.now(), STATE_TTL_MS);
    const url = new URL('/oauth/v2/authorize', config.authorizeBase);
    url.search = new URLSearchParams({ client_id: config.clientId, scope: config.scopes, redirect_uri: redirectUri, state }).toString();
    void reply.header('set-cookie', `${COOKIE}=${nonce}; Path=/slack; HttpOnly; SameSite=Lax; Max-Age=${STATE_TTL_MS / 1_000}`);
    return reply.redirect(url.toString(), 302);
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/slack/oauth_redirect', async (req, reply) => {
    const lang = pickLang(req.headers['accept-language']);
    const refuse = (status: number, code: string, reason: string) => {
      log.info({ code, reason }, 'install refused');
      return page(reply, status, lang, 'installFailed', { reason });
    };
    if (!config.clientId || !config.clientSecret) return refuse(503, OAuthErrorCodes.NOT_CONFIGURED, 'OAuth is not configured');
    const { code, state, error } = req.query;
    if (typeof error === 'string') return refuse(400, OAuthErrorCodes.EXCHANGE, `Slack said ${error.slice(0, 64)}`);
    if (typeof code !== 'string' || typeof state !== 'string' || code.length > 512 || state.length > 256) return refuse(400, OAuthErrorCodes.STATE, 'missing code or state');
    const checked = checkState(config.clientSecret, state, Date.now());
    if (!checked.ok) return refuse(400, OAuthErrorCodes.STATE, `state ${checked.reason}`);
    if (cookie(req.headers.cookie, COOKIE) !== checked.nonce) return refuse(400, OAuthErrorCodes.STATE, 'state was issued to another browser');
    // DEL answers 1 only for the first caller: the state is single-use even across replicas.
    if ((await deps.redis.del(nonceKey(checked.nonce))) !== 1) return refuse(400, OAuthErrorCodes.STATE, 'state already used');

    let access: z.infer<typeof AccessResponse>;
    try {
      const client = new WebClient(undefined, { slackApiUrl: config.slackApiUrl, logger: slackSdkLogger(log), retryConfig: { retries: 2 } });
      const res = await client.oauth.v2.access({ client_id: config.clientId, client_secret: config.clientSecret, code, redirect_uri: redirectUri });
      const parsed = AccessResponse.safeParse(res);
      if (!parsed.success) return refuse(502, OAuthErrorCodes.EXCHANGE, 'unexpected answer from oauth.v2.access');
      access = parsed.data;
    } catch (err) {
      const e = asSurfingerError(err, OAuthErrorCodes.EXCHANGE);
      return refuse(502, OAuthErrorCodes.EXCHANGE, (err as { data?: { error?: string } }).data?.error ?? e.message.slice(0, 100));
    }
    // Slack's OAuth grants no app-level token; a reinstall keeps the one provisioned before.
    const appToken = access.app_token ?? (await deps.tokens.get(access.team.id).catch(() => null))?.appToken;
    const now = Date.now();
    const rotating = access.refresh_token !== undefined && access.expires_in !== undefined;
    await deps.tokens.put(access.team.id, {
      teamName: access.team.name,
      botToken: access.access_token,
      botUserId: access.bot_user_id,
      ...(appToken ? { appToken } : {}),
      ...(access.refresh_token !== undefined && access.expires_in !== undefined
        ? rotationFields({ accessToken: access.access_token, refreshToken: access.refresh_token, expiresInSec: access.expires_in }, now)
        : {}),
      installedAt: now,
    });
    log.info({ team: access.team.id, hasAppToken: appToken !== undefined, rotating }, 'team installed');
    deps.onInstalled?.(access.team.id);
    void reply.header('set-cookie', `${COOKIE}=; Path=/slack; HttpOnly; SameSite=Lax; Max-Age=0`);
    return page(reply, 200, lang, 'installed', { team: access.team.name || access.team.id });
  });
}

function pickLang(acceptLanguage: string | string[] | undefined): Lang {
  const value = Array.isArray(acceptLanguage) ? acceptLanguage[0] : acceptLanguage;
  return value && /^\s*ko\b/i.test(value) ? 'ko' : 'en';
}

function cookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** Catalog texts use Slack's `code` marks; on a web page they become <code>. */
const html = (s: string) => escape(s).replace(/`([^`]+)`/g, '<code>$1</code>');

/** Result page in the browser's language, with the other language underneath. */
function page(reply: FastifyReply, status: number, lang: Lang, key: 'installed' | 'installFailed', vars: Record<string, string>) {
  const other: Lang = lang === 'ko' ? 'en' : 'ko';
  const ok = key === 'installed';
  const body = `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>SurFinger</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}h1{color:${ok ? '#1b7f3b' : '#a61b1b'}}p.alt{color:#666}</style></head>
<body><h1 id="result" data-ok="${ok}">SurFinger ${ok ? '✓' : '✗'}</h1>
<p id="message">${html(edgeText(lang, key, vars))}</p><p class="alt">${html(edgeText(other, key, vars))}</p></body></html>`;
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}
