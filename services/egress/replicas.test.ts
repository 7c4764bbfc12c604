import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { codecs, MessageTypes, type EgressReply } from '../../protocol/index.ts';
import { startInfra } from '../../test/support/harness.ts';
import { messages, quiet, startSlack } from '../../test/security/edge-kit.ts';
import { request } from '../common/nats.ts';
import { start } from './service.ts';

/**
 * Issue 16, acceptance 2: three egress replicas in one queue group under a 20-channel load. The
 * sandbox stamps every message with its receive time (its ts), so pacing and order are measured
 * where Slack would see them, not where egress thinks it sent them.
 */
const RATE = 2;
const BURST = 2;
const CHANNELS = 20;
const POSTS = 6;

const infra = await startInfra();
// The sandbox enforces the same per-channel rate, with one message of burst to spare for the
// scheduling jitter between a replica's timer and the sandbox's clock (Slack tolerates short
// bursts too): a 429 would show the replicas together went faster than one channel may.
const { sandbox, tokenKeys } = await startSlack(infra, { rateLimit: { postMessagePerSecond: RATE, postMessageBurst: BURST + 1 }, generate: { teams: 1, channels: 2 * CHANNELS } });
const options = {
  log: quiet,
  natsUrl: infra.nats.url,
  redisUrl: infra.redis.url,
  prefix: infra.subjects.prefix,
  slackApiUrl: sandbox.info.apiUrl,
  tokenKeys,
  production: true,
  pace: { ratePerSec: RATE, burst: BURST },
  maxRetries: 3,
  metricsPort: 0,
  metricsHost: '127.0.0.1',
};
const replicas = await Promise.all([start(options), start(options), start(options)]);
after(() => Promise.all(replicas.map((r) => r.stop())));
const nc = await infra.natsClient();
const team = sandbox.info.teams[0]!;

let seq = 0;
function post(channel: string, text: string): Promise<EgressReply> {
  const req = { type: MessageTypes.egressRequest, team: team.teamId, channel, op: 'post' as const, text, idempotencyKey: `r${++seq}` };
  return request(nc, infra.subjects.egress('game', team.teamId, channel), codecs.egressRequest, req, codecs.egressReply, 60_000);
}

/** Receive times (ms) of the bot's posts in a channel, in channel order, with their texts. */
async function received(channel: string): Promise<Array<{ at: number; text: string }>> {
  const all = await messages(sandbox, team.teamId, channel);
  return all.filter((m) => m.user === team.botUserId && m.text !== 'warm-up').map((m) => ({ at: Number(m.ts) * 1_000, text: m.text ?? '' }));
}

/**
 * In every window of the channel's history, no more posts than the bucket allows. Egress paces when
 * calls leave; the sandbox stamps them when it handles them, and here it shares one event loop with
 * the three replicas and the test, so up to JITTER_MS of loop lag is allowed between the two (a per-replica pacer, the old defect,
 * lets three replicas send 3 × BURST at once and fails this by far).
 */
const JITTER_MS = 250;
function assertWithinRate(channel: string, times: readonly number[], minWindowMs = 0): void {
  for (let i = 0; i < times.length; i++) {
    for (let j = i + BURST; j < times.length; j++) {
      if (times[j]! - times[i]! < minWindowMs) continue;
      const allowed = BURST + (RATE * (times[j]! - times[i]! + JITTER_MS)) / 1_000;
      assert.ok(j - i + 1 <= allowed + 0.01, `${times.map((t) => Math.round(t - times[0]!)).join(", ")} ms — ${channel}: ${j - i + 1} posts within ${Math.round(times[j]! - times[i]!)} ms (allowed ${allowed.toFixed(2)})`);
    }
  }
}

const served = async () => {
  const metrics = await Promise.all(replicas.map((r) => r.registry.getSingleMetricAsString('sf_egress_requests_total')));
  return metrics.map((m) => [...m.matchAll(/outcome="ok"[^}]*\} (\d+)/g)].reduce((n, x) => n + Number(x[1]), 0));
};

test('egress replicas - per-channel order and rate hold across three replicas under a 20-channel load', async () => {
  const ordered = team.channels.slice(0, CHANNELS).map((c) => c.id);
  const flooded = team.channels.slice(CHANNELS, 2 * CHANNELS).map((c) => c.id);
  // Warm-up outside the measurement: the replicas' first calls open their HTTP connections and
  // read the bot token; then the buckets refill.
  for (const channel of [...ordered, ...flooded]) assert.equal((await post(channel, 'warm-up')).ok, true);
  await sleep(1_500);
  await Promise.all([
    // Senders that wait for each reply, as a game's outbox does: order must hold.
    ...ordered.map(async (channel) => {
      for (let i = 0; i < POSTS; i++) assert.equal((await post(channel, `#${i}`)).ok, true);
    }),
    // Senders that fire everything at once: the rate must hold however the posts spread over replicas.
    ...flooded.map((channel) => Promise.all(Array.from({ length: POSTS }, (_, i) => post(channel, `burst ${i}`).then((r) => assert.equal(r.ok, true))))),
  ]);
  for (const channel of ordered) {
    const got = await received(channel);
    assert.deepEqual(got.map((m) => m.text), Array.from({ length: POSTS }, (_, i) => `#${i}`), `${channel} keeps its order`);
    assertWithinRate(channel, got.map((m) => m.at));
  }
  // Posts reserved all at once leave on their slots, but two may arrive closer than their slots
  // when the earlier one is delayed in flight; over any second or more the rate holds.
  for (const channel of flooded) {
    const got = await received(channel);
    assert.equal(got.length, POSTS);
    assertWithinRate(channel, got.map((m) => m.at), 1_000);
  }
  // Work was spread over the replicas (a queue group), so the shared buckets did the pacing.
  const perReplica = await served();
  assert.ok(perReplica.filter((n) => n > 0).length >= 2, `posts per replica: ${perReplica.join(', ')}`);
  const limited = await Promise.all(replicas.map((r) => r.registry.getSingleMetricAsString('sf_egress_429_total')));
  assert.doesNotMatch(limited.join('\n'), /sf_egress_429_total\{[^}]*\} [1-9]/, 'Slack never had to say 429');
});
