import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { NatsConnection, Service } from 'nats';
import { Registry } from 'prom-client';
import { startInfra } from '../support/harness.ts';
import { createLogger } from '../../services/common/logger.ts';
import { codecs, MessageTypes, ServiceNames, type EgressRequest, type Subjects } from '../../protocol/index.ts';
import { openRankingReads } from '../../services/ranking/reads.ts';
import { RankingRecords } from '../../services/watchdog/records.ts';
import { start } from '../../services/watchdog/service.ts';
import { DEFAULT_CONFIG } from '../../services/watchdog/rules.ts';
import { DEFAULT_GATE } from '../../services/watchdog/gate.ts';

/**
 * The watchdog on real NATS and Redis: services registered through the real NATS service API, an
 * egress registered the same way that records what it is asked to post. Looks are driven by hand
 * so each step is deterministic.
 */

async function register(nc: NatsConnection, name: string, data: () => Record<string, unknown> = () => ({})): Promise<Service> {
  const service = await nc.services.add({ name, version: '0.1.0', statsHandler: () => Promise.resolve(data()) });
  // Stats data travels per endpoint, so a service needs one to report it.
  service.addEndpoint('probe', { subject: `${name}.probe.${service.info().id}`, handler: (_e, m) => m.respond() });
  // The server must have the subscriptions before the watchdog's next look asks (another connection).
  await nc.flush();
  return service;
}

async function egressRecorder(nc: NatsConnection, s: Subjects): Promise<{ posts: EgressRequest[]; service: Service; refuse: boolean }> {
  const posts: EgressRequest[] = [];
  const recorder = { posts, service: undefined as unknown as Service, refuse: false };
  const service = await nc.services.add({ name: ServiceNames.egress, version: '0.1.0' });
  service.addEndpoint('egress', {
    subject: s.allEgress(),
    queue: s.queues.egress,
    handler: (_e, m) => {
      const req = codecs.egressRequest.decode(m.data);
      if (recorder.refuse) {
        m.respond(codecs.egressReply.encode({ type: MessageTypes.egressReply, ok: false, code: 'SF_ERR_EGRESS_SLACK', error: 'channel_not_found' }));
        return;
      }
      // Egress drops a repeated idempotency key, as the real one does.
      if (!posts.some((p) => p.idempotencyKey === req.idempotencyKey)) posts.push(req);
      m.respond(codecs.egressReply.encode({ type: MessageTypes.egressReply, ok: true, ts: `${posts.length}.0` }));
    },
  });
  recorder.service = service;
  return recorder;
}

test('watchdog - posts a down service once to the ops channel, then its recovery; lease failures alert', async () => {
  const infra = await startInfra();
  const s = infra.subjects;
  const nc = await infra.natsClient('watchdog-under-test');
  const services = await infra.natsClient('services');
  const egress = await egressRecorder(services, s);
  let leaseFailures = 0;
  await register(services, ServiceNames.actorHost, () => ({ games: 2, running: 1, leaseRenewFailures: leaseFailures }));
  for (const name of [ServiceNames.ingress, ServiceNames.supervisor, ServiceNames.scheduler]) await register(services, name);
  let ranking = await register(services, ServiceNames.ranking);

  const redis = infra.redisClient();
  const store = openRankingReads(redis, s.prefix);
  const registry = new Registry();
  const watchdog = await start({
    nc,
    subjects: s,
    log: createLogger('watchdog', { level: 'silent' }),
    registry,
    records: new RankingRecords(store),
    monitorUrl: infra.nats.monitorUrl,
    ops: { team: 'T0OPS', channel: 'C0ALERTS' },
    rules: DEFAULT_CONFIG,
    gate: DEFAULT_GATE,
    // Looks are driven by the test.
    intervalMs: 3_600_000,
    metricsPort: 0,
    metricsHost: '127.0.0.1',
  });
  after(() => watchdog.stop());

  await watchdog.look();
  assert.equal(egress.posts.length, 0, 'a healthy cluster posts nothing');

  await ranking.stop();
  await services.flush();
  await watchdog.look();
  assert.equal(egress.posts.length, 0, 'one missed look is not an outage');
  await watchdog.look();
  await watchdog.look();
  assert.equal(egress.posts.length, 1, 'posted once, not on every look');
  const [down] = egress.posts;
  assert.equal(down?.team, 'T0OPS');
  assert.equal(down?.channel, 'C0ALERTS');
  assert.equal(down?.op, 'post');
  assert.match(down!.text, /critical.*surfinger-ranking is down/);

  ranking = await register(services, ServiceNames.ranking);
  await watchdog.look();
  assert.equal(egress.posts.length, 2);
  assert.match(egress.posts[1]!.text, /resolved: surfinger-ranking is down/);

  leaseFailures = 3;
  await watchdog.look();
  assert.equal(egress.posts.length, 3);
  assert.match(egress.posts[2]!.text, /3 lease renew failures on actor hosts/);

  const metrics = await registry.metrics();
  assert.match(metrics, /sf_alerts_total\{rule="service-down",severity="critical"\} 1/);
  assert.match(metrics, /sf_services_up\{service="surfinger-actor-host"\} 1/);
});

test('watchdog - an alert egress refuses is retried on the next look, not lost', async () => {
  const infra = await startInfra();
  const s = infra.subjects;
  const nc = await infra.natsClient('watchdog-under-test');
  const services = await infra.natsClient('services');
  for (const name of [ServiceNames.ingress, ServiceNames.actorHost, ServiceNames.supervisor, ServiceNames.scheduler]) await register(services, name);
  const ranking = await register(services, ServiceNames.ranking);
  // Egress answers but refuses (say, the bot was removed from the ops channel).
  const egress = await egressRecorder(services, s);
  egress.refuse = true;
  const registry = new Registry();
  const watchdog = await start({
    nc,
    subjects: s,
    log: createLogger('watchdog', { level: 'silent' }),
    registry,
    records: null,
    monitorUrl: null,
    ops: { team: 'T0OPS', channel: 'C0ALERTS' },
    rules: DEFAULT_CONFIG,
    gate: DEFAULT_GATE,
    intervalMs: 3_600_000,
    metricsPort: 0,
    metricsHost: '127.0.0.1',
  });
  after(() => watchdog.stop());

  await ranking.stop();
  await services.flush();
  await watchdog.look();
  await watchdog.look();
  assert.equal(egress.posts.length, 0);
  assert.match(await registry.metrics(), /sf_alert_post_failures_total [1-9]/);

  egress.refuse = false;
  const rankingDown = () => egress.posts.filter((p) => /surfinger-ranking is down/.test(p.text)).length;
  await watchdog.look();
  assert.equal(rankingDown(), 1, 'the held alert is posted once egress accepts it');
  await watchdog.look();
  assert.equal(rankingDown(), 1, 'and only once');
});
