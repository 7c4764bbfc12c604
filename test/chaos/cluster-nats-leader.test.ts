import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { ProcessHandle } from '../../services/local/cluster.ts';
import { killLeader, playNemesis, startClusterChaos } from './cluster-support.ts';

/**
 * Issue 17, on a 3-server NATS cluster with JetStream R3: the server leading a KV bucket dies
 * mid-game (alone, and together with an actor host). JetStream elects a new leader among the
 * two left; hosts ride out the election (renewals retry, or they fence and rejoin) and no
 * accepted answer or result is lost or doubled.
 */
const chaos = await startClusterChaos('chaos-cluster-nats-leader', { hosts: 3, channels: 16, natsCluster: 3 });

async function runningGames(host: ProcessHandle): Promise<number> {
  const text = await (await fetch(`${String(host.ready.metricsUrl)}/metrics`)).text();
  return Number(/^sf_games_running(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1] ?? 0);
}

describe('chaos: NATS cluster leader loss', () => {
  it('kill -9 the server leading the leases bucket mid-game: 0 lost, 0 doubled, history clean', async (t) => {
    let electedMs = 0;
    await playNemesis(t, chaos, 'kill -9 of the leases leader', chaos.takeChannels(8), async () => {
      const killed = await killLeader(chaos, `KV_${chaos.subjects.buckets.leases}`);
      electedMs = killed.electedMs;
      await sleep(3_000);
      await killed.node.restart();
      await chaos.cluster.natsCluster!.waitHealthy();
    });
    t.diagnostic(`leases bucket leader election (kill -9 → new leader named): ${electedMs} ms`);
  });

  it('kill -9 an actor host during the snapshots leader change: 0 lost, 0 doubled, history clean', async (t) => {
    await playNemesis(t, chaos, 'kill -9 of a host during a leader change', chaos.takeChannels(8), async () => {
      const hosts = chaos.cluster.processes.filter((p) => p.name === 'actor-host' && p.alive);
      const loads = await Promise.all(hosts.map(async (h) => ({ h, n: await runningGames(h) })));
      const victim = loads.sort((a, b) => b.n - a.n)[0]!.h;
      victim.kill();
      const killed = await killLeader(chaos, `KV_${chaos.subjects.buckets.snapshots}`);
      t.diagnostic(`snapshots bucket leader election (kill -9 → new leader named): ${killed.electedMs} ms`);
      await sleep(3_000);
      await killed.node.restart();
      await chaos.cluster.natsCluster!.waitHealthy();
    });
  });
});
