import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startInfra } from './harness.ts';

test('harness - starts real nats with JetStream and real redis on free ports', async () => {
  const infra = await startInfra();
  const nc = await infra.natsClient();
  const jsm = await nc.jetstreamManager();
  const info = await jsm.getAccountInfo();
  assert.ok(info.limits, 'JetStream answers account info');
  const kv = await nc.jetstream().views.kv(`${infra.subjects.prefix}_probe`);
  await kv.put('k', new TextEncoder().encode('v'));
  assert.equal(new TextDecoder().decode((await kv.get('k'))?.value), 'v');
  const redis = infra.redisClient();
  assert.equal(await redis.ping(), 'PONG');
  const health = await fetch(`${infra.nats.monitorUrl}/healthz`);
  assert.equal(health.status, 200);
});

test('harness - stop removes the servers', async () => {
  const { startNatsServer } = await import('../../services/local/local-infra.ts');
  const nats = await startNatsServer();
  const pid = nats.pid;
  await nats.stop();
  assert.throws(() => process.kill(pid, 0), /ESRCH/);
});
