import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import Fastify from 'fastify';
import { codecs, type TeamActive } from '../../protocol/index.ts';
import { REPO_ROOT } from '../../services/local/cluster.ts';
import { createLogger } from '../../services/common/logger.ts';
import { parseTokenKeys, TokenStore } from '../../services/common/token-store.ts';
import { RegistrationErrorCodes, registerWorkspace } from '../../services/common/workspace-registration.ts';
import { registerPages } from '../../services/ingress/pages/index.ts';
import { testSandbox } from '../../services/sandbox/test-support.ts';
import { startInfra } from '../support/harness.ts';

/**
 * Issue 14, acceptance 2: per-workspace apps registered by the operator — CLI and admin form —
 * against the sandbox in workspace-apps mode (each team its own app and app-level token).
 */
const run = promisify(execFile);
const infra = await startInfra();
const sandbox = await testSandbox({ delivery: 'workspace-apps', generate: { teams: 2 } });
const [a, b] = sandbox.info.teams as [(typeof sandbox.info.teams)[0], (typeof sandbox.info.teams)[0]];
const tokenKeys = `reg:${randomBytes(32).toString('base64')}`;
const redis = infra.redisClient();
const tokens = new TokenStore(redis, parseTokenKeys(tokenKeys, true), infra.subjects.prefix);
const nc = await infra.natsClient();
const actives: TeamActive[] = [];
nc.subscribe(infra.subjects.allTeamActive(), { callback: (_err, m) => actives.push(codecs.teamActive.decode(m.data)) });
const deps = { tokens, nc, subjects: infra.subjects, slackApiUrl: sandbox.info.apiUrl };
const log = createLogger('registration-test', { level: 'silent' });

test('registration - valid tokens are checked with Slack, stored encrypted, and TeamActive opens the socket', async () => {
  const done = await registerWorkspace({ team: a.teamId, botToken: a.botToken, appToken: a.appToken }, deps);
  assert.deepEqual(done, { team: a.teamId, teamName: a.teamName, botUserId: a.botUserId, rotating: false });
  const stored = await tokens.get(a.teamId);
  assert.equal(stored?.botToken, a.botToken);
  assert.equal(stored?.appToken, a.appToken);
  const raw = JSON.stringify(await redis.hgetall(`${infra.subjects.prefix}:tokens`));
  assert.ok(!raw.includes(a.botToken) && !raw.includes(a.appToken) && !raw.includes('xapp-'), 'encrypted at rest');
  await nc.flush();
  assert.ok(actives.some((x) => x.team === a.teamId), 'TeamActive published');
});

test('registration - wrong team, bad bot token, non-xapp or refused app token: each refused with its code, nothing stored', async () => {
  const E = RegistrationErrorCodes;
  const cases: Array<[string, { team: string; botToken: string; appToken: string }, string]> = [
    ['bot token of another team', { team: a.teamId, botToken: b.botToken, appToken: a.appToken }, E.TEAM_MISMATCH],
    ['unknown bot token', { team: b.teamId, botToken: 'xoxb-1-not-a-real-token', appToken: b.appToken }, E.BOT_TOKEN],
    ['user token as bot token', { team: b.teamId, botToken: 'xoxp-123', appToken: b.appToken }, E.BOT_TOKEN],
    ['bot token as app token', { team: b.teamId, botToken: b.botToken, appToken: b.botToken }, E.APP_TOKEN],
    ['unknown app token', { team: b.teamId, botToken: b.botToken, appToken: 'xapp-1-A0NOPE-1-deadbeef' }, E.APP_TOKEN],
    ['not a team id', { team: 'general', botToken: b.botToken, appToken: b.appToken }, E.TEAM_INVALID],
  ];
  for (const [what, reg, code] of cases) {
    await assert.rejects(registerWorkspace(reg, deps), (err: { code?: string }) => err.code === code, what);
  }
  assert.equal(await tokens.get(b.teamId), null);
  await assert.rejects(registerWorkspace({ team: b.teamId, botToken: b.botToken, appToken: b.appToken }, { ...deps, slackApiUrl: 'http://127.0.0.1:9/api/' }), { code: E.UNREACHABLE });
});

function cli(args: string[], env: Record<string, string>, input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = run(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, SF_REDIS_URL: infra.redis.url, SF_NATS_URL: infra.nats.url, SF_PREFIX: infra.subjects.prefix, SF_TOKEN_KEYS: tokenKeys, SF_SLACK_API_URL: sandbox.info.apiUrl, ...env },
  });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  } else child.child.stdin?.end();
  return child.then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

