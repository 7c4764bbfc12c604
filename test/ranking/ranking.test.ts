import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AckPolicy, type NatsConnection } from 'nats';
import type { Redis } from 'ioredis';
import { codecs, createSubjects, MessageTypes, type RankingQuery, type ResultMessage, type RoundResult, type Subjects } from '../../protocol/index.ts';
import { userPageUrl } from '../../services/common/page-links.ts';
import { createLogger } from '../../services/common/logger.ts';
import { ensureStreams } from '../../services/common/jetstream.ts';
import { request } from '../../services/common/nats.ts';
import { dataKeys, rankingRoot, rootKeys } from '../../services/ranking/keys.ts';
import { isRanked, roundScore, type RecordEntry } from '../../services/ranking/model.ts';
import { badgeText } from '../../services/ranking/i18n.ts';
import { rebuildRanking } from '../../services/ranking/rebuild.ts';
import { start } from '../../services/ranking/service.ts';
import { RECENT_DAYS, RECENT_GAMES } from '../../services/ranking/reads.ts';
import { RankingStore } from '../../services/ranking/store.ts';
import { startInfra } from '../support/harness.ts';
import { dumpKeys } from './dump.ts';
import { DAY, entry, normalGame, randomHistory, T0 } from './fixtures.ts';

const log = createLogger('ranking-test', { level: 'silent' });
const infra = await startInfra();

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`timed out waiting for ${what}`);
}

function blocksText(reply: { blocks?: unknown[] | undefined }): string {
  return JSON.stringify(reply.blocks ?? []);
}

