import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { startInfra } from '../../test/support/harness.ts';
import { createLogger } from './logger.ts';
import type { SurfingerError } from '../../protocol/errors.ts';
import { testSandbox } from '../sandbox/test-support.ts';
import { slackTokenRefresher } from './token-refresher.ts';
import { parseTokenKeys, rotationFields, TokenStore, TokenStoreErrorCodes, type TokenRefresher } from './token-store.ts';

const infra = await startInfra({ nats: false });
const key = () => randomBytes(32).toString('base64');
const creds = (n: number) => ({
  teamName: `Team ${n}`,
  botToken: `xoxb-secret-bot-${n}-${randomBytes(6).toString('hex')}`,
  botUserId: `UBOT${n}`,
  appToken: `xapp-secret-app-${n}-${randomBytes(6).toString('hex')}`,
  installedAt: 1_700_000_000_000 + n,
});

test('token store - round-trips credentials and lists them without secrets', async () => {
  const store = new TokenStore(infra.redisClient(), parseTokenKeys(`k1:${key()}`, true), 'ts1');
  const a = creds(1);
  await store.put('T1', a);
  assert.deepEqual(await store.get('T1'), a);
  assert.equal(await store.get('T404'), null);
  const listed = await store.list();
  assert.deepEqual(listed, [{ team: 'T1', teamName: 'Team 1', botUserId: 'UBOT1', hasAppToken: true, installedAt: a.installedAt, kid: 'k1' }]);
  assert.ok(!JSON.stringify(listed).includes('xox'));
  assert.equal(await store.delete('T1'), true);
  assert.equal(await store.get('T1'), null);
});

test('token store - bytes at rest are not plaintext and are bound to their team', async () => {
  const redis = infra.redisClient();
  const store = new TokenStore(redis, parseTokenKeys(`k1:${key()}`, true), 'ts2');
  const a = creds(2);
  await store.put('T2', a);
  await store.put('T3', creds(3));
  const raw = await redis.hgetall('ts2:tokens');
  const dump = JSON.stringify(raw);
  for (const secret of [a.botToken, a.appToken, 'xoxb', 'xapp', 'Team 2']) assert.ok(!dump.includes(secret), `plaintext ${secret} at rest`);
  assert.match(raw.T2!, /^k1\./);
  // A record copied onto another team fails authentication instead of leaking the wrong token.
  await redis.hset('ts2:tokens', 'T3', raw.T2!);
  await assert.rejects(store.get('T3'), { code: TokenStoreErrorCodes.DECRYPT });
});

test('token store - rotate re-encrypts every record under the current key', async () => {
  const redis = infra.redisClient();
  const oldKey = `old:${key()}`;
  const before = new TokenStore(redis, parseTokenKeys(oldKey, true), 'ts3');
  const all = [creds(4), creds(5), creds(6)];
  for (const [i, c] of all.entries()) await before.put(`T${i}`, c);
  const newKey = `new:${key()}`;
  const after = new TokenStore(redis, parseTokenKeys(`${newKey},${oldKey}`, true), 'ts3');
  assert.deepEqual(await after.rotate(), { rotated: 3, total: 3 });
  assert.deepEqual((await after.list()).map((s) => s.kid), ['new', 'new', 'new']);
  assert.deepEqual(await after.rotate(), { rotated: 0, total: 3 });
  // The old key can now be retired: a store with only the new key reads everything.
  const onlyNew = new TokenStore(redis, parseTokenKeys(newKey, true), 'ts3');
  assert.deepEqual(await onlyNew.get('T1'), all[1]);
  await assert.rejects(before.get('T1'), { code: TokenStoreErrorCodes.DECRYPT });
});

