import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { playNemesis, startClusterChaos, streamLeader } from './cluster-support.ts';

/**
 * Issue 17, on a 3-server NATS cluster with JetStream R3: a server frozen (SIGSTOP) for longer
 * than the lease TTL, then thawed, and every server restarted in turn while games run. Clients of
 * a frozen server notice only by their ping timer, so hosts on it lose their membership and fence
 * their actors; the history checker proves no game was served twice meanwhile.
 */
const LEASE_TTL_MS = 2_000;
const chaos = await startClusterChaos('chaos-cluster-nats-pause', { hosts: 3, channels: 16, natsCluster: 3 });

describe('chaos: NATS cluster pause and rolling restart', () => {
  it('SIGSTOP the snapshots leader for 2.5 lease TTLs, then SIGCONT: 0 lost, 0 doubled, history clean', async (t) => {
    await playNemesis(t, chaos, 'a paused NATS server', chaos.takeChannels(8), async () => {
      const leader = await streamLeader(chaos, `KV_${chaos.subjects.buckets.snapshots}`);
      leader.pause();
      await sleep(2.5 * LEASE_TTL_MS);
      leader.resume();
      await chaos.cluster.natsCluster!.waitHealthy();
    });
  });

  it('rolling restart of all three NATS servers during play: 0 lost, 0 doubled, history clean', async (t) => {
    await playNemesis(t, chaos, 'a rolling NATS restart', chaos.takeChannels(8), async () => {
      for (const node of chaos.cluster.natsCluster!.nodes) {
        await node.restart();
        // The next server goes only once this one has caught up: otherwise two of three are behind.
        await chaos.cluster.natsCluster!.waitHealthy();
        await sleep(500);
      }
    });
  });
});
