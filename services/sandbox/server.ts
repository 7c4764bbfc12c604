import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { SurfingerError, asSurfingerError } from '../../protocol/errors.ts';
import { createLogger, type Logger } from '../common/logger.ts';
import { handleDriver, type AppConfigChange } from './driver.ts';
import { SandboxErrorCodes } from './errors.ts';
import { BodyTooLarge, parseForm, parseParams, readBody, sendJson } from './http-util.ts';
import { Interactions } from './interactions.ts';
import { OAuth } from './oauth.ts';
import { DEFAULT_RATE_LIMITS, RateLimiter, type RateLimitOptions } from './rate-limit.ts';
import { SLACK_RETRY_DELAYS_MS, type RetryPolicy } from './retry-policy.ts';
import { SocketHub } from './socket-mode.ts';
import { callWebApi } from './web-api.ts';
import { DeliveryMode, Workspace, generateTeams, type GenerateSpec, type SandboxApp, type TeamSpec, type WorkspaceChange } from './workspace.ts';

export interface SandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Explicit teams; when absent, `generate` (default: the demo team) decides. */
  teams?: TeamSpec[];
  generate?: GenerateSpec;
  /** Every app's HTTP base URL: requests go to <appUrl>/slack/{commands,interactivity,events}. */
  appUrl?: string;
  /** How apps receive what people do (docs/sandbox.md, "Delivery modes"); default `http`. */
  delivery?: DeliveryMode;
  /** Slack's token rotation: `xoxe.xoxb-` tokens that expire, renewed with a refresh token. */
  tokenRotation?: boolean;
  /** Access token lifetime with rotation on (Slack: 43200). */
  tokenLifetimeSeconds?: number;
  logger?: Logger;
  /** Slack-like limits by default; `false` turns them off (benchmarks), a partial overrides. */
  rateLimit?: Partial<RateLimitOptions> | false;
  /** Socket ack / HTTP answer window before retry or timeout (Slack: 3000). */
  ackTimeoutMs?: number;
  /** Retries of unacked or failed event deliveries (Slack: 3). */
  maxRetries?: number;
  /** Pause before each event retry after the failed attempt (Slack: 0, 1 min, 5 min). */
  retryDelaysMs?: number[];
  /** Server ping interval on Socket Mode links (the SDK gives up after 30 s of silence). */
  pingIntervalMs?: number;
  /** Delay between a `refresh_requested` disconnect message and closing the link. */
  refreshCloseDelayMs?: number;
  maxMessagesPerChannel?: number;
}

export interface SandboxAppInfo {
  appId: string;
  clientId: string;
  clientSecret: string;
  signingSecret: string;
  appToken: string;
  socketMode: boolean;
  /** Teams the app is installed in. */
  teams: string[];
}

export interface SandboxTeamInfo {
  teamId: string;
  teamName: string;
  botToken: string;
  botUserId: string;
  /** The app that serves the team; its app token and signing secret follow. */
  appId: string;
  /** Shared by every team of one app: open ONE app's links, not one per team. */
  appToken: string;
  signingSecret: string;
  /** Token rotation only. */
  refreshToken?: string;
  /** Token rotation only: when botToken expires (epoch ms). */
  tokenExpiresAt?: number;
  channels: Array<{ id: string; name: string }>;
  users: Array<{ id: string; name: string }>;
}

/** The start line `surfinger sandbox` prints. */
export interface SandboxInfo {
  apiUrl: string;
  uiUrl: string;
  delivery: DeliveryMode;
  apps: SandboxAppInfo[];
  /** apps[0]: the distributed app in http and socket modes. */
  app: SandboxAppInfo;
  teams: SandboxTeamInfo[];
}

