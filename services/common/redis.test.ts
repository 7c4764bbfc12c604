import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSentinelUrl } from './redis.ts';

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
