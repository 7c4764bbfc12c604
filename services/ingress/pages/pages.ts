import { randomBytes } from 'node:crypto';
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RequestStrategy, type NatsConnection } from 'nats';
import type { Redis } from 'ioredis';
import { asSurfingerError, codecs, MessageTypes, ServiceNames, SlackId, type Lang, type Notice, type Subjects, type TournamentRequest, type TournamentSummary } from '../../../protocol/index.ts';
import { request } from '../../common/nats.ts';
import { parseTournamentChannels } from '../../common/tournament-form.ts';
import type { Logger } from '../../common/logger.ts';
import { TeamSettingsStore } from '../../common/team-settings.ts';
import type { TokenStore } from '../../common/token-store.ts';
import { RegistrationErrorCodes, registerWorkspace, removeWorkspace } from '../../common/workspace-registration.ts';
import { openRankingReads } from '../../ranking/reads.ts';
import { JobHistory } from '../../scheduler/history.ts';
import { dashboardPage, loginPage, noticePreviewPage, type ClusterInstance, type Flash } from './admin-views.ts';
import { PAGES_CSS, PAGES_JS } from './assets.ts';
import { pageTexts, pickLang } from './i18n.ts';
import { landingPage, type LandingCounters } from './landing.ts';
import { AdminSessions, cookie, LOGIN_CSRF_COOKIE, lockoutAddress, newToken, parseCookies, sameSecret, SESSION_COOKIE, type AdminSession } from './session.ts';
import { userPage } from './user-page.ts';
import { findResult, resultsPage } from './results-page.ts';
import { validTableLink, validUserLink, type TableRef } from '../../common/page-links.ts';

export interface PagesDeps {
  nc: NatsConnection;
  subjects: Subjects;
  redis: Redis;
  log: Logger;
  admin: { user: string; password: string };
  /** Where "Add to Slack" leads (the OAuth install route). */
  installUrl: string;
  /** Injected clock for "today"; Date.now in production. */
  now?: () => number;
  /** Per-workspace app registration (the admin form) checks tokens against this Web API. */
  tokens: TokenStore;
  slackApiUrl: string;
  /** Verifies the personal `/u/` links ranking hands out (page-links.ts). */
  pageLinkSecret: string;
}

export const PagesErrorCodes = {
  /** An admin form came back without the session's CSRF token. */
  CSRF: 'SF_ERR_PAGES_CSRF',
  /** Wrong admin credentials, or too many attempts. */
  LOGIN: 'SF_ERR_PAGES_LOGIN',
  /** A notice form failed validation. */
  NOTICE_INVALID: 'SF_ERR_PAGES_NOTICE_INVALID',
  /** A reminder opt-out form named an invalid team or user id. */
  OPTOUT_INVALID: 'SF_ERR_PAGES_OPTOUT_INVALID',
  /** A `/u/` page was asked for without the player's valid signed link (answered 404). */
  USER_LINK: 'SF_ERR_PAGES_USER_LINK',
  /** A `/r/` result table was asked for without a valid signed link, or its result is not in the stream (answered 404). */
  TABLE_LINK: 'SF_ERR_PAGES_TABLE_LINK',
} as const;

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;
const CHART_DAYS = 30;
/** How long the admin page waits for $SRV.STATS answers: a dead instance must not stall the page. */
const STATS_WAIT_MS = 400;

// Everything is served from this origin; inline styles/scripts are not used, so CSP can be strict.
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

type Form = Record<string, string | undefined>;

function form(req: FastifyRequest): Form {
  return typeof req.body === 'object' && req.body !== null ? (req.body as Form) : {};
}

function langOf(req: FastifyRequest): Lang {
  return pickLang(req.query, req.headers['accept-language']);
}

function parseTeams(input: string | undefined): string[] | null {
  const teams = (input ?? '')
    .split(/[\s,]+/)
    .map((team) => team.trim())
    .filter((team) => team.length > 0);
  return teams.every((team) => SlackId.safeParse(team).success) && teams.length <= 10_000 ? [...new Set(teams)] : null;
}

/**
 * The web pages ingress serves besides Slack's endpoints: landing page, public per-user ranking
 * page, and the admin page. Mounted by ingress with one line: `await registerPages(app, deps)`.
 */
export async function registerPages(app: FastifyInstance, deps: PagesDeps): Promise<void> {
  await app.register(async (scope) => pagesPlugin(scope, deps));
}

