import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, type IngressOptions } from '../../services/ingress/service.ts';
import { AdminSessions, MAX_ACCOUNT_FAILURES, MAX_LOGIN_FAILURES, MAX_TRACKED_ADDRESSES } from '../../services/ingress/pages/session.ts';
import { startInfra } from '../support/harness.ts';
import { quiet, startSlack } from './edge-kit.ts';

/**
 * Issue 15 items 2 and 6: the admin sign-in lockout holds against a varied X-Forwarded-For (per
 * address and per account) with a bounded number of Redis keys; every response carries the
 * security headers; /metrics is served on the ops port only.
 */
const infra = await startInfra();
const { sandbox, tokenKeys } = await startSlack(infra);
const redis = infra.redisClient();
const PASSWORD = 'correct horse battery staple';

async function ingress(prefix: string, extra: Partial<IngressOptions> = {}) {
  const running = await start({
    log: quiet,
    natsUrl: infra.nats.url,
    redisUrl: infra.redis.url,
    prefix,
    host: '127.0.0.1',
    port: 0,
    signingSecrets: [sandbox.info.teams[0]!.signingSecret],
    tokenKeys,
    production: true,
    pageLinkSecret: 'test-page-link-secret-0123456789abcdef',
    oauth: { clientId: 'cid', clientSecret: 'csecret', authorizeBase: sandbox.url, publicUrl: 'http://127.0.0.1', scopes: 'commands', slackApiUrl: sandbox.info.apiUrl },
    rateLimits: { userPerMinute: 100, teamPerMinute: 10_000 },
    bodyLimit: 65_536,
    admin: { user: 'admin', password: PASSWORD },
    ...extra,
  });
  after(() => running.stop());
  return { base: String(running.info!.url), metricsUrl: String(running.info!.metricsUrl) };
}

/** One sign-in attempt as a browser makes it: fetch the form (CSRF cookie), post it back. */
async function login(base: string, user: string, password: string, forwardedFor: string): Promise<number> {
  const form = await fetch(`${base}/admin`, { headers: { 'x-forwarded-for': forwardedFor } });
  const csrf = /sf_login_csrf=([^;]+)/.exec(form.headers.get('set-cookie') ?? '')?.[1] ?? '';
  await form.text();
  const res = await fetch(`${base}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `sf_login_csrf=${csrf}`, 'x-forwarded-for': forwardedFor },
    body: new URLSearchParams({ _csrf: decodeURIComponent(csrf), user, password }).toString(),
  });
  await res.text();
  return res.status;
}

async function lockoutKeys(prefix: string): Promise<string[]> {
  return redis.keys(`${prefix}:admin:fail:*`);
}

const fakeAddress = (i: number) => `203.0.${Math.floor(i / 250)}.${(i % 250) + 1}`;

test('lockout - a varied X-Forwarded-For does not reset the count when no proxy is trusted (per address)', async () => {
  const prefix = `${infra.subjects.prefix}a`;
  const { base } = await ingress(prefix);
  const statuses: number[] = [];
  for (let i = 0; i < MAX_LOGIN_FAILURES + 3; i++) statuses.push(await login(base, 'admin', `guess-${i}`, fakeAddress(i)));
  assert.deepEqual(statuses.slice(0, MAX_LOGIN_FAILURES), Array(MAX_LOGIN_FAILURES).fill(401));
  assert.deepEqual(statuses.slice(MAX_LOGIN_FAILURES), [429, 429, 429]);
  // Even the right password is refused while locked.
  assert.equal(await login(base, 'admin', PASSWORD, fakeAddress(99)), 429);
  assert.ok((await lockoutKeys(prefix)).length <= 2, `keys: ${(await lockoutKeys(prefix)).join(', ')}`);
});

test('lockout - behind a trusted proxy, many client addresses still lock the account; keys stay constant', async () => {
  const prefix = `${infra.subjects.prefix}b`;
  const { base } = await ingress(prefix, { trustProxy: 1 });
  const statuses: number[] = [];
  for (let i = 0; i < MAX_ACCOUNT_FAILURES + 2; i++) statuses.push(await login(base, 'admin', `guess-${i}`, fakeAddress(i)));
  assert.ok(statuses.slice(0, MAX_ACCOUNT_FAILURES).every((s) => s === 401), statuses.join(','));
  assert.deepEqual(statuses.slice(MAX_ACCOUNT_FAILURES), [429, 429]);
  // Made-up user names share one counter: no key per name.
  for (let i = 0; i < 30; i++) await login(base, `user-${i}`, 'x', fakeAddress(100 + i));
  const keys = await lockoutKeys(prefix);
  assert.ok(keys.length <= 3, `keys: ${keys.join(', ')}`);
  // The proxy-named address is what is counted: one field per failed attempt's address, until
  // each account bucket locked (the made-up names' bucket too, after its own 20 failures).
  assert.equal(await redis.hlen(`${prefix}:admin:fail:addr`), MAX_ACCOUNT_FAILURES * 2);
});

test('lockout - the per-address hash stops growing at its cap', async () => {
  const prefix = `${infra.subjects.prefix}c`;
  const sessions = new AdminSessions(redis, prefix, 'admin');
  const pipeline = Array.from({ length: MAX_TRACKED_ADDRESSES + 500 }, (_, i) => sessions.recordFailure(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, 'someone'));
  await Promise.all(pipeline);
  assert.equal(await redis.hlen(`${prefix}:admin:fail:addr`), MAX_TRACKED_ADDRESSES);
  assert.equal((await lockoutKeys(prefix)).length, 2);
});

test('headers - security headers on 404, /healthz, OAuth pages, errors and Slack routes; /metrics only on the ops port', async () => {
  const prefix = `${infra.subjects.prefix}d`;
  const { base, metricsUrl } = await ingress(prefix);
  const responses = {
    notFound: await fetch(`${base}/no/such/page`),
    healthz: await fetch(`${base}/healthz`),
    install: await fetch(`${base}/slack/install`, { redirect: 'manual' }),
    oauthBadState: await fetch(`${base}/slack/oauth_redirect?code=x&state=forged`),
    unsigned: await fetch(`${base}/slack/commands`, { method: 'POST', body: 'x=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
    badJson: await fetch(`${base}/admin/login`, { method: 'POST', body: '{', headers: { 'content-type': 'application/json' } }),
    landing: await fetch(`${base}/`),
    metricsOnPublicPort: await fetch(`${base}/metrics`),
  };
  for (const [name, res] of Object.entries(responses)) {
    await res.arrayBuffer();
    assert.equal(res.headers.get('x-frame-options'), 'DENY', `${name} (${res.status}) x-frame-options`);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', `${name} nosniff`);
    assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, `${name} CSP`);
  }
  assert.equal(responses.notFound.status, 404);
  assert.equal(responses.healthz.status, 200);
  assert.equal(responses.oauthBadState.status, 400);
  assert.equal(responses.metricsOnPublicPort.status, 404, '/metrics is not on the public port');
  const metrics = await fetch(`${metricsUrl}/metrics`);
  assert.equal(metrics.status, 200);
  assert.match(await metrics.text(), /sf_rejected_messages_total|process_cpu/);
  assert.notEqual(new URL(metricsUrl).port, new URL(base).port);
});
