import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMetricsRegistry, startOpsServer } from './metrics.ts';

test('ops server - liveness answers while readiness fails (an outage must not restart every pod)', async () => {
  let ready = false;
  const ops = await startOpsServer({ port: 0, registry: createMetricsRegistry('t'), healthy: () => ready });
  try {
    assert.equal((await fetch(`${ops.url}/healthz`)).status, 503);
    assert.equal((await fetch(`${ops.url}/readyz`)).status, 503);
    assert.equal((await fetch(`${ops.url}/livez`)).status, 200);
    ready = true;
    assert.equal((await fetch(`${ops.url}/healthz`)).status, 200);
  } finally {
    await ops.close();
  }
});