test('token store - keys: production requires them, bad specs are refused', () => {
  assert.throws(() => parseTokenKeys(undefined, true), { code: TokenStoreErrorCodes.KEYS });
  assert.equal(parseTokenKeys(undefined, false)[0]!.kid, 'dev');
  assert.throws(() => parseTokenKeys('k1:c2hvcnQ=', false), { code: TokenStoreErrorCodes.KEYS });
  assert.throws(() => parseTokenKeys(`k1:${key()},k1:${key()}`, false), { code: TokenStoreErrorCodes.KEYS });
  assert.throws(() => parseTokenKeys(`bad kid:${key()}`, false), { code: TokenStoreErrorCodes.KEYS });
});

test('token store - tokens never reach log lines, even when credentials are logged whole', async () => {
  let out = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      out += String(chunk);
      done();
    },
  });
  const log = createLogger('test', { destination: sink });
  const store = new TokenStore(infra.redisClient(), parseTokenKeys(`k1:${key()}`, true), 'ts4');
  const a = creds(7);
  await store.put('T7', a);
  const got = await store.get('T7');
  log.info(got, 'credentials');
  log.info({ creds: got, team: 'T7' }, 'nested');
  log.info({ list: await store.list() }, 'listed');
  await new Promise((r) => setImmediate(r));
  assert.ok(out.includes('Team 7'), 'log captured');
  assert.ok(!out.includes(a.botToken) && !out.includes(a.appToken), out);
});

// ---- token rotation against the sandbox (Slack's rules: a refresh token is spent once) ----------

const sandbox = await testSandbox({ tokenRotation: true, tokenLifetimeSeconds: 60 });
const app = sandbox.info.app;
const slack = slackTokenRefresher({ app: { clientId: app.clientId, clientSecret: app.clientSecret }, slackApiUrl: sandbox.info.apiUrl });

/** The refresher for the sandbox, counting how often a refresh token is actually spent. */
function counting(): { refresher: TokenRefresher; spent: () => number } {
  let spent = 0;
  return {
    refresher: {
      refresh: (token, client) => {
        spent += 1;
        return slack.refresh(token, client);
      },
    },
    spent: () => spent,
  };
}

/** The store that holds the team's live refresh token (each test's store spends it in turn). */
let holder: TokenStore | null = null;

async function seedRotating(store: TokenStore, team: string): Promise<{ botToken: string; refreshToken: string }> {
  const t = sandbox.info.teams.find((x) => x.teamId === team)!;
  // A fresh pair for this test, from the refresh token the previous test left live.
  const pair = await slack.refresh((await holder?.get(team))?.refreshToken ?? t.refreshToken!);
  holder = store;
  await store.put(team, { teamName: t.teamName, botUserId: t.botUserId, installedAt: 1, ...rotationFields(pair, Date.now()) });
  return { botToken: pair.accessToken, refreshToken: pair.refreshToken };
}

const authTest = (token: string) => fetch(`${sandbox.info.apiUrl}auth.test`, { method: 'POST', headers: { authorization: `Bearer ${token}` } }).then((r) => r.json() as Promise<{ ok: boolean; error?: string }>);
const team0 = sandbox.info.teams[0]!.teamId;

test('token rotation - a due token is refreshed before use; the new one works and the spent refresh token does not', async () => {
  const counter = counting();
  let skew = 0;
  const shared = new TokenStore(infra.redisClient(), parseTokenKeys(`k1:${key()}`, true), 'rot1', { refresher: counter.refresher, now: () => Date.now() + skew });
  const before = await seedRotating(shared, team0);
  assert.equal((await shared.freshBotToken(team0))?.token, before.botToken, 'not due yet: the same token');
  assert.equal(counter.spent(), 0);
  skew = 59_000; // past refreshAt (a quarter of the 60 s lifetime before expiry)
  const after = await shared.freshBotToken(team0);
  assert.ok(after && after.token !== before.botToken && after.token.startsWith('xoxe.xoxb-'));
  assert.equal(counter.spent(), 1);
  assert.equal((await authTest(after.token)).ok, true);
  const stored = await shared.get(team0);
  assert.notEqual(stored?.refreshToken, before.refreshToken);
  assert.ok(stored!.tokenExpiresAt! > Date.now() + 50_000);
  await assert.rejects(slack.refresh(before.refreshToken), (err: SurfingerError) => err.code === TokenStoreErrorCodes.REFRESH && /invalid_refresh_token/.test(err.message));
  // Nothing secret in the summary, but the expiry is shown.
  const [summary] = await shared.list();
  assert.equal(summary?.tokenExpiresAt, stored?.tokenExpiresAt);
  assert.ok(!JSON.stringify(summary).includes('xoxe'));
});

