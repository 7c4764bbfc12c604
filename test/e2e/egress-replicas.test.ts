import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type NatsConnection } from 'nats';
import { codecs, createSubjects, MessageTypes, type EgressReply } from '../../protocol/index.ts';
import { startCluster, type Cluster } from '../../services/local/cluster.ts';
import { request } from '../../services/common/nats.ts';

/**
 * Issue 16, acceptance 2: three egress processes in one queue group under a 20-channel load. The
 * sandbox (its own process) stamps each message with its receive time — its ts — so pacing and
 * order are measured where Slack would see them. The sandbox's own per-channel limit (1/s, burst 5)
 * answers 429 to anything faster, as Slack would.
 */
const RATE = 1;
const BURST = 3;
const CHANNELS = 20;
const POSTS = 6;
/** Loopback HTTP and two busy cores: a call may reach the sandbox this much after egress let it go. */
const JITTER_MS = 150;

let cluster: Cluster;
let nc: NatsConnection;
before(async () => {
  cluster = await startCluster({
    services: ['egress'],
    sandbox: { teams: 1, channels: 2 * CHANNELS },
    env: { SF_EGRESS_RATE_PER_SEC: String(RATE), SF_EGRESS_BURST: String(BURST) },
  });
  await Promise.all([cluster.addService('egress'), cluster.addService('egress')]);
  nc = await connect({ servers: cluster.natsUrl, ...cluster.natsAuth });
});
after(async () => {
  await nc?.close();
  await cluster?.stop();
});

let seq = 0;
function post(team: string, channel: string, text: string): Promise<EgressReply> {
  const req = { type: MessageTypes.egressRequest, team, channel, op: 'post' as const, text, idempotencyKey: `load-${++seq}` };
  return request(nc, createSubjects(cluster.prefix).egress('game', team, channel), codecs.egressRequest, req, codecs.egressReply, 60_000);
}

async function received(team: string, bot: string, channel: string): Promise<Array<{ at: number; text: string }>> {
  const res = await fetch(`${cluster.sandboxUrl}/sandbox/v1/messages?team_id=${team}&channel_id=${channel}`);
  const { messages } = (await res.json()) as { messages: Array<{ ts: string; user?: string; text?: string }> };
  return messages.filter((m) => m.user === bot && m.text !== 'warm-up').map((m) => ({ at: Number(m.ts) * 1_000, text: m.text ?? '' }));
}

/**
 * In every window of a channel's history, at most what the bucket allows (JITTER_MS of slack), plus
 * `bunched` arrivals: posts reserved together leave on their slots, but a burst slowed in flight
 * can land just before the next slot's post.
 */
function assertWithinRate(channel: string, times: readonly number[], bunched = 0): void {
  for (let i = 0; i < times.length; i++) {
    for (let j = i + BURST; j < times.length; j++) {
      const allowed = BURST + bunched + (RATE * (times[j]! - times[i]! + JITTER_MS)) / 1_000;
      assert.ok(j - i + 1 <= allowed, `${channel}: ${j - i + 1} posts within ${Math.round(times[j]! - times[i]!)} ms (allowed ${allowed.toFixed(2)}); arrivals ${times.map((t) => Math.round(t - times[0]!)).join(', ')} ms`);
    }
  }
}

async function metric(name: string): Promise<number[]> {
  const egress = cluster.processes.filter((p) => p.name === 'egress');
  return Promise.all(
    egress.map(async (p) => {
      const text = await (await fetch(`${String(p.ready["metricsUrl"])}/metrics`)).text();
      return [...text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\d+)`, 'gm'))].reduce((n, m) => n + Number(m[2]), 0);
    }),
  );
}

test('egress replicas - per-channel order and rate hold across three egress processes under a 20-channel load', async () => {
  const team = cluster.sandbox.teams[0]!;
  const channels = team.channels.map((c) => c.id);
  const ordered = channels.slice(0, CHANNELS);
  const flooded = channels.slice(CHANNELS, 2 * CHANNELS);
  // Warm-up outside the measurement (tokens read, connections opened), then the buckets refill.
  await Promise.all(channels.map((c) => post(team.teamId, c, 'warm-up')));
  await sleep(BURST * 1_000 + 500);
  await Promise.all([
    // Senders that wait for each reply, as a game's outbox does: order must hold.
    ...ordered.map(async (channel) => {
      for (let i = 0; i < POSTS; i++) assert.equal((await post(team.teamId, channel, `#${i}`)).ok, true);
    }),
    // Senders that fire everything at once: the rate must hold however the posts spread over replicas.
    ...flooded.map((channel) => Promise.all(Array.from({ length: POSTS }, async (_, i) => assert.equal((await post(team.teamId, channel, `burst ${i}`)).ok, true)))),
  ]);
  for (const channel of ordered) {
    const got = await received(team.teamId, team.botUserId, channel);
    assert.deepEqual(got.map((m) => m.text), Array.from({ length: POSTS }, (_, i) => `#${i}`), `${channel} keeps its order`);
    assertWithinRate(channel, got.map((m) => m.at));
  }
  for (const channel of flooded) {
    const got = await received(team.teamId, team.botUserId, channel);
    assert.equal(got.length, POSTS);
    assertWithinRate(channel, got.map((m) => m.at), 1);
  }
  const served = await metric('sf_egress_requests_total');
  assert.ok(served.filter((n) => n > 0).length >= 2, `the queue group spread the work: ${served.join(', ')}`);
  assert.deepEqual(await metric('sf_egress_429_total'), [0, 0, 0], 'Slack never had to say 429');
});
