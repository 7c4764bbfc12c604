import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { startInfra } from '../../test/support/harness.ts';
import { createLogger } from './logger.ts';
import { parseTokenKeys, TokenStore, TokenStoreErrorCodes } from './token-store.ts';

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
