import { randomBytes, randomInt } from 'node:crypto';
import { escapeHtml } from './http-util.ts';
import type { SandboxApp, SandboxTeam, Workspace } from './workspace.ts';

/**
 * OAuth v2 install (https://api.slack.com/authentication/oauth-v2):
 *  1. The app sends the person to /oauth/v2/authorize?client_id&scope&redirect_uri&state.
 *  2. The person picks a workspace and presses Allow; we redirect to redirect_uri?code&state.
 *  3. The app exchanges the code (10 minutes, single use) at oauth.v2.access for a bot token.
 *  4. With token rotation the token is `xoxe.xoxb-…` with `expires_in` and a `refresh_token`;
 *     `grant_type=refresh_token` trades that refresh token (once) for a new pair.
 * Each app has its own client id and secret and can be installed only in the teams it serves.
 */

const CODE_TTL_MS = 10 * 60_000;

interface Grant {
  appId: string;
  teamId: string;
  scope: string;
  redirectUri: string;
  expiresAt: number;
}

export class OAuth {
  readonly #grants = new Map<string, Grant>();
  readonly #workspace: Workspace;

  constructor(workspace: Workspace) {
    this.#workspace = workspace;
  }

  /** Step 1: the consent page; `undefined` page means the query was unusable (400). */
  authorizePage(query: URLSearchParams): { status: number; html: string } {
    const app = this.#workspace.appByClientId(query.get('client_id') ?? '');
    const redirectUri = query.get('redirect_uri') ?? '';
    if (!app) return { status: 400, html: page('Install failed', '<p class="err">Unknown <code>client_id</code>.</p>') };
    if (!isHttpUrl(redirectUri)) return { status: 400, html: page('Install failed', '<p class="err">Missing or invalid <code>redirect_uri</code>.</p>') };
    const options = this.#installable(app).map((t) => `<option value="${escapeHtml(t.id)}">${escapeHtml(t.name)}</option>`).join('');
    const hidden = ['client_id', 'scope', 'redirect_uri', 'state'].map((k) => `<input type="hidden" name="${k}" value="${escapeHtml(query.get(k) ?? '')}">`).join('');
    const scopes = (query.get('scope') ?? '').split(',').filter(Boolean).map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join('');
    return {
      status: 200,
      html: page(
        'SurFinger is requesting permission',
        `<form method="post" action="/oauth/v2/authorize">${hidden}
<label>Workspace <select name="team">${options}</select></label>
<p>The app will be able to:</p><ul>${scopes || '<li>(no scopes requested)</li>'}</ul>
<button type="submit" name="allow" value="1">Allow</button></form>`,
      ),
    };
  }

  /** Step 2: Allow pressed. Returns where to redirect, or an error page. */
  approve(form: Record<string, string>, nowMs = Date.now()): { redirect: string } | { status: number; html: string } {
    const app = this.#workspace.appByClientId(form['client_id'] ?? '');
    const team = app ? this.#installable(app).find((t) => t.id === form['team']) : undefined;
    const redirectUri = form['redirect_uri'] ?? '';
    if (!app || !team || !isHttpUrl(redirectUri)) return { status: 400, html: page('Install failed', '<p class="err">The install request was not valid.</p>') };
    const code = `${randomInt(1e9, 1e10)}.${randomInt(1e12, 1e13)}.${randomBytes(20).toString('hex')}`;
    this.#grants.set(code, { appId: app.id, teamId: team.id, scope: form['scope'] ?? '', redirectUri, expiresAt: nowMs + CODE_TTL_MS });
    const target = new URL(redirectUri);
    target.searchParams.set('code', code);
    target.searchParams.set('state', form['state'] ?? '');
    return { redirect: target.toString() };
  }

  /** Step 3: oauth.v2.access. Client credentials come as params or HTTP Basic auth. */
  exchange(params: Record<string, unknown>, authorization: string | undefined, nowMs = Date.now()): Record<string, unknown> {
    let clientId = typeof params['client_id'] === 'string' ? params['client_id'] : undefined;
    let clientSecret = typeof params['client_secret'] === 'string' ? params['client_secret'] : undefined;
    if (authorization?.startsWith('Basic ')) {
      const [id, secret] = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':');
      clientId ??= id;
      clientSecret ??= secret;
    }
    const app = this.#workspace.appByClientId(clientId ?? '');
    if (!app) return { ok: false, error: 'invalid_client_id' };
    if (clientSecret !== app.clientSecret) return { ok: false, error: 'bad_client_secret' };
    if (params['grant_type'] === 'refresh_token') {
      const refreshed = this.#workspace.refresh(app, typeof params['refresh_token'] === 'string' ? params['refresh_token'] : '', nowMs);
      return refreshed ? this.#tokenAnswer(app, refreshed, nowMs) : { ok: false, error: 'invalid_refresh_token' };
    }
    const code = typeof params['code'] === 'string' ? params['code'] : '';
    const grant = this.#grants.get(code);
    this.#grants.delete(code);
    if (!grant || grant.appId !== app.id || grant.expiresAt < nowMs) return { ok: false, error: 'invalid_code' };
    if (typeof params['redirect_uri'] === 'string' && params['redirect_uri'] !== grant.redirectUri) return { ok: false, error: 'bad_redirect_uri' };
    const team = this.#workspace.teams.get(grant.teamId);
    if (!team) return { ok: false, error: 'invalid_code' };
    const scopes = grant.scope.split(',').filter(Boolean);
    this.#workspace.install(team, scopes.length > 0 ? scopes : team.scopes, nowMs);
    return { ...this.#tokenAnswer(app, team, nowMs), authed_user: { id: [...team.users.keys()][0] ?? team.bot.id }, scope: grant.scope };
  }

  /** Slack's oauth.v2.access answer for the team's current bot token. */
  #tokenAnswer(app: SandboxApp, team: SandboxTeam, nowMs: number): Record<string, unknown> {
    const rotating = team.refreshToken !== undefined && team.tokenExpiresAt !== undefined;
    return {
      ok: true,
      app_id: app.id,
      scope: team.scopes.join(','),
      token_type: 'bot',
      access_token: team.botToken,
      bot_user_id: team.bot.id,
      ...(rotating ? { refresh_token: team.refreshToken, expires_in: Math.max(0, Math.round(((team.tokenExpiresAt ?? nowMs) - nowMs) / 1000)) } : {}),
      team: { id: team.id, name: team.name },
      enterprise: null,
      is_enterprise_install: false,
    };
  }

  /** A distributed app goes into any team; a per-workspace app only into its own. */
  #installable(app: SandboxApp): SandboxTeam[] {
    return [...this.#workspace.teams.values()].filter((t) => t.appId === app.id);
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><link rel="stylesheet" href="/style.css"></head>
<body class="oauth"><main class="card"><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}
