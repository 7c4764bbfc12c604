import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSentinelUrl } from './redis.ts';
import { CommonEnv, parseEnv, redisUrl, withCredentials } from './config.ts';

test('redis url - a sentinel url names every sentinel and the master', () => {
  assert.deepEqual(parseSentinelUrl('redis-sentinel://10.0.0.1:26379,sentinel-b:26380/mymaster'), {
    sentinels: [
      { host: '10.0.0.1', port: 26379 },
      { host: 'sentinel-b', port: 26380 },
    ],
    name: 'mymaster',
  });
});

test('redis url - password, default sentinel port and db are understood', () => {
  assert.deepEqual(parseSentinelUrl('redis-sentinel://:s3cr%40t@s1,s2:1/m/2'), { sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 1 }], name: 'm', password: 's3cr@t', db: 2 });
});

test('redis url - a sentinel url without a master name is a config error', () => {
  assert.throws(() => parseSentinelUrl('redis-sentinel://s1:26379'), { code: 'SF_ERR_CONFIG' });
  assert.throws(() => parseSentinelUrl('redis-sentinel://s1:99999/m'), { code: 'SF_ERR_CONFIG' });
});

test('redis url - SF_REDIS_USER and SF_REDIS_PASS become the connection username and password', () => {
  const env = parseEnv(CommonEnv, { SF_REDIS_URL: 'redis-sentinel://redis-0.redis:26379,redis-1.redis:26379/surfinger', SF_REDIS_USER: 'egress', SF_REDIS_PASS: 'p@ss:w/rd' });
  assert.deepEqual(parseSentinelUrl(redisUrl(env)), {
    sentinels: [
      { host: 'redis-0.redis', port: 26379 },
      { host: 'redis-1.redis', port: 26379 },
    ],
    name: 'surfinger',
    username: 'egress',
    password: 'p@ss:w/rd',
  });
  const single = new URL(withCredentials('redis://127.0.0.1:6379/2', 'ranking', 'secret'));
  assert.deepEqual([single.username, single.password, single.host, single.pathname], ['ranking', 'secret', '127.0.0.1:6379', '/2']);
});

test('redis url - a password already in the url keeps working, and no password leaves the url alone', () => {
  assert.equal(withCredentials('redis://admin:inurl@h:6379', 'egress', 'fromenv'), 'redis://admin:inurl@h:6379');
  assert.equal(redisUrl(parseEnv(CommonEnv, { SF_REDIS_URL: 'redis://h:6379', SF_REDIS_USER: 'egress' })), 'redis://h:6379');
  assert.throws(() => withCredentials('http://h', 'u', 'p'), { code: 'SF_ERR_CONFIG' });
});
