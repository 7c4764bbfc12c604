import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { startRedisServer, type RedisServer } from '../../services/local/local-infra.ts';
import { passwordHash, redisUrlFor, redisUsers, renderAcl } from '../../deploy/redis/acl.ts';

/**
 * Issue 15 item 4: the per-service Redis ACL users on a real redis-server. Each user can do what
 * its service does (the commands the code sends, on the keys it builds) and is refused the rest.
 */
const users = redisUsers('sf');
const passwords = new Map([...users.map((u) => u.user), 'admin'].map((u) => [u, randomBytes(12).toString('hex')]));
let redis: RedisServer;
const open: Redis[] = [];

before(async () => {
  redis = await startRedisServer({ acl: renderAcl(users, (u) => passwordHash(passwords.get(u)!)) });
});
after(async () => {
  for (const c of open) c.disconnect();
  await redis?.stop();
});

async function as(user: string): Promise<Redis> {
  const client = new Redis(redisUrlFor(redis.url, user, passwords.get(user)!), { maxRetriesPerRequest: 0, retryStrategy: () => null, connectionName: `test-${user}` });
  open.push(client);
  await client.ping();
  return client;
}

async function noperm(work: Promise<unknown>, what: string): Promise<void> {
  await assert.rejects(work, /NOPERM/, what);
}

test('redis acl - an anonymous client and a wrong password are refused', async () => {
  // A bare RESP command, as any local process could send it without a client library.
  const reply = await new Promise<string>((resolve, reject) => {
    const socket = connect(redis.port, '127.0.0.1', () => socket.write('HGETALL sf:tokens\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString());
    });
    socket.once('error', reject);
  });
  assert.match(reply, /^-NOAUTH/);
  const wrong = new Redis(redisUrlFor(redis.url, 'ingress', 'nope'), { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
  open.push(wrong);
  const refusal = new Promise<Error>((resolve) => wrong.once('error', resolve));
  await assert.rejects(wrong.connect());
  assert.match((await refusal).message, /WRONGPASS/);
});

test('redis acl - ingress: its caches, limits, sessions and token installs; rankings read-only; nothing else', async () => {
  const r = await as('ingress');
  assert.equal(await r.set('sf:seen-sig:abc', '1', 'EX', 300, 'NX'), 'OK');
  await r.multi().incr('sf:rl:u:T1:U1:1').pexpire('sf:rl:u:T1:U1:1', 60_000).exec();
  await r.hset('sf:tokens', 'T1', 'sealed');
  await r.eval("redis.call('HINCRBY', KEYS[1], ARGV[1], 1) return 1", 1, 'sf:admin:fail:addr', '203.0.113.1');
  assert.equal(await r.get('sf:rk:gen'), null);
  assert.equal(await r.set('sf:bot-member:T1:C1', '1', 'EX', 60), 'OK');
  assert.equal(await r.set('sf:tokens:refresh-lock:T1', 'h', 'PX', 1000, 'NX'), 'OK');
  await noperm(r.get('sf:seen-envelope:e1'), 'ingress reads the supervisor envelope dedupe');
  await noperm(r.set('sf:egress:idem:x', '1'), 'ingress writes egress idempotency keys');
  await noperm(r.eval("return redis.call('SET', KEYS[1], '1')", 1, 'sf:egress:pace:ch:T1:C1'), 'a script touches a key the user lacks');
  await noperm(r.flushall(), 'FLUSHALL');
  await noperm(r.keys('*'), 'KEYS');
  await noperm(r.config('GET', 'dir'), 'CONFIG');
});

test('redis acl - egress: tokens and their refresh, pacing buckets, idempotency keys; no sessions, limits or rankings', async () => {
  const r = await as('egress');
  assert.equal(await r.hget('sf:tokens', 'T1'), 'sealed');
  // A rotating token due for refresh is refreshed (and stored) by egress before use.
  assert.equal(await r.set('sf:tokens:refresh-lock:T1', 'e', 'PX', 1000, 'NX'), null, 'the lock ingress took holds');
  await r.hset('sf:tokens', 'T1', 'sealed');
  assert.equal(await r.set('sf:egress:idem:k1', 'pending', 'EX', 60, 'NX'), 'OK');
  // The pacing scripts' shape: the server clock, then the bucket hash.
  await r.eval("local t = redis.call('TIME') return redis.call('HSET', KEYS[1], 'at', t[1])", 1, 'sf:egress:pace:ch:T1:C1');
  await noperm(r.get('sf:admin:session:x'), 'egress reads admin sessions');
  await noperm(r.incr('sf:rl:u:T1:U1:1'), 'egress writes ingress rate limits');
  await noperm(r.get('sf:rk:gen'), 'egress reads rankings');
  assert.equal(await r.info('server').then((x) => x.includes('redis_version')), true, 'INFO (ioredis ready check) is allowed');
});

test('redis acl - supervisor, ranking, scheduler and watchdog each on their own keys', async () => {
  const sup = await as('connection-supervisor');
  assert.equal(await sup.set('sf:seen-envelope:e1', '1', 'EX', 60, 'NX'), 'OK');
  assert.equal(await sup.get('sf:bot-member:T1:C1'), '1');
  assert.equal(await sup.hget('sf:tokens', 'T1'), 'sealed');
  await noperm(sup.get('sf:admin:session:x'), 'supervisor reads admin sessions');
  await noperm(sup.set('sf:egress:idem:k2', '1'), 'supervisor writes egress keys');
  await noperm(sup.get('sf:rk:gen'), 'supervisor reads rankings');

  const ranking = await as('ranking');
  await ranking.eval("redis.call('HSET', KEYS[1], 'games', 1) return redis.call('SET', KEYS[2], '1')", 2, 'sf:rk:1:totals', 'sf:rk:gen');
  const [, found] = await ranking.scan('0', 'MATCH', 'sf:rk:1:*', 'COUNT', 100);
  assert.ok(found.includes('sf:rk:1:totals'));
  await noperm(ranking.hget('sf:tokens', 'T1'), 'ranking reads tokens');

  const scheduler = await as('scheduler');
  await scheduler.multi().lpush('sf:sched:history', '{}').ltrim('sf:sched:history', 0, 99).exec();
  assert.equal(await scheduler.get('sf:rk:gen'), '1');
  await noperm(scheduler.get('sf:egress:idem:k1'), 'scheduler reads egress keys');
  assert.deepEqual(await scheduler.hkeys('sf:tokens'), ['T1']);
  await noperm(scheduler.hset('sf:tokens', 'T2', 'forged'), 'scheduler writes tokens');

  const watchdog = await as('watchdog');
  assert.equal(await watchdog.hget('sf:rk:1:totals', 'games'), '1');
  await noperm(watchdog.get('sf:sched:history'), 'watchdog reads scheduler keys');
  await noperm(watchdog.hget('sf:tokens', 'T1'), 'watchdog reads tokens');
});