test('token rotation - two replicas due at once spend the refresh token exactly once and agree on the new token', async () => {
  const counter = counting();
  const skewed = () => Date.now() + 59_000;
  const keys = parseTokenKeys(`k1:${key()}`, true);
  const a = new TokenStore(infra.redisClient(), keys, 'rot2', { refresher: counter.refresher, now: skewed });
  const b = new TokenStore(infra.redisClient(), keys, 'rot2', { refresher: counter.refresher, now: skewed });
  const before = await seedRotating(a, team0);
  const got = await Promise.all([...Array.from({ length: 5 }, () => a.freshBotToken(team0)), ...Array.from({ length: 5 }, () => b.freshBotToken(team0))]);
  const tokens = new Set(got.map((g) => g?.token));
  assert.equal(tokens.size, 1, 'every caller on both replicas got the same new token');
  assert.ok(!tokens.has(before.botToken));
  assert.equal(counter.spent(), 1, 'one refresh for the whole cluster (a second spend would be invalid_refresh_token)');
  assert.equal((await authTest([...tokens][0]!)).ok, true);
});

test('token rotation - refresh after token_expired renews once; a refresh for an already replaced token spends nothing', async () => {
  const counter = counting();
  const keys = parseTokenKeys(`k1:${key()}`, true);
  const a = new TokenStore(infra.redisClient(), keys, 'rot3', { refresher: counter.refresher });
  const b = new TokenStore(infra.redisClient(), keys, 'rot3', { refresher: counter.refresher });
  const before = await seedRotating(a, team0);
  const renewed = await a.refresh(team0, before.botToken);
  assert.notEqual(renewed?.botToken, before.botToken);
  // Replica b still held the old token when Slack said token_expired: it gets a's token, nothing is spent.
  assert.equal((await b.refresh(team0, before.botToken))?.botToken, renewed?.botToken);
  assert.equal(counter.spent(), 1);
  assert.equal(await a.refresh('T0NOBODY1', 'xoxe.xoxb-x'), null);
});

test('token store - tokens_revoked is handled per token: user tokens keep the bot, the bot token removes the team', async () => {
  const store = new TokenStore(infra.redisClient(), parseTokenKeys(`k1:${key()}`, true), 'rev1');
  await store.put('T8', creds(8));
  assert.deepEqual(await store.revoke('T8', { oauth: ['U0ALICE001'], bot: [] }), { botRevoked: false, removed: false });
  assert.deepEqual(await store.revoke('T8', { oauth: ['U0ALICE001'] }), { botRevoked: false, removed: false });
  assert.deepEqual(await store.revoke('T8', { bot: ['UANOTHERBOT'] }), { botRevoked: false, removed: false }, 'another bot user id is not ours');
  assert.deepEqual(await store.revoke('T8', 'not an object'), { botRevoked: false, removed: false });
  assert.ok(await store.get('T8'), 'still installed');
  assert.deepEqual(await store.revoke('T8', { oauth: [], bot: ['UBOT8'] }), { botRevoked: true, removed: true });
  assert.equal(await store.get('T8'), null);
  // A redelivered event: still "revoked", nothing left to remove.
  assert.deepEqual(await store.revoke('T8', { oauth: [], bot: ['UBOT8'] }), { botRevoked: true, removed: false });
});