export interface Sandbox {
  info: SandboxInfo;
  /** Base URL, ending in a slash. */
  url: string;
  workspace: Workspace;
  /** Points an app's (default: every app's) request URLs at `url`, or clears them, and runs url_verification. */
  setAppUrl(url: string | undefined, appId?: string): Promise<Record<string, unknown>>;
  /** `POST /sandbox/v1/config`: app URL and/or Socket Mode of one app or all. */
  configure(change: AppConfigChange): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

const UI_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const logger = options.logger ?? createLogger('sandbox');
  const delivery = DeliveryMode.safeParse(options.delivery ?? 'http');
  if (!delivery.success) throw new SurfingerError(SandboxErrorCodes.BAD_OPTIONS, `delivery must be http, socket or workspace-apps: ${String(options.delivery)}`);
  const workspace = new Workspace(options.teams ?? generateTeams(options.generate), {
    delivery: delivery.data,
    ...(options.maxMessagesPerChannel === undefined ? {} : { maxMessagesPerChannel: options.maxMessagesPerChannel }),
    ...(options.tokenRotation === undefined ? {} : { tokenRotation: options.tokenRotation }),
    ...(options.tokenLifetimeSeconds === undefined ? {} : { tokenLifetimeSeconds: options.tokenLifetimeSeconds }),
  });
  const rateLimits = options.rateLimit === false ? false : { ...DEFAULT_RATE_LIMITS, ...options.rateLimit };
  const retry: RetryPolicy = { ackTimeoutMs: options.ackTimeoutMs ?? 3000, maxRetries: options.maxRetries ?? 3, retryDelaysMs: options.retryDelaysMs ?? SLACK_RETRY_DELAYS_MS };
  let baseUrl = '';

  const hub = new SocketHub({
    logger,
    retry,
    pingIntervalMs: options.pingIntervalMs ?? 10_000,
    refreshCloseDelayMs: options.refreshCloseDelayMs ?? 500,
    socketMode: (appId) => workspace.apps.get(appId)?.socketMode === true,
    // Called only after start, once `interactions` below exists.
    onAck: (_appId, envelope, payload) => interactions.onSocketAck(envelope, payload),
    onGiveUp: (_appId, envelope) => interactions.onSocketGiveUp(envelope),
  });
  const interactions = new Interactions({ workspace, hub, logger, baseUrl: () => baseUrl, retry });
  const oauth = new OAuth(workspace);
  const limiter = new RateLimiter();
  const feeds = new Set<ServerResponse>();

  const configure = async (change: AppConfigChange): Promise<Record<string, unknown>> => {
    const { appUrl } = change;
    if (typeof appUrl === 'string' && !/^https?:\/\/[^\s]+$/.test(appUrl)) throw new SurfingerError(SandboxErrorCodes.BAD_OPTIONS, `app URL must be http(s): ${appUrl}`);
    const targets = change.appId === undefined ? [...workspace.apps.values()] : [workspace.apps.get(change.appId)].filter((a): a is SandboxApp => a !== undefined);
    if (targets.length === 0) throw new SurfingerError(SandboxErrorCodes.BAD_OPTIONS, `no app ${change.appId}`);
    const apps: Array<Record<string, unknown>> = [];
    for (const app of targets) {
      if (change.socketMode !== undefined && change.socketMode !== app.socketMode) {
        app.socketMode = change.socketMode;
        // Slack ends an app's links when its Socket Mode is turned off.
        if (!app.socketMode) hub.disconnect(app.id, 'link_disabled');
        logger.info({ app: app.id, socketMode: app.socketMode }, 'socket mode switched');
      }
      let verification: { ok: boolean; error?: string } | undefined;
      if (appUrl !== undefined) {
        app.appUrl = appUrl?.replace(/\/+$/, '') || undefined;
        logger.info({ app: app.id, appUrl: app.appUrl ?? null }, 'app URL set');
        if (app.appUrl) verification = await interactions.verifyUrl(app, app.appUrl);
      }
      apps.push({ app_id: app.id, app_url: app.appUrl ?? null, socket_mode: app.socketMode, ...(verification ? { url_verification: verification } : {}) });
    }
    const first = apps[0] ?? {};
    const failed = apps.find((a) => (a['url_verification'] as { ok?: boolean } | undefined)?.ok === false);
    return { ok: true, app_url: first['app_url'] ?? null, ...(first['url_verification'] ? { url_verification: (failed ?? first)['url_verification'] } : {}), apps };
  };
  const setAppUrl = (url: string | undefined, appId?: string): Promise<Record<string, unknown>> => configure({ appUrl: url ?? null, ...(appId === undefined ? {} : { appId }) });

