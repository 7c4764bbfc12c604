import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, startCluster, type Cluster, type ProcessHandle } from '../../services/local/cluster.ts';
import { Channel } from '../support/cluster-play.ts';

/**
 * Issue 6: "messages are never silently dropped while a game is running". A player's answer that
 * arrives while the game's host is dead and before another host adopts it goes the real way
 * (sandbox → Socket Mode → supervisor) and must wait for the new host, not be dropped as chat.
 */
async function runningGames(host: ProcessHandle): Promise<number> {
  const text = await (await fetch(`${String(host.ready.metricsUrl)}/metrics`)).text();
  return Number(/^sf_games_running(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1] ?? 0);
}

describe('chaos - an answer typed during a failover', () => {
  let cluster: Cluster;
  before(async () => {
    const logDir = join(REPO_ROOT, 'test-output', 'chaos-answer-during-failover');
    rmSync(logDir, { recursive: true, force: true });
    cluster = await startCluster({ hosts: 2, logDir });
  });
  after(async () => {
    await cluster?.stop();
  });

  it('is scored by the host that adopts the game', async () => {
    const team = cluster.sandbox.teams[0]!;
    const alice = team.users[0]!;
    const ch = new Channel(cluster, team.teamId, team.channels[0]!.id);
    await ch.command(alice.id, '/start', 'normal easy');
    const prompt = await ch.waitForPrompt('0', 40_000);
    const hosts = cluster.processes.filter((p) => p.name === 'actor-host');
    const owner = (await Promise.all(hosts.map(async (h) => ({ h, n: await runningGames(h) })))).find((x) => x.n > 0)?.h;
    assert.ok(owner, 'one host runs the game');
    await new Promise((r) => setTimeout(r, 2_000));
    owner.kill();
    // Typed at once: the game has no live host for about a lease TTL.
    await ch.say(alice.id, prompt.typed);
    const results = await ch.waitForBlock('results', prompt.ts, 60_000);
    assert.ok(results.text.includes(`<@${alice.id}>`), `the answer sent during the failover counts:\n${results.text}`);
  });
});