test('workspaces CLI - add from env vars (success line), list without secrets, refusals with codes, remove', async () => {
  const added = await cli(['workspaces', 'add', '--team', b.teamId], { SF_REGISTER_BOT_TOKEN: b.botToken, SF_REGISTER_APP_TOKEN: b.appToken });
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, new RegExp(`^registered ${b.teamId} \\(${b.teamName}\\): bot ${b.botUserId}, token rotation off`));
  assert.equal((await tokens.get(b.teamId))?.appToken, b.appToken);

  const listed = await cli(['workspaces', 'list'], {});
  assert.equal(listed.code, 0, listed.stderr);
  const rows = listed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { team: string; hasAppToken: boolean });
  assert.deepEqual(rows.map((r) => r.team).sort(), [a.teamId, b.teamId].sort());
  assert.ok(!listed.stdout.includes('xox') && !listed.stdout.includes('xapp'));

  const wrongTeam = await cli(['workspaces', 'add', '--team', b.teamId, '--bot-token-env', 'OTHER_BOT'], { OTHER_BOT: a.botToken, SF_REGISTER_APP_TOKEN: b.appToken });
  assert.equal(wrongTeam.code, 1);
  assert.match(wrongTeam.stderr, /belongs to team .* \[SF_ERR_REGISTER_TEAM_MISMATCH\]/);
  const notXapp = await cli(['workspaces', 'add', '--team', b.teamId, '--stdin'], {}, `bot=${b.botToken}\napp=xoxb-not-an-app-token\n`);
  assert.equal(notXapp.code, 1);
  assert.match(notXapp.stderr, /\[SF_ERR_REGISTER_APP_TOKEN\]/);
  assert.ok(!notXapp.stderr.includes(b.botToken), 'no token in the error');
  const missing = await cli(['workspaces', 'add', '--team', b.teamId], {});
  assert.match(missing.stderr, /no bot token: set SF_REGISTER_BOT_TOKEN .*\[SF_ERR_REGISTER_BOT_TOKEN\]/);

  const help = await cli(['workspaces', 'add', '--help'], {});
  assert.match(help.stdout, /--bot-token-env <name>/);
  assert.match(help.stdout, /--stdin/);

  const removed = await cli(['workspaces', 'remove', '--team', b.teamId], {});
  assert.equal(removed.code, 0, removed.stderr);
  assert.match(removed.stdout, new RegExp(`^removed ${b.teamId}`));
  assert.equal(await tokens.get(b.teamId), null);
});

/** A cookie jar of one: enough for the admin sign-in flow. */
function jar() {
  const cookies = new Map<string, string>();
  return {
    header: () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    take(res: Response) {
      for (const line of res.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const at = pair!.indexOf('=');
        cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
      }
    },
  };
}

test('admin form - behind sign-in and CSRF: registers valid tokens, refuses bad ones with the code', async () => {
  const app = Fastify();
  const password = 'registration test password';
  await registerPages(app, { nc, subjects: infra.subjects, redis, log, admin: { user: 'admin', password }, installUrl: '/slack/install', tokens, slackApiUrl: sandbox.info.apiUrl, pageLinkSecret: 'x'.repeat(32) });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const c = jar();
    const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const post = async (path: string, fields: Record<string, string>) => {
      const res = await fetch(`${base}${path}`, { method: 'POST', redirect: 'manual', headers: { cookie: c.header(), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
      c.take(res);
      return { status: res.status, html: await res.text() };
    };
    // Not signed in: the form is refused and nothing is stored.
    const anonymous = await post('/admin/workspaces?lang=en', { team: b.teamId, botToken: b.botToken, appToken: b.appToken });
    assert.equal(anonymous.status, 401);
    assert.equal(await tokens.get(b.teamId), null);

    const login = await fetch(`${base}/admin?lang=en`);
    c.take(login);
    const signedIn = await post('/admin/login?lang=en', { _csrf: csrfOf(await login.text()), user: 'admin', password });
    assert.equal(signedIn.status, 303);
    const dash = await fetch(`${base}/admin?lang=en`, { headers: { cookie: c.header() } });
    const csrf = csrfOf(await dash.text());

    const noCsrf = await post('/admin/workspaces?lang=en', { team: b.teamId, botToken: b.botToken, appToken: b.appToken });
    assert.equal(noCsrf.status, 403);
    const bad = await post('/admin/workspaces?lang=en', { _csrf: csrf, team: b.teamId, botToken: b.botToken, appToken: 'not-an-app-token' });
    assert.equal(bad.status, 400);
    assert.match(bad.html, /SF_ERR_REGISTER_APP_TOKEN/);
    const mismatch = await post('/admin/workspaces?lang=en', { _csrf: csrf, team: b.teamId, botToken: a.botToken, appToken: b.appToken });
    assert.match(mismatch.html, /SF_ERR_REGISTER_TEAM_MISMATCH/);
    assert.equal(await tokens.get(b.teamId), null);

    const ok = await post('/admin/workspaces?lang=en', { _csrf: csrf, team: b.teamId, botToken: b.botToken, appToken: b.appToken });
    assert.equal(ok.status, 200);
    assert.match(ok.html, new RegExp(`Registered ${b.teamId}`));
    assert.ok(!ok.html.includes(b.botToken) && !ok.html.includes(b.appToken), 'the page never shows a token');
    assert.equal((await tokens.get(b.teamId))?.botToken, b.botToken);
    assert.match(ok.html, new RegExp(`<td class="mono">${b.teamId}</td>`), 'listed on the page');

    const removed = await post('/admin/workspaces/remove?lang=en', { _csrf: csrf, team: b.teamId });
    assert.match(removed.html, new RegExp(`Removed the tokens of ${b.teamId}`));
    assert.equal(await tokens.get(b.teamId), null);
  } finally {
    await app.close();
  }
});
