import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'nats';
import { startCluster, type Cluster, type ProcessHandle } from '../../services/local/cluster.ts';
import { request } from '../../services/common/nats.ts';
import { codecs, createSubjects, MessageTypes } from '../../protocol/index.ts';
import type { ClusterSnapshot } from '../../services/watchdog/probe.ts';
import { runStatus } from './support.ts';

/**
 * Acceptance 2 of issue 9: a local cluster with 3 actor hosts and 2 connection supervisors, every
 * service its own OS process. `surfinger status --json` reports all of them with the game and socket
 * counts each process itself exports on /metrics; stopping a host and killing a supervisor are
 * visible within 5 s.
 */
let cluster: Cluster | undefined;
after(async () => {
  await cluster?.stop();
});

async function scrape(handle: ProcessHandle, metric: string): Promise<number> {
  const res = await fetch(`${String(handle.ready.metricsUrl)}/metrics`);
  const line = (await res.text()).split('\n').find((l) => l.startsWith(`${metric}{`) || l.startsWith(`${metric} `));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : Number.NaN;
}

async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} not within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}

test('status on a real cluster - 3 hosts and 2 supervisors with their counts; a stopped host and a killed supervisor vanish within 5 s', { timeout: 180_000 }, async () => {
  // workspace-apps delivery: one socket per registered team, sharded over both supervisors.
  cluster = await startCluster({ delivery: 'workspace-apps', hosts: 3, supervisors: 2, sandbox: { teams: 3 } });
  const c = cluster;
  const s = createSubjects(c.prefix);
  const nc = await connect({ servers: c.natsUrl, ...c.natsAuth, name: 'status-cluster-test' });
  after(() => nc.close());

  // Six channel games activated through placement (the real protocol); the supervisors open every
  // registered team's socket by themselves.
  const channels = c.sandbox.teams.flatMap((t) => t.channels.slice(0, 2).map((ch) => ({ team: t.teamId, channel: ch.id })));
  for (const { team, channel } of channels) {
    await request(nc, s.activate(), codecs.activate, { type: MessageTypes.activate, team, channel, reason: 'command', hops: 0 }, codecs.activated, 5_000);
  }

  const args = ['--json', '--nats', c.natsUrl, '--monitor', c.natsMonitorUrl, '--prefix', c.prefix, '--wait', '1500', '--user', c.natsAuth.user, '--pass', c.natsAuth.pass];
  const look = async (): Promise<ClusterSnapshot> => {
    const r = await runStatus(args);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as ClusterSnapshot;
  };
  const snap = await eventually('all sockets open and all games placed', 30_000, async () => {
    const x = await look();
    const sockets = x.supervisors.reduce((n, v) => n + v.openSockets, 0);
    const games = x.hosts.reduce((n, h) => n + h.games, 0);
    return sockets === c.sandbox.teams.length && games === channels.length ? x : undefined;
  });

  const hosts = c.processes.filter((p) => p.name === 'actor-host');
  const supervisors = c.processes.filter((p) => p.name === 'connection-supervisor');
  assert.deepEqual(snap.hosts.map((h) => h.hostId).sort(), hosts.map((h) => h.id).sort());
  assert.deepEqual(snap.supervisors.map((v) => v.supervisorId).sort(), supervisors.map((v) => v.id).sort());
  // Each count is what the process itself reports on /metrics.
  for (const h of hosts) assert.equal(snap.hosts.find((x) => x.hostId === h.id)?.games, await scrape(h, 'sf_games_active'), `games on ${h.id}`);
  for (const v of supervisors) assert.equal(snap.supervisors.find((x) => x.supervisorId === v.id)?.openSockets, await scrape(v, 'sf_sockets_open'), `sockets on ${v.id}`);
  for (const h of snap.hosts) assert.ok((h.heapUsedBytes ?? 0) > 0, `memory of ${h.hostId} from its HostLoad`);
  for (const name of ['surfinger-egress', 'surfinger-ranking', 'surfinger-ingress', 'surfinger-scheduler']) assert.ok(snap.services.some((x) => x.name === name), `${name} is up`);
  assert.equal(snap.monitor?.healthy, true);

  // A graceful stop of one host and a SIGKILL of one supervisor.
  const [leaving] = hosts;
  const [killed] = supervisors;
  await leaving!.stop();
  killed!.kill();
  const gone = Date.now();
  const after2 = await eventually('the stopped host and killed supervisor gone', 15_000, async () => {
    const x = await look();
    return x.hosts.length === 2 && x.supervisors.length === 1 ? x : undefined;
  });
  // Measured at the look itself (`at`), not including the CLI's own start-up time.
  assert.ok(Date.parse(after2.at) - gone <= 5_000, `visible ${Date.parse(after2.at) - gone} ms after the stop`);
  assert.ok(!after2.hosts.some((h) => h.hostId === leaving!.id));
  assert.ok(!after2.supervisors.some((v) => v.supervisorId === killed!.id));
});