  const onChange = (change: WorkspaceChange): void => {
    const data = `data: ${JSON.stringify(change)}\n\n`;
    for (const res of feeds) res.write(data);
  };
  workspace.on('change', onChange);

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      const e = asSurfingerError(err);
      logger.error({ code: e.code, err: e, path: req.url?.split('?')[0] }, 'sandbox request failed');
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'internal_error' });
      else res.end();
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = requestUrl(req);
    if (!url) return sendJson(res, 400, { ok: false, error: 'invalid_url' });
    const path = url.pathname;
    const method = req.method ?? 'GET';

    if (path.startsWith('/api/')) {
      let body: Buffer;
      try {
        body = await readBody(req);
      } catch (err) {
        if (err instanceof BodyTooLarge) return sendJson(res, 413, { ok: false, error: 'request_too_large' });
        throw err;
      }
      const parsed = parseParams(req.headers['content-type'], body);
      if (!parsed.ok) {
        logger.warn({ path, reason: parsed.reason }, 'web api: bad body');
        return sendJson(res, 200, { ok: false, error: 'invalid_arguments' });
      }
      const params = { ...Object.fromEntries(url.searchParams), ...parsed.params };
      const auth = req.headers.authorization;
      const bearer = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
      const tokenParam = typeof params['token'] === 'string' ? params['token'] : undefined;
      const result = callWebApi(
        { workspace, hub, oauth, limiter, rateLimits, socketBase: () => baseUrl.replace(/^http/, 'ws') },
        { method: path.slice(5), params, token: bearer || tokenParam, authorization: auth, nowMs: Date.now() },
      );
      // Slack flags JSON bodies sent without a charset; the SDK surfaces these as warnings.
      const missingCharset = parsed.json && !/charset/i.test(req.headers['content-type'] ?? '');
      const responseBody = missingCharset && result.body['ok'] === true ? { ...result.body, response_metadata: { ...(result.body['response_metadata'] as object | undefined), warnings: ['missing_charset'] } } : result.body;
      return sendJson(res, result.status, responseBody, result.headers);
    }

    if (path.startsWith('/sandbox/v1/')) {
      const routeName = path.slice('/sandbox/v1/'.length);
      if (method === 'GET' && routeName === 'feed') return openFeed(res);
      let body: unknown;
      if (method === 'POST') {
        const raw = await readBody(req).catch(() => undefined);
        const parsed = raw ? parseParams('application/json', raw) : undefined;
        if (!parsed?.ok) return sendJson(res, 400, { ok: false, error: 'invalid_json' });
        body = parsed.params;
      }
      const result = await handleDriver({ workspace, hub, interactions, configure }, method, routeName, url.searchParams, body);
      return sendJson(res, result.status, result.body);
    }

    const hook = /^\/hooks\/(commands|actions)\/([A-Z0-9]+)\/(\d+\/[A-Za-z0-9_-]+)$/.exec(path);
    if (hook && method === 'POST') {
      const raw = await readBody(req).catch(() => undefined);
      const parsed = raw ? parseParams('application/json', raw) : undefined;
      if (!parsed?.ok) return sendJson(res, 400, { ok: false, error: 'invalid_payload' });
      const result = interactions.respond(hook[2] ?? '', hook[3] ?? '', parsed.params);
      return sendJson(res, result.status, result.body);
    }

    if (path === '/oauth/v2/authorize') {
      if (method === 'POST') {
        const raw = await readBody(req).catch(() => Buffer.alloc(0));
        const outcome = oauth.approve(parseForm(raw.toString('utf8')) ?? {});
        if ('redirect' in outcome) {
          res.writeHead(302, { location: outcome.redirect });
          return void res.end();
        }
        return sendHtml(res, outcome.status, outcome.html);
      }
      const pageResult = oauth.authorizePage(url.searchParams);
      return sendHtml(res, pageResult.status, pageResult.html);
    }

    const ui = UI_FILES[path];
    if (ui && method === 'GET') {
      const content = await readFile(new URL(`./ui/${ui.file}`, import.meta.url));
      res.writeHead(200, { 'content-type': ui.type, 'cache-control': 'no-cache' });
      return void res.end(content);
    }
    sendJson(res, 404, { ok: false, error: 'not_found' });
  }

  function openFeed(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(': feed open\n\n');
    feeds.add(res);
    res.on('close', () => feeds.delete(res));
  }

  server.on('upgrade', (req, socket, head) => {
    const match = /^\/socket\/([0-9a-f]+)$/.exec(requestUrl(req)?.pathname ?? '');
    if (!match?.[1]) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    hub.handleUpgrade(req, socket, head, match[1]);
  });
  // Keep-alive for SSE; a heartbeat comment stops proxies and browsers from timing the feed out.
  const heartbeat = setInterval(() => {
    for (const res of feeds) res.write(': ping\n\n');
  }, 15_000);

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new SurfingerError(SandboxErrorCodes.LISTEN, `sandbox cannot listen on ${host}:${options.port ?? 0}: ${err.message}`, { cause: err })));
    server.listen(options.port ?? 0, host, () => resolve());
  }).catch((err: unknown) => {
    clearInterval(heartbeat);
    throw err;
  });
  const { port } = server.address() as AddressInfo;
  const publicHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  baseUrl = `http://${publicHost}:${port}/`;
  if (options.appUrl) await setAppUrl(options.appUrl);

  const apps = [...workspace.apps.values()].map((a) => ({
    appId: a.id,
    clientId: a.clientId,
    clientSecret: a.clientSecret,
    signingSecret: a.signingSecret,
    appToken: a.appToken,
    socketMode: a.socketMode,
    teams: [...a.teams],
  }));
  const info: SandboxInfo = {
    apiUrl: `${baseUrl}api/`,
    uiUrl: baseUrl,
    delivery: workspace.delivery,
    apps,
    app: apps[0]!,
    teams: [...workspace.teams.values()].map((t) => {
      const app = workspace.appOf(t);
      return {
        teamId: t.id,
        teamName: t.name,
        botToken: t.botToken,
        botUserId: t.bot.id,
        appId: app.id,
        appToken: app.appToken,
        signingSecret: app.signingSecret,
        ...(t.refreshToken ? { refreshToken: t.refreshToken } : {}),
        ...(t.tokenExpiresAt ? { tokenExpiresAt: t.tokenExpiresAt } : {}),
        channels: [...t.channels.values()].map((c) => ({ id: c.id, name: c.name })),
        users: [...t.users.values()].map((u) => ({ id: u.id, name: u.name })),
      };
    }),
  };
  logger.info({ url: baseUrl, teams: info.teams.length }, 'sandbox listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      clearInterval(heartbeat);
      workspace.off('change', onChange);
      interactions.close();
      for (const res of feeds) res.end();
      await hub.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      logger.info('sandbox closed');
    })();
    return closing;
  };

  return { info, url: baseUrl, workspace, setAppUrl, configure, close };
}

/** The request target as a URL; undefined for targets WHATWG URL rejects (e.g. `//[`). */
function requestUrl(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? '/', 'http://sandbox.invalid');
  } catch {
    return undefined;
  }
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(html);
}
