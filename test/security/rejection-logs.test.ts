import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startInfra } from '../support/harness.ts';
import { createLogger } from '../../services/common/logger.ts';
import { createMetricsRegistry } from '../../services/common/metrics.ts';
import { addEndpoint } from '../../services/common/nats.ts';
import { rejections } from '../../services/common/rejections.ts';
import { codecs } from '../../protocol/index.ts';

/**
 * Issue 15 item 8: a flood of malformed NATS messages costs a bounded number of log lines, and a
 * counter still sees every one of them.
 */
test('rejection logs - 5,000 malformed messages to a real endpoint: bounded log lines, counter = 5,000', { timeout: 60_000 }, async () => {
  const infra = await startInfra({ redis: false });
  const nc = await infra.natsClient();
  let lines = 0;
  let bytes = 0;
  const log = createLogger('test', { destination: { write: (s: string) => { lines++; bytes += s.length; } } });
  const registry = createMetricsRegistry('test');
  const service = await nc.services.add({ name: 'rejection-test', version: '0.0.1' });
  const subject = infra.subjects.egress('game', 'T1', 'C1');
  addEndpoint(service, 'flood', { subject, input: codecs.egressRequest, output: codecs.egressReply, log, handle: () => ({ ok: true }) });
  await nc.flush();
  const before = await counted(registry);
  const garbage = new Uint8Array([0xc1, 0xff, 0x00, 0x13]);
  for (let i = 0; i < 5_000; i++) nc.publish(subject, garbage);
  await nc.flush();
  const deadline = Date.now() + 20_000;
  while ((await counted(registry)) - before < 5_000 && Date.now() < deadline) await sleep(50);
  assert.equal((await counted(registry)) - before, 5_000);
  rejections.flush(true);
  assert.ok(lines <= 10, `expected a handful of log lines, got ${lines} (${bytes} bytes)`);
  assert.ok(lines >= 2, 'the first rejections and one summary are still logged');
  await service.stop();
});

async function counted(registry: ReturnType<typeof createMetricsRegistry>): Promise<number> {
  const metric = await registry.getSingleMetric('sf_rejected_messages_total')?.get();
  return (metric?.values ?? []).reduce((sum, v) => sum + v.value, 0);
}
