import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT, startCluster, type Cluster } from '../../services/common/cluster.ts';
import type { Delivery } from '../../services/common/config.ts';
import { Channel } from '../support/cluster-play.ts';

/**
 * Issue 15, item 1: an answer a player sent and Slack delivered is in the result, or the player was
 * told it was not taken — through a Redis outage (socket and HTTP delivery), a NATS restart, and a
 * supervisor killed between receiving an envelope and forwarding it. Every answer is sent the way
 * a person sends it (the sandbox), and the result is read from the channel. One ledger line per fault.
 */

/**
 * Long sentences (about 40 s to answer, timing.ts) so a fault fits inside one round; the real
 * corpus's easy sentences leave ~8 s. English stays the real one.
 */
function longCorpus(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sf-noloss-corpus-'));
  const sentence = '오늘 아침에는 하늘이 아주 맑아서 우리는 공원까지 천천히 걸어가며 새소리를 듣고 따뜻한 차를 마시면서 주말 계획을 이야기했어요';
  const entries = [1, 2, 3, 4, 5].map((level) => ({ id: `ko-900${level}`, text: sentence, level }));
  writeFileSync(join(dir, 'ko.json'), JSON.stringify({ version: 1, lang: 'ko', entries }));
  copyFileSync(join(REPO_ROOT, 'data', 'corpus', 'en.json'), join(dir, 'en.json'));
  return dir;
}

/** Plays one round in `ch` around `fault`, which gets a `say(player)` to call at the right moments. */
async function roundThrough(cluster: Cluster, ch: Channel, name: string, fault: (say: (user: string) => Promise<void>) => Promise<void>): Promise<void> {
  const team = cluster.sandbox.teams.find((t) => t.teamId === ch.team)!;
  const starter = team.users[0]!.id;
  await ch.command(starter, '/start', 'normal');
  const prompt = await ch.waitForPrompt();
  // A human pace: faster than ~1,500 keystrokes a minute is flagged (and kept out of rankings).
  await sleep(12_000);
  const sent: string[] = [];
  await fault(async (user) => {
    await ch.say(user, prompt.typed);
    sent.push(user);
  });
  const results = await ch.waitForBlock('results', prompt.ts, 120_000);
  const inResult = sent.filter((u) => results.text.includes(`<@${u}>`));
  // "Told": a bot message only that player sees, after the prompt (e.g. "your answer was not taken").
  const told = (await ch.messages()).filter((m) => m.bot_id !== undefined && m.ephemeral_to !== undefined && Number(m.ts) > Number(prompt.ts) && sent.includes(m.ephemeral_to) && !inResult.includes(m.ephemeral_to));
  const lost = sent.length - inResult.length - told.length;
  console.log(JSON.stringify({ ledger: name, delivery: cluster.delivery, answersSent: sent.length, inResult: inResult.length, told: told.length, lost }));
  assert.equal(lost, 0, `answers lost in "${name}":\n${results.text}`);
}

function clusterFor(delivery: Delivery): { get(): Cluster; channel(i: number): Channel } {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster({
      delivery,
      // Socket mode: two connections over two supervisors, so a dead one's envelopes have somewhere to go.
      supervisors: 2,
      hosts: 1,
      sandbox: { teams: 1, channels: 8, users: 4 },
      prefix: 'noloss',
      env: { SF_SOCKET_CONNECTIONS: '2', SF_LEASE_TTL_MS: '2000', SF_SUPERVISOR_HEARTBEAT_MS: '250', SF_SUPERVISOR_MEMBER_TTL_MS: '2000' },
      serviceEnv: { 'actor-host': { SF_CORPUS_DIR: longCorpus() } },
    });
  });
  after(async () => {
    await cluster?.stop();
  });
  return {
    get: () => cluster,
    // #lounge (last) is a channel without the bot: Slack sends no events from it.
    channel: (i) => new Channel(cluster, cluster.sandbox.teams[0]!.teamId, cluster.sandbox.teams[0]!.channels.filter((c) => c.name !== 'lounge')[i]!.id),
  };
}

const users = (cluster: Cluster) => cluster.sandbox.teams[0]!.users.map((u) => u.id);

describe('no loss - socket delivery (one app, 2 connections over 2 supervisors)', () => {
  const c = clusterFor('socket');

  test('redis-server stopped mid-round: the answer sent while it is down is in the result', async () => {
    const cluster = c.get();
    const [alice, bob, carol] = users(cluster);
    await roundThrough(cluster, c.channel(0), 'redis stop/start (socket)', async (say) => {
      await say(alice!);
      cluster.redis.kill();
      await say(bob!);
      await sleep(1_500);
      await cluster.redis.restart();
      await say(carol!);
    });
  });

  test('nats-server restarted mid-round: the answer sent while it is down is redelivered and counted', async () => {
    const cluster = c.get();
    const [alice, bob, carol] = users(cluster);
    await roundThrough(cluster, c.channel(1), 'nats restart (socket)', async (say) => {
      await say(alice!);
      cluster.nats.kill();
      await say(bob!);
      await sleep(500);
      await cluster.nats.restart();
      await say(carol!);
    });
  });

  test('a supervisor killed (kill -9) between receiving envelopes and forwarding them: Slack redelivers on the other connection', async () => {
    const cluster = c.get();
    const [alice, bob, carol, dave] = users(cluster);
    const victim = cluster.processes.find((p) => p.name === 'connection-supervisor' && p.alive)!;
    await roundThrough(cluster, c.channel(2), 'supervisor kill -9 (socket)', async (say) => {
      await say(alice!);
      // Frozen, its socket still takes envelopes (the kernel buffers them) but nothing is forwarded
      // or acked: exactly "received, not yet handed on". Then it dies.
      process.kill(victim.pid, 'SIGSTOP');
      for (const u of [bob!, carol!, dave!]) await say(u);
      await sleep(500);
      victim.kill();
    });
    await victim.restart();
  });
});

describe('no loss - http delivery (Events API)', () => {
  const c = clusterFor('http');

  test('redis-server stopped mid-round: the answer sent while it is down is in the result', async () => {
    const cluster = c.get();
    const [alice, bob, carol] = users(cluster);
    await roundThrough(cluster, c.channel(0), 'redis stop/start (http)', async (say) => {
      await say(alice!);
      cluster.redis.kill();
      await say(bob!);
      await sleep(1_500);
      await cluster.redis.restart();
      await say(carol!);
    });
  });

  test('nats-server restarted mid-round: the answer sent while it is down is retried by Slack and counted', async () => {
    const cluster = c.get();
    const [alice, bob, carol] = users(cluster);
    await roundThrough(cluster, c.channel(1), 'nats restart (http)', async (say) => {
      await say(alice!);
      cluster.nats.kill();
      await say(bob!);
      await sleep(500);
      await cluster.nats.restart();
      await say(carol!);
    });
  });
});