describe('ranking service - over NATS and JetStream', () => {
  let nc: NatsConnection;
  let redis: Redis;
  let subjects: Subjects;
  let store: RankingStore;
  let stopService: () => Promise<void>;
  let metricsUrl = '';
  const now = T0 + 2 * DAY;
  const published: ResultMessage[] = [];

  async function publish(results: ResultMessage[], msgId = (r: ResultMessage) => r.resultId): Promise<void> {
    const js = nc.jetstream();
    for (const r of results) await js.publish(subjects.results(r.team, r.channel), codecs.result.encode(r), { msgID: msgId(r) });
  }

  async function settled(): Promise<void> {
    const jsm = await nc.jetstreamManager();
    await waitFor(async () => {
      const info = await jsm.consumers.info(subjects.streams.results, 'ranking');
      return info.num_pending === 0 && info.num_ack_pending === 0;
    }, 'the ranking consumer to catch up');
  }

  function ask(kind: RankingQuery['kind'], user: string, lang: 'ko' | 'en' = 'en') {
    return request(nc, subjects.rankingQuery(), codecs.rankingQuery, { type: MessageTypes.rankingQuery, kind, team: 'T1', channel: 'C1', user, lang, text: '' }, codecs.reply);
  }

  before(async () => {
    nc = await infra.natsClient();
    redis = infra.redisClient();
    subjects = infra.subjects;
    const running = await start({ nc, redis, subjects, log, publicUrl: 'http://surf.test', pageLinkSecret: 'ranking-test-page-link-secret-0123456789', now: () => now, outboxRetryMs: 60_000 });
    stopService = running.stop;
    metricsUrl = String(running.info?.metricsUrl);
    store = new RankingStore(redis, rankingRoot(subjects.prefix));
    published.push(
      ...normalGame('gA', T0, [entry('U1', { accuracy: 100, speed: 300 }), entry('U2', { accuracy: 96, speed: 280 })], { prompt: '가나다라 마바사' }),
      ...normalGame('gB', T0 + DAY, [entry('U2', { accuracy: 90, speed: 200 }), entry('U3', { accuracy: 100, speed: 400, pasted: true })]),
    );
    await publish(published);
    await settled();
  });

  after(async () => {
    await stopService();
    await store.close();
  });

  test('/rank lists players by recent best, pasted answers unranked', async () => {
    const reply = await ask('rank', 'U1');
    assert.equal(reply.ok, true);
    const text = blocksText(reply);
    assert.ok(text.indexOf('<@U1>') < text.indexOf('<@U2>'), text);
    assert.ok(!text.includes('<@U3>'), 'a pasted answer must not be ranked');
  });

  test('/score shows the sentence of each top record', async () => {
    const text = blocksText(await ask('score', 'U1'));
    assert.match(text, /가나다라 마바사/u);
    assert.match(text, /\*300\* pts · 100%/u);
  });

  test('/myscore gives the rank in the channel and the signed page link to the player alone, in Korean too', async () => {
    // Stands in for egress on this channel's subject: the link must arrive as an ephemeral to U2.
    const sub = nc.subscribe(subjects.egress('reply', 'T1', 'C1'), { max: 1 });
    const sent = (async () => {
      for await (const m of sub) {
        m.respond(codecs.egressReply.encode({ type: MessageTypes.egressReply, ok: true, ts: '1.000001' }));
        return codecs.egressRequest.decode(m.data);
      }
      return null;
    })();
    const en = blocksText(await ask('myscore', 'U2'));
    assert.match(en, /#2\* of 2/u);
    assert.doesNotMatch(en, /surf\.test/u, 'no personal link in the channel');
    const link = await sent;
    assert.equal(link?.op, 'ephemeral');
    assert.equal(link?.user, 'U2');
    assert.ok(link?.text.includes(userPageUrl('http://surf.test', 'ranking-test-page-link-secret-0123456789', 'T1', 'U2')), link?.text);
    const ko = blocksText(await ask('myscore', 'U2', 'ko'));
    assert.match(ko, /2위\* \/ 2명/u);
  });

  test('/badge lists earned badges and progress toward the next', async () => {
    const text = blocksText(await ask('badge', 'U1'));
    assert.match(text, /First game/u);
    assert.match(text, /Bullseye/u);
    assert.match(text, /Next goals/u);
  });

  test('a result redelivered under a new message id changes nothing but the checkpoint', async () => {
    const k = dataKeys(rankingRoot(subjects.prefix), await store.generation());
    const { ':seq': seqBefore, ...beforeDump } = await dumpKeys(redis, k.base);
    await publish(published, (r) => `${r.resultId}:again`);
    await settled();
    const { ':seq': seqAfter, ...afterDump } = await dumpKeys(redis, k.base);
    assert.deepEqual(afterDump, beforeDump);
    assert.equal(Number(seqAfter), Number(seqBefore) + published.length, 'the stream position moves past the repeats');
  });

  test('metrics count applied and duplicate results and show no lag', async () => {
    const text = await (await fetch(`${metricsUrl}/metrics`)).text();
    assert.match(text, /sf_ranking_results_total\{outcome="applied",svc="ranking"\} 4/u);
    assert.match(text, /sf_ranking_results_total\{outcome="duplicate",svc="ranking"\} 4/u);
    assert.match(text, new RegExp(`sf_consumer_pending\\{stream="${subjects.streams.results}",consumer="ranking",svc="ranking"\\} 0`, 'u'));
  });

  test('a game that earns a player three badges is one announcement, sent once its final result is applied', async () => {
    // Stand in for egress: T1's earlier badges are acknowledged, T9's game is recorded. The game is
    // a minute old by the service's clock (older ones would be announced as stale at once).
    const announced: Array<{ at: number; text: string; blocks: string; key: string }> = [];
    const subs = [subjects.egress('announce', 'T1', 'C1'), subjects.egress('announce', 'T9', 'C9')].map((subject) => nc.subscribe(subject));
    for (const sub of subs) {
      void (async () => {
        for await (const m of sub) {
          const req = codecs.egressRequest.decode(m.data);
          if (req.team === 'T9') announced.push({ at: Date.now(), text: req.text, blocks: JSON.stringify(req.blocks ?? []), key: req.idempotencyKey });
          m.respond(codecs.egressReply.encode({ type: MessageTypes.egressReply, ok: true, ts: '1.000002' }));
        }
      })();
    }
    try {
      const [round, final] = normalGame('gBadges', now - 60_000, [entry('U9', { accuracy: 100, speed: 320 })], { team: 'T9', channel: 'C9' });
      await publish([round!]);
      await settled();
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(announced.length, 0, 'nothing is announced while the game runs');
      await publish([final!]);
      await waitFor(async () => announced.length > 0, 'the badge announcement');
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(announced.length, 1, 'one message for the game');
      for (const name of ['first_game', 'first_win', 'perfect'].map((id) => badgeText('ko', id).name)) assert.ok(announced[0]!.blocks.includes(name) || announced[0]!.text.includes(name), `${name}: ${announced[0]!.blocks}`);
      assert.ok(announced[0]!.blocks.includes('<@U9>'));
      assert.deepEqual(await store.pendingAnnouncements(), [], 'the outbox is settled');
    } finally {
      for (const sub of subs) sub.unsubscribe();
    }
  });

  test('rebuild from the stream reproduces exactly the same keys and drops the old ones', async () => {
    const root = rankingRoot(subjects.prefix);
    const oldGen = await store.generation();
    const beforeDump = await dumpKeys(redis, dataKeys(root, oldGen).base);
    const report = await rebuildRanking(nc, subjects, store, log);
    assert.equal(report.previous, oldGen);
    assert.equal(await store.generation(), report.generation);
    assert.deepEqual(await dumpKeys(redis, dataKeys(root, report.generation).base), beforeDump);
    assert.deepEqual(await dumpKeys(redis, dataKeys(root, oldGen).base), {});
    // The live service keeps answering from the new generation.
    assert.match(blocksText(await ask('rank', 'U1')), /<@U1>/u);
  });

  test('a rebuild while results keep arriving misses and reorders nothing', async () => {
    const root = rankingRoot(subjects.prefix);
    const arriving = publish(randomHistory(5, 60, T0 + DAY));
    await rebuildRanking(nc, subjects, store, log);
    await arriving;
    await settled();
    const live = await dumpKeys(redis, dataKeys(root, await store.generation()).base);
    // A quiet rebuild is a plain replay of the stream in order: the reference.
    const quiet = await rebuildRanking(nc, subjects, store, log);
    assert.deepEqual(await dumpKeys(redis, dataKeys(root, quiet.generation).base), live);
  });

  test('a second replica on the same stream: each result applied once, in stream order, each badge queued once', async () => {
    const root = rankingRoot(subjects.prefix);
    const outboxBefore = await redis.llen(rootKeys(root).outbox);
    const second = await start({ nc: await infra.natsClient('replica-2'), redis: infra.redisClient(), subjects, log, publicUrl: 'http://surf.test', pageLinkSecret: 'ranking-test-page-link-secret-0123456789', now: () => now, outboxRetryMs: 60_000 });
    try {
      const more = randomHistory(17, 60, T0 + 3 * DAY).map((r) => ({ ...r, team: 'T3', gameId: `r2-${r.gameId}`, resultId: `r2-${r.resultId}` }));
      await publish(more);
      await publish(more.slice(0, 5), (r) => `${r.resultId}:again`);
      await settled();
      const live = await dumpKeys(redis, dataKeys(root, await store.generation()).base);
      const quiet = await rebuildRanking(nc, subjects, store, log);
      assert.deepEqual(await dumpKeys(redis, dataKeys(root, quiet.generation).base), live);
      const queued = (await redis.lrange(rootKeys(root).outbox, outboxBefore, -1)).map((raw) => (JSON.parse(raw) as { key: string }).key);
      assert.ok(queued.length > 0 && queued.every((key) => key.startsWith('badge:T3:')), queued.join(' '));
      assert.equal(new Set(queued).size, queued.length, 'no badge queued twice');
    } finally {
      await second.stop();
    }
  });

  test('Redis losing writes the service made: it notices and applies them again from the stream, announcing nothing twice', async () => {
    const root = rankingRoot(subjects.prefix);
    const k = dataKeys(root, await store.generation());
    const expected = await dumpKeys(redis, k.base);
    // As after a Redis restart that lost its last seconds: the generation is back to nothing.
    await redis.unlink(...Object.keys(expected).map((name) => `${k.base}${name}`));
    const [round] = normalGame('lost-1', T0 + 4 * DAY, [entry('U1', { accuracy: 97 })]);
    await publish([round!]);
    await waitFor(async () => (await store.checkpoint()) === Number(expected[':seq']) + 1, 'the checkpoint to pass the new result');
    const live = await dumpKeys(redis, k.base);
    const quiet = await rebuildRanking(nc, subjects, store, log);
    assert.deepEqual(live, await dumpKeys(redis, dataKeys(root, quiet.generation).base));
    // Badges earned again by the replay were announced the first time: none is queued twice.
    const queued = (await redis.lrange(rootKeys(root).outbox, 0, -1)).map((raw) => (JSON.parse(raw) as { key: string }).key);
    assert.equal(new Set(queued).size, queued.length, queued.join(' '));
  });

  test('a results stream recreated after NATS lost it numbers from 1 again: the checkpoint starts over, nothing is skipped', async () => {
    const k = dataKeys(rankingRoot(subjects.prefix), await store.generation());
    const before = await store.checkpoint();
    assert.ok(before > 3);
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(subjects.streams.results);
    await ensureStreams(nc, subjects);
    const fresh = normalGame('after-loss', T0 + 5 * DAY, [entry('U9', { accuracy: 99 })]);
    await publish(fresh);
    // The reader notices at its next quiet pull (up to 5 s) and starts over.
    await waitFor(async () => (await redis.smismember(k.applied, ...fresh.map((r) => r.resultId))).every((x) => x === 1), 'the new results to be applied', 30_000);
    assert.equal(await store.checkpoint(), fresh.length);
    await settled();
  });
});

describe('ranking service - a durable made before batching', () => {
  test('keeps its per-message acks (JetStream cannot change them) and is still drained to zero', async () => {
    const nc = await infra.natsClient();
    const redis = infra.redisClient();
    const subjects = createSubjects(`${infra.subjects.prefix}old`);
    await ensureStreams(nc, subjects);
    const jsm = await nc.jetstreamManager();
    await jsm.consumers.add(subjects.streams.results, { durable_name: 'ranking', ack_policy: AckPolicy.Explicit, max_ack_pending: 1 });
    const running = await start({ nc, redis, subjects, log, publicUrl: 'http://surf.test', pageLinkSecret: 'ranking-test-page-link-secret-0123456789', outboxRetryMs: 60_000 });
    try {
      const results = randomHistory(5, 20, T0 + DAY);
      for (const r of results) await nc.jetstream().publish(subjects.results(r.team, r.channel), codecs.result.encode(r), { msgID: r.resultId });
      await waitFor(async () => {
        const info = await jsm.consumers.info(subjects.streams.results, 'ranking');
        return info.num_pending === 0 && info.num_ack_pending === 0 && info.delivered.stream_seq === results.length;
      }, 'the old durable to be drained');
      const { config } = await jsm.consumers.info(subjects.streams.results, 'ranking');
      assert.deepEqual([config.ack_policy, config.headers_only, config.max_ack_pending], [AckPolicy.Explicit, true, 1024]);
      assert.equal(await new RankingStore(redis, rankingRoot(subjects.prefix)).checkpoint(), results.length);
    } finally {
      await running.stop();
    }
  });
});

describe('ranking store - against brute force over random results', () => {
  const history = randomHistory(42, 400, T0 + 60 * DAY);
  const now = T0 + 60 * DAY + DAY;
  let store: RankingStore;
  let redis: Redis;
  const root = 'bf:rk';

  const rounds = history.filter((r): r is RoundResult => r.type === MessageTypes.roundResult);
  const recordsIn = (team: string, channel: string) =>
    rounds
      .filter((r) => r.team === team && r.channel === channel)
      .flatMap((r) => r.entries.filter(isRanked).map((e) => ({ user: e.user, score: roundScore(e.score), at: r.deadline, prompt: r.prompt, resultId: r.resultId })));

  before(async () => {
    redis = infra.redisClient();
    store = new RankingStore(redis, root);
    for (const r of history) assert.equal((await store.apply(r)).applied, true);
  });

  after(() => store.close());

  test('replaying every result a second time changes nothing', async () => {
    const base = dataKeys(root, await store.generation()).base;
    const first = await dumpKeys(redis, base);
    for (const r of history) assert.equal((await store.apply(r)).applied, false);
    assert.deepEqual(await dumpKeys(redis, base), first);
  });

  test('/rank follows the recent rule in every channel', async () => {
    for (const [team, channel] of [['T1', 'C1'], ['T1', 'C2'], ['T2', 'C9']] as const) {
      const byUser = new Map<string, Array<{ score: number; at: number }>>();
      for (const r of recordsIn(team, channel)) byUser.set(r.user, [...(byUser.get(r.user) ?? []), r]);
      const expected = [...byUser]
        .map(([user, records]) => {
          const recent = records
            .sort((a, b) => b.at - a.at)
            .slice(0, RECENT_GAMES)
            .filter((r) => r.at >= now - RECENT_DAYS * DAY);
          const best = recent.reduce<{ score: number; at: number } | null>((b, r) => (b === null || r.score > b.score || (r.score === b.score && r.at < b.at) ? r : b), null);
          return { user, best };
        })
        .filter((row): row is { user: string; best: { score: number; at: number } } => row.best !== null)
        .sort((a, b) => b.best.score - a.best.score || a.best.at - b.best.at || a.user.localeCompare(b.user));
      const actual = await store.rank(team, channel, now);
      assert.ok(expected.length > 0);
      assert.deepEqual(
        actual.map((row) => [row.user, row.best.score]),
        expected.map((row) => [row.user, row.best.score]),
      );
    }
  });

  test('/myscore rank and all-time bests match brute force', async () => {
    const ranking = await store.rank('T1', 'C1', now);
    const all = recordsIn('T1', 'C1');
    for (const user of ['U01', 'U02', 'U03', 'U04', 'U05', 'U06', 'U07', 'U08']) {
      const my = await store.myScore('T1', 'C1', user, now);
      const index = ranking.findIndex((row) => row.user === user);
      assert.equal(my.rank, index < 0 ? null : index + 1);
      const bests = new Map<string, number>();
      for (const r of all) bests.set(r.user, Math.max(bests.get(r.user) ?? 0, r.score));
      const mine = bests.get(user);
      assert.equal(my.bests.channel.score, mine ?? null);
      if (mine !== undefined) {
        const greater = [...bests.values()].filter((s) => s > mine).length;
        const equal = [...bests.values()].filter((s) => s === mine).length;
        assert.ok(my.bests.channel.rank! > greater && my.bests.channel.rank! <= greater + equal);
      }
      const myRecords = all.filter((r) => r.user === user).sort((a, b) => b.at - a.at);
      assert.deepEqual(
        my.recent.map((r: RecordEntry) => r.at),
        myRecords.slice(0, RECENT_GAMES).map((r) => r.at),
      );
    }
  });

  test('/score lists the channel top records with their sentences', async () => {
    const top = await store.topScores('T2', 'C9', 10);
    const expected = recordsIn('T2', 'C9').sort((a, b) => b.score - a.score);
    assert.deepEqual(
      top.map((r) => r.score),
      expected.slice(0, 10).map((r) => r.score),
    );
    for (const r of top) assert.equal(r.prompt, rounds.find((x) => x.resultId === r.r)?.prompt);
  });

  test('admin counters: games per day sum to the number of games', async () => {
    const games = history.filter((r) => r.type === MessageTypes.gameResult).length;
    const days = await store.gamesPerDay(70, now);
    assert.equal(days.reduce((sum, d) => sum + d.games, 0), games);
    assert.equal((await store.totals()).games, games);
  });
});
