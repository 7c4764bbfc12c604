import { performance } from 'node:perf_hooks';
import { AckPolicy, DeliverPolicy } from 'nats';
import { codecs, createSubjects, MessageTypes, type Subjects } from '../../protocol/index.ts';
import { sendToGame } from '../../services/actor-host/client.ts';
import { recordCodecs } from '../../services/actor-host/records.ts';
import { startCluster } from '../../services/local/cluster.ts';
import { connectNats } from '../../services/common/nats.ts';
import type { NatsConnection } from 'nats';
import { channelOf, egressStandIn } from '../actor-bench.ts';
import { pool } from '../pool.ts';
import { round } from '../measure.ts';
import type { Measured, Scenario, ScenarioContext } from '../types.ts';

const GOAL_MS = 3_000;

/** Follows the snapshots bucket: which host last wrote each game's snapshot (a restore writes first). */
async function watchOwners(nc: NatsConnection, subjects: Subjects): Promise<{ owners: Map<string, string>; stop(): void }> {
  const kv = await nc.jetstream().views.kv(subjects.buckets.snapshots);
  const owners = new Map<string, string>();
  const iter = await kv.watch({ key: '>' });
  void (async () => {
    for await (const e of iter) if (e.operation === 'PUT') owners.set(e.key, recordCodecs.snapshot.decode(e.value).owner.hostId);
  })();
  return { owners, stop: () => iter.stop() };
}

async function waitFor(what: string, timeoutMs: number, done: () => boolean): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > until) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Every result in the stream: how many times each resultId was stored. */
async function storedResults(nc: NatsConnection, subjects: Subjects): Promise<Map<string, number>> {
  const jsm = await nc.jetstreamManager();
  const name = `count${Date.now()}`;
  await jsm.consumers.add(subjects.streams.results, { name, ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All, inactive_threshold: 30_000_000_000 });
  const consumer = await nc.jetstream().consumers.get(subjects.streams.results, name);
  const total = (await consumer.info()).num_pending;
  const counts = new Map<string, number>();
  if (total === 0) return counts;
  const messages = await consumer.consume({ max_messages: 1_000 });
  let seen = 0;
  for await (const m of messages) {
    const { resultId } = codecs.result.decode(m.data);
    counts.set(resultId, (counts.get(resultId) ?? 0) + 1);
    if (++seen === total) break;
  }
  messages.stop();
  return counts;
}

async function run(ctx: ScenarioContext): Promise<Measured> {
  const games = ctx.quick ? 100 : 1_000;
  const prefix = 'benchfo';
  const subjects = createSubjects(prefix);
  // A generous ready timeout: a loaded 2-core machine takes a while to boot a tsx process.
  const cluster = await startCluster({ services: ['actor-host'], hosts: 1, prefix, readyTimeoutMs: 120_000 });
  const nc = await connectNats(cluster.natsUrl, 'bench-failover', cluster.natsAuth);
  try {
    egressStandIn(nc, subjects, new Map());
    const watch = await watchOwners(nc, subjects);
    const send = (i: number, command: 'start' | 'exit') =>
      sendToGame(nc, subjects, { type: MessageTypes.gameCommand, ...channelOf(i), user: 'U0', command, text: 'round 10 easy', lang: 'ko', receivedAt: Date.now() }, { activate: true, timeoutMs: 10_000, budgetMs: 30_000 });

    ctx.log(`starting ${games} ten-round games on actor-host-1`);
    let t = performance.now();
    await pool(games, 64, (i) => send(i, 'start'));
    const coldMs = performance.now() - t;
    const keys = Array.from({ length: games }, (_, i) => `${channelOf(i).team}.${channelOf(i).channel}`);
    await waitFor('all snapshots owned by actor-host-1', 10_000, () => keys.every((k) => watch.owners.get(k) === 'actor-host-1'));

    ctx.log('adding actor-host-2, then kill -9 actor-host-1');
    await cluster.addService('actor-host');
    t = performance.now();
    cluster.service('actor-host-1').kill();
    await waitFor(`all ${games} games resumed on actor-host-2`, 60_000, () => keys.every((k) => watch.owners.get(k) === 'actor-host-2'));
    const failoverMs = performance.now() - t;
    watch.stop();

    ctx.log('stopping every game with /exit and counting results');
    // A game whose actor cannot be reached after the failover is a finding, not a crash: it is
    // counted, and only games that took their /exit are expected to have a final result.
    let unreachable = 0;
    await pool(games, 64, (i) =>
      send(i, 'exit').catch(() => {
        unreachable++;
      }),
    );
    const exited = games - unreachable;
    // Each game ends with one `${gameId}:final`; rounds it completed have `${gameId}:<n>`.
    const finalsIn = (c: Map<string, number>) => [...c.keys()].filter((id) => id.endsWith(':final'));
    let counts = await storedResults(nc, subjects);
    // Results trail the /exit replies (published from the actors' outboxes): poll for up to ~20 s.
    for (let i = 0; i < 100 && finalsIn(counts).length < exited; i++) {
      await new Promise((r) => setTimeout(r, 200));
      counts = await storedResults(nc, subjects);
    }
    const finals = finalsIn(counts);
    const rounds = new Map<string, number[]>();
    for (const id of counts.keys()) {
      const [gameId, n] = [id.slice(0, id.lastIndexOf(':')), id.slice(id.lastIndexOf(':') + 1)];
      if (n !== 'final') rounds.set(gameId, [...(rounds.get(gameId) ?? []), Number(n)]);
    }
    // A lost round shows as a gap in a game's round numbers; a lost final as a game without one.
    const gaps = [...rounds.values()].reduce((sum, ns) => sum + (Math.max(...ns) - ns.length), 0);
    const lost = Math.max(0, exited - finals.length) + gaps;
    const doubled = [...counts.values()].reduce((sum, n) => sum + (n - 1), 0);
    const measured = { label: 'kill -9 → all games resumed', value: round(failoverMs), unit: 'ms' };
    const baseline = { label: `cold start of the same ${games} games`, value: round(coldMs), unit: 'ms' };
    return {
      measured,
      baseline,
      ratio: failoverMs / coldMs,
      figures: [
        measured,
        baseline,
        { label: 'results lost', value: lost, unit: 'results' },
        { label: 'games unreachable for /exit after the failover', value: unreachable, unit: 'games' },
        { label: 'results doubled', value: doubled, unit: 'results' },
        { label: 'results stored', value: [...counts.values()].reduce((a, b) => a + b, 0), unit: 'results' },
      ],
      goal: { text: '≤ 3 s to resume, 0 lost / 0 doubled', pass: failoverMs <= GOAL_MS && lost === 0 && doubled === 0 && unreachable === 0 },
      notes: [
        `${games} running ten-round games on actor-host-1 (its own OS process, SF_LEASE_TTL_MS default); resumed = actor-host-2 wrote the game's snapshot after restoring it`,
        'results counted from the JetStream results stream after /exit ended every game',
      ],
    };
  } finally {
    await nc.close();
    await cluster.stop();
  }
}

export const failover: Scenario = {
  name: 'failover',
  description: 'kill -9 an actor-host process holding 1,000 running games: time until all resumed elsewhere; results lost / doubled',
  cheap: false,
  run,
};