async function pagesPlugin(app: FastifyInstance, deps: PagesDeps): Promise<void> {
  const { nc, subjects, redis, log } = deps;
  const now = deps.now ?? Date.now;
  const store = openRankingReads(redis, subjects.prefix);
  const sessions = new AdminSessions(redis, subjects.prefix, deps.admin.user);
  const jobs = new JobHistory(redis, subjects.prefix);
  const settings = await TeamSettingsStore.open(nc, subjects);
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(formbody, { bodyLimit: 16_384 });
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    return payload;
  });

  const sendHtml = (reply: FastifyReply, page: string, status = 200) => reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page);

  app.get('/assets/pages.css', async (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(PAGES_CSS));
  app.get('/assets/pages.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(PAGES_JS));

  async function counters(): Promise<LandingCounters> {
    const t = now();
    const [today, active] = await Promise.all([store.gamesPerDay(1, t), store.activeCounts(t, WEEK_MS)]);
    return { gamesToday: today[0]?.games ?? 0, teams: active.totalTeams, players: active.totalUsers };
  }

  app.get('/', async (req, reply) => sendHtml(reply, landingPage(langOf(req), await counters(), deps.installUrl)));
  app.get('/stats.json', async (_req, reply) => reply.header('cache-control', 'no-store').send(await counters()));

  app.get<{ Params: { team: string; user: string }; Querystring: { k?: string } }>('/u/:team/:user', async (req, reply) => {
    const { team, user } = req.params;
    const lang = langOf(req);
    if (!SlackId.safeParse(team).success || !SlackId.safeParse(user).success) {
      log.info({ code: PagesErrorCodes.USER_LINK }, 'user page for an invalid id');
      return reply.code(404).type('text/plain').send('not found');
    }
    // Only the player's own signed link opens the page; the same 404 either way tells nothing.
    if (!validUserLink(deps.pageLinkSecret, team, user, req.query.k)) {
      log.info({ code: PagesErrorCodes.USER_LINK, team }, 'user page without a valid personal link');
      return reply.code(404).type('text/plain').send('not found');
    }
    const [stats, bests, badges, recent] = await Promise.all([store.userStats(team, user), store.userBests(team, user), store.badges(team, user), store.userRecent(team, user)]);
    return sendHtml(reply, userPage(lang, { team, user, stats, bests, badges: badges.user, teamBadges: badges.team, recent }));
  });

  // The whole table of a result message that had to stop at "… and N more" (results-page.ts).
  app.get<{ Params: TableRef; Querystring: { k?: string } }>('/r/:team/:channel/:gameId/:part', async (req, reply) => {
    const { team, channel, gameId, part } = req.params;
    const ref = { team, channel, gameId, part };
    const wellFormed = SlackId.safeParse(team).success && SlackId.safeParse(channel).success && /^[A-Za-z0-9_-]{1,200}$/.test(gameId) && /^(\d{1,4}|final)$/.test(part);
    // The same 404 for a bad id, a bad key and a result not found: a link tells nothing it does not open.
    const notFound = (reason: string) => {
      log.info({ code: PagesErrorCodes.TABLE_LINK, team, reason }, 'result table not shown');
      return reply.code(404).type('text/plain').send('not found');
    };
    if (!wellFormed) return notFound('invalid id');
    if (!validTableLink(deps.pageLinkSecret, ref, req.query.k)) return notFound('no valid link');
    const result = await findResult(nc, subjects, ref);
    if (result === null) return notFound('no such result');
    return sendHtml(reply, resultsPage(langOf(req), ref, req.query.k!, result));
  });

  // ---- admin ----------------------------------------------------------------------------------

  const secure = (req: FastifyRequest) => req.protocol === 'https';
  const sessionOf = async (req: FastifyRequest): Promise<{ id: string | undefined; session: AdminSession | null }> => {
    const id = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
    return { id, session: await sessions.get(id) };
  };

  async function showLogin(req: FastifyRequest, reply: FastifyReply, flash: Flash, status = 200) {
    const csrf = newToken();
    reply.header('set-cookie', cookie(LOGIN_CSRF_COOKIE, csrf, { maxAgeSec: 3600, secure: secure(req) }));
    return sendHtml(reply, loginPage(langOf(req), csrf, flash), status);
  }

  async function clusterStats(name: string): Promise<ClusterInstance[]> {
    const found: ClusterInstance[] = [];
    try {
      const answers = await nc.services.client({ strategy: RequestStrategy.Timer, maxWait: STATS_WAIT_MS }).stats(name);
      for await (const s of answers) {
        // nats.js attaches the service's statsHandler data to each endpoint; any one carries it.
        const data = s.endpoints?.find((e) => typeof e.data === 'object' && e.data !== null)?.data as Record<string, unknown> | undefined;
        found.push({ id: s.id, data: data ?? {} });
      }
    } catch (err) {
      log.warn({ service: name, reason: (err as Error).message }, 'service stats unavailable');
    }
    return found.sort((a, b) => a.id.localeCompare(b.id));
  }

  async function showDashboard(req: FastifyRequest, reply: FastifyReply, session: AdminSession, flash: Flash, draft = { text: '', teams: '' }) {
    const t = now();
    const [perDay, totals, active, topChannels, hosts, supervisors, history] = await Promise.all([
      store.gamesPerDay(CHART_DAYS, t),
      store.totals(),
      store.activeCounts(t, WEEK_MS),
      store.topChannels(10),
      clusterStats(ServiceNames.actorHost),
      clusterStats(ServiceNames.supervisor),
      jobs.recent(30),
    ]);
    const workspaces = (await deps.tokens.list().catch(() => [])).filter((w) => w.hasAppToken);
    // No actor host answering must not take the dashboard down: the panel then lists none.
    const tournaments = (await askTournaments({ op: 'list' }).catch(() => [])) as TournamentSummary[];
    const dashboard = { gamesToday: perDay.at(-1)?.games ?? 0, totals, active, perDay, topChannels, hosts, supervisors, jobs: history, workspaces, tournaments };
    return sendHtml(reply, dashboardPage(langOf(req), session.csrf, dashboard, flash, draft), flash?.kind === 'err' ? 400 : 200);
  }

  async function askTournaments(req: Omit<TournamentRequest, 'type'>): Promise<TournamentSummary[]> {
    const out = await request(nc, subjects.tournamentAdmin(), codecs.tournamentRequest, { type: MessageTypes.tournamentRequest, ...req }, codecs.tournamentReply, 5_000);
    return out.tournaments;
  }

  /** Every admin POST: a live session and its CSRF token, or the request is refused and logged. */
  async function guard(req: FastifyRequest, reply: FastifyReply): Promise<AdminSession | null> {
    const { session } = await sessionOf(req);
    if (!session) {
      await showLogin(req, reply, null, 401);
      return null;
    }
    if (!sameSecret(form(req)._csrf ?? '', session.csrf)) {
      log.warn({ code: PagesErrorCodes.CSRF, url: req.url }, 'admin form without a valid CSRF token');
      await sendHtml(reply, loginPage(langOf(req), '', { kind: 'err', text: pageTexts(langOf(req))('csrfFailed') }), 403);
      return null;
    }
    return session;
  }

  app.get<{ Querystring: { sent?: string } }>('/admin', async (req, reply) => {
    const { session } = await sessionOf(req);
    if (!session) return showLogin(req, reply, null);
    const sent = typeof req.query.sent === 'string' ? req.query.sent.slice(0, 64) : undefined;
    return showDashboard(req, reply, session, sent ? { kind: 'ok', text: pageTexts(langOf(req))('noticeSent', { id: sent }) } : null);
  });

  app.post('/admin/login', async (req, reply) => {
    const t = pageTexts(langOf(req));
    const body = form(req);
    // req.ip is the peer, or the client a trusted proxy names (SF_TRUST_PROXY); never a bare header.
    const client = lockoutAddress(req.ip);
    const account = body.user ?? '';
    const expected = parseCookies(req.headers.cookie).get(LOGIN_CSRF_COOKIE) ?? '';
    if (expected === '' || !sameSecret(body._csrf ?? '', expected)) {
      log.warn({ code: PagesErrorCodes.CSRF, url: req.url }, 'login form without a valid CSRF token');
      return showLogin(req, reply, { kind: 'err', text: t('csrfFailed') }, 403);
    }
    if (await sessions.lockedOut(client, account)) {
      log.warn({ code: PagesErrorCodes.LOGIN, client }, 'admin login locked after repeated failures');
      return showLogin(req, reply, { kind: 'err', text: t('loginLocked') }, 429);
    }
    // Both comparisons always run, so timing does not tell which one failed.
    const userOk = sameSecret(body.user ?? '', deps.admin.user);
    const passOk = sameSecret(body.password ?? '', deps.admin.password);
    if (!userOk || !passOk || deps.admin.password === '') {
      await sessions.recordFailure(client, account);
      log.info({ code: PagesErrorCodes.LOGIN, client }, 'admin login failed');
      return showLogin(req, reply, { kind: 'err', text: t('loginFailed') }, 401);
    }
    const created = await sessions.create(deps.admin.user);
    log.info({ user: deps.admin.user }, 'admin signed in');
    return reply
      .header('set-cookie', [cookie(SESSION_COOKIE, created.id, { maxAgeSec: created.maxAgeSec, secure: secure(req) }), cookie(LOGIN_CSRF_COOKIE, '', { maxAgeSec: 0, secure: secure(req) })])
      .redirect(`/admin?lang=${langOf(req)}`, 303);
  });

  app.post('/admin/logout', async (req, reply) => {
    if (!(await guard(req, reply))) return reply;
    await sessions.destroy((await sessionOf(req)).id);
    return reply.header('set-cookie', cookie(SESSION_COOKIE, '', { maxAgeSec: 0, secure: secure(req) })).redirect(`/admin?lang=${langOf(req)}`, 303);
  });

  function noticeDraft(req: FastifyRequest): { text: string; teams: string[] } | null {
    const body = form(req);
    const text = (body.text ?? '').replace(/\r\n/g, '\n').trim();
    const teams = parseTeams(body.teams);
    return text.length === 0 || text.length > 3_000 || teams === null ? null : { text, teams };
  }

  app.post('/admin/notice/preview', async (req, reply) => {
    const session = await guard(req, reply);
    if (!session) return reply;
    const draft = noticeDraft(req);
    if (!draft) {
      log.info({ code: PagesErrorCodes.NOTICE_INVALID }, 'notice form rejected');
      return showDashboard(req, reply, session, { kind: 'err', text: pageTexts(langOf(req))('noticeInvalid') }, { text: form(req).text ?? '', teams: form(req).teams ?? '' });
    }
    // The id is fixed at preview time, so a double-clicked confirm is still one notice.
    return sendHtml(reply, noticePreviewPage(langOf(req), session.csrf, { noticeId: `n-${now()}-${randomBytes(4).toString('hex')}`, ...draft }));
  });

  app.post('/admin/optout', async (req, reply) => {
    const session = await guard(req, reply);
    if (!session) return reply;
    const body = form(req);
    const team = (body.team ?? '').trim();
    const user = (body.user ?? '').trim();
    const stop = body.action === 'stop';
    const t = pageTexts(langOf(req));
    if (!SlackId.safeParse(team).success || (user !== '' && !SlackId.safeParse(user).success)) {
      log.info({ code: PagesErrorCodes.OPTOUT_INVALID }, 'opt-out form rejected');
      return showDashboard(req, reply, session, { kind: 'err', text: t('optoutInvalid') });
    }
    const current = await settings.get(team);
    const others = current.optedOutUsers.filter((u) => u !== user);
    await settings.update(team, user === '' ? { remindersOptOut: stop } : { optedOutUsers: stop ? [...others, user] : others });
    const target = user === '' ? team : `${team}/${user}`;
    log.info({ team, user: user || undefined, stop, by: session.user }, 'reminder opt-out changed');
    return showDashboard(req, reply, session, { kind: 'ok', text: t(stop ? 'optoutStopped' : 'optoutResumed', { target }) });
  });

  // Per-workspace apps: the same checks as `surfinger workspaces add` (workspace-registration.ts).
  app.post('/admin/workspaces', async (req, reply) => {
    const session = await guard(req, reply);
    if (!session) return reply;
    const body = form(req);
    const t = pageTexts(langOf(req));
    try {
      const done = await registerWorkspace(
        { team: (body.team ?? '').trim(), botToken: (body.botToken ?? '').trim(), appToken: (body.appToken ?? '').trim() },
        { tokens: deps.tokens, nc, subjects, slackApiUrl: deps.slackApiUrl, now },
      );
      log.info({ team: done.team, by: session.user }, 'workspace app registered');
      return showDashboard(req, reply, session, { kind: 'ok', text: t('wsAdded', { team: done.team, name: done.teamName, bot: done.botUserId }) });
    } catch (err) {
      const e = asSurfingerError(err);
      log.info({ code: e.code, by: session.user }, 'workspace app registration refused');
      return showDashboard(req, reply, session, { kind: 'err', text: t('wsFailed', { code: e.code, reason: e.message }) });
    }
  });

  app.post('/admin/workspaces/remove', async (req, reply) => {
    const session = await guard(req, reply);
    if (!session) return reply;
    const team = (form(req).team ?? '').trim();
    const t = pageTexts(langOf(req));
    if (!SlackId.safeParse(team).success) return showDashboard(req, reply, session, { kind: 'err', text: t('wsFailed', { code: RegistrationErrorCodes.TEAM_INVALID, reason: team.slice(0, 40) }) });
    await removeWorkspace(team, { tokens: deps.tokens, nc, subjects, now });
    log.info({ team, by: session.user }, 'workspace app removed');
    return showDashboard(req, reply, session, { kind: 'ok', text: t('wsRemoved', { team }) });
  });

  const minutes = (text: string | undefined, fallback: number) => Math.round((text === undefined || text === '' ? fallback : Number(text)) * 60_000);

  // The CLI's `tournament create`, as a form; the actor hosts validate it and answer with a code.
  app.post('/admin/tournament/create', async (req, reply) => {
    const session = await guard(req, reply);
    if (!session) return;
    const body = form(req);
    const t = pageTexts(langOf(req));
    try {
      const [created] = await askTournaments({
        op: 'create',
        spec: {
          id: body.id ?? '',
          name: body.name ?? '',
          lang: body.lang === 'en' ? 'en' : 'ko',
          channels: parseTournamentChannels(body.channels ?? ''),
          rounds: Number(body.rounds ?? 3),
          startsAt: now() + minutes(body.startsIn, 5),
          roundGapMs: minutes(body.gap, 5),
          collectMs: minutes(body.collect, 2),
          createdBy: session.user,
        },
      });
      log.info({ tournament: created?.id, by: session.user }, 'tournament created from the admin page');
      return showDashboard(req, reply, session, { kind: 'ok', text: t('tournamentCreated', { id: created?.id ?? '' }) });
    } catch (err) {
      const e = asSurfingerError(err);
      log.info({ code: e.code, reason: e.message }, 'tournament form refused');
      return showDashboard(req, reply, session, { kind: 'err', text: t('tournamentRefused', { reason: `${e.message} [${e.code}]` }) });
    }
  });

  app.post('/admin/tournament/cancel', async (req, reply) => {
    const session = await guard(req, reply);
    if (!session) return;
    const t = pageTexts(langOf(req));
    try {
      const [cancelled] = await askTournaments({ op: 'cancel', id: form(req).id ?? '', by: session.user });
      log.info({ tournament: cancelled?.id, by: session.user }, 'tournament cancelled from the admin page');
      return showDashboard(req, reply, session, { kind: 'ok', text: t('tournamentCancelled', { id: cancelled?.id ?? '' }) });
    } catch (err) {
      const e = asSurfingerError(err);
      return showDashboard(req, reply, session, { kind: 'err', text: t('tournamentRefused', { reason: `${e.message} [${e.code}]` }) });
    }
  });

  app.post('/admin/notice/edit', async (req, reply) => {
    const session = await guard(req, reply);
    if (!session) return reply;
    return showDashboard(req, reply, session, null, { text: form(req).text ?? '', teams: form(req).teams ?? '' });
  });

  app.post('/admin/notice/send', async (req, reply) => {
    const session = await guard(req, reply);
    if (!session) return reply;
    const draft = noticeDraft(req);
    const noticeId = form(req).noticeId ?? '';
    if (!draft || !/^n-\d+-[0-9a-f]{8}$/.test(noticeId)) {
      log.info({ code: PagesErrorCodes.NOTICE_INVALID }, 'notice confirmation rejected');
      return showDashboard(req, reply, session, { kind: 'err', text: pageTexts(langOf(req))('noticeInvalid') });
    }
    const notice: Notice = { type: MessageTypes.notice, noticeId, text: draft.text, teams: draft.teams, requestedBy: session.user, at: now() };
    nc.publish(subjects.notice(), codecs.notice.encode(notice));
    await nc.flush();
    log.info({ noticeId, teams: draft.teams.length }, 'admin notice published');
    return reply.redirect(`/admin?lang=${langOf(req)}&sent=${encodeURIComponent(noticeId)}`, 303);
  });
}
