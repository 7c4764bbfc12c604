import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NatsConnection, Service } from 'nats';
import { startInfra } from '../support/harness.ts';
import { codecs, MessageTypes, ServiceNames, type Subjects } from '../../protocol/index.ts';
import type { ClusterSnapshot } from '../../services/watchdog/probe.ts';
import { runStatus } from './support.ts';

/**
 * `surfinger status` against a real nats-server, with small services registered through the real
 * NATS service API (not mocks: the same `$SRV` protocol the services speak). The full-cluster
 * acceptance case lives in status-cluster.test.ts.
 */
async function fakeHost(nc: NatsConnection, s: Subjects, hostId: string, games: number): Promise<{ service: Service; timer: NodeJS.Timeout }> {
  const service = await nc.services.add({ name: ServiceNames.actorHost, version: '0.1.0', metadata: { hostId }, statsHandler: () => Promise.resolve({ games, running: 1 }) });
  service.addEndpoint('activate', { subject: s.activate(), queue: s.queues.actorHosts, handler: () => undefined });
  const load = () => nc.publish(s.hostLoad(hostId), codecs.hostLoad.encode({ type: MessageTypes.hostLoad, hostId, games, running: 1, heapUsed: 50 * 1_048_576, draining: false, at: Date.now() }));
  load();
  // unref: a failing assertion must not leave the test process alive on this timer.
  return { service, timer: setInterval(load, 100).unref() };
}

async function fakeSupervisor(nc: NatsConnection, s: Subjects, supervisorId: string, openSockets: number): Promise<Service> {
  const service = await nc.services.add({ name: ServiceNames.supervisor, version: '0.1.0', metadata: { supervisorId }, statsHandler: () => Promise.resolve({ openSockets, reconnects: 0, teams: {} }) });
  service.addEndpoint('state', { subject: s.supervisorState(supervisorId), handler: () => undefined });
  return service;
}

test('status - reports hosts, supervisors, services, consumer lag and NATS health; a stopped host disappears', async () => {
  const infra = await startInfra({ redis: false });
  const s = infra.subjects;
  const nc = await infra.natsClient('fakes');
  const hosts = await Promise.all([fakeHost(nc, s, 'h1', 3), fakeHost(nc, s, 'h2', 5), fakeHost(nc, s, 'h3', 0)]);
  await Promise.all([fakeSupervisor(nc, s, 'sup1', 4), fakeSupervisor(nc, s, 'sup2', 2)]);
  const egress = await nc.services.add({ name: ServiceNames.egress, version: '0.1.0' });
  egress.addEndpoint('egress', { subject: s.allEgress(), handler: (_e, m) => m.respond() });

  // Results waiting for a consumer: the lag an operator must see.
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: s.streams.results, subjects: [s.allResults()] });
  await jsm.consumers.add(s.streams.results, { durable_name: 'ranking', ack_policy: 'explicit' as never });
  for (let i = 0; i < 7; i++) await nc.jetstream().publish(s.results('T1', 'C1'), new Uint8Array([i]));

  // A generous collection window: under a loaded CI machine replies can take longer than 500 ms.
  const args = ['--json', '--nats', infra.nats.url, '--monitor', infra.nats.monitorUrl, '--prefix', s.prefix, '--wait', '2000'];
  const first = await runStatus(args);
  assert.equal(first.code, 0, first.stderr);
  const snap = JSON.parse(first.stdout) as ClusterSnapshot;
  assert.deepEqual(snap.hosts.map((h) => [h.hostId, h.games, h.heapUsedBytes]).sort(), [
    ['h1', 3, 50 * 1_048_576],
    ['h2', 5, 50 * 1_048_576],
    ['h3', 0, 50 * 1_048_576],
  ]);
  assert.deepEqual(snap.supervisors.map((v) => [v.supervisorId, v.openSockets]).sort(), [
    ['sup1', 4],
    ['sup2', 2],
  ]);
  assert.equal(snap.services.filter((x) => x.name === ServiceNames.egress).length, 1);
  const ranking = snap.streams.find((x) => x.stream === s.streams.results)?.consumers.find((c) => c.consumer === 'ranking');
  assert.equal(ranking?.pending, 7);
  assert.equal(snap.monitor?.healthy, true);
  assert.ok((snap.monitor?.connections ?? 0) >= 1);
  assert.equal(snap.monitor?.connectionsByName?.fakes, 1);
  assert.ok((snap.monitor?.jetstream?.streams ?? 0) >= 1);

  // Stopping a host is visible on the next look (well within 5 s).
  const stoppedAt = Date.now();
  clearInterval(hosts[1]!.timer);
  await hosts[1]!.service.stop();
  const second = await runStatus(args);
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual((JSON.parse(second.stdout) as ClusterSnapshot).hosts.map((h) => h.hostId).sort(), ['h1', 'h3']);
  assert.ok(Date.now() - stoppedAt < 5_000);

  // The human screen shows the same facts.
  const human = await runStatus(args.slice(1));
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /Actor hosts \(2\)/);
  assert.match(human.stdout, /Connection supervisors \(2\)/);
  assert.match(human.stdout, /ranking +pending 7/);
  assert.match(human.stdout, new RegExp(`${s.streams.results} +R1 +7 messages`));
  assert.match(human.stdout, /NATS +healthy/);
  for (const h of hosts) clearInterval(h.timer);
});

test('status - an unreachable NATS server or monitor is a clear error with exit code 1', async () => {
  const infra = await startInfra({ redis: false });
  const noNats = await runStatus(['--nats', 'nats://127.0.0.1:1', '--no-monitor']);
  assert.equal(noNats.code, 1);
  assert.match(noNats.stderr, /cannot connect to NATS at nats:\/\/127\.0\.0\.1:1.*\[SF_ERR_STATUS_NATS_UNREACHABLE\]/);

  const noMonitor = await runStatus(['--json', '--nats', infra.nats.url, '--monitor', 'http://127.0.0.1:1', '--prefix', infra.subjects.prefix]);
  assert.equal(noMonitor.code, 1);
  assert.match(noMonitor.stderr, /NATS monitoring at http:\/\/127\.0\.0\.1:1 unreachable.*\[SF_ERR_STATUS_MONITOR_UNREACHABLE\]/);
  // What could be seen is still printed for machines.
  assert.equal((JSON.parse(noMonitor.stdout) as ClusterSnapshot).monitor, null);
});
