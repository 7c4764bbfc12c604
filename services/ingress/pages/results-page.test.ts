import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { codecs, MessageTypes, type GameResult, type RoundResult } from '../../../protocol/index.ts';
import { makeGameId } from '../../../actors/game.ts';
import { ensureStreams } from '../../common/jetstream.ts';
import { createLogger } from '../../common/logger.ts';
import { tableUrl } from '../../common/page-links.ts';
import { parseTokenKeys, TokenStore } from '../../common/token-store.ts';
import { startInfra } from '../../../test/support/harness.ts';
import { registerPages } from './index.ts';

const infra = await startInfra();
const log = createLogger('results-page-test', { level: 'silent' });
const SECRET = 'results-page-test-link-secret-0123456789';
const TEAM = 'T1';
const CHANNEL = 'C1';
const users = Array.from({ length: 200 }, (_, i) => `U${String(i).padStart(4, '0')}`);

function round(gameId: string, n: number, startedAt: number, players: readonly string[]): RoundResult {
  return {
    type: MessageTypes.roundResult,
    resultId: `${gameId}:${n}`,
    gameId,
    team: TEAM,
    channel: CHANNEL,
    mode: 'round',
    round: n,
    lang: 'en',
    promptId: 'en-1',
    prompt: 'the cat sat',
    level: 1,
    mission: null,
    startedAt,
    deadline: startedAt + 8_000,
    entries: players.map((user, i) => ({ user, text: 'the cat sat', accuracy: 100, speed: 400 - i, wpm: 80, score: 400 - i, elapsedMs: 3_000, pasted: false, flagged: false, rank: i + 1, eliminated: false })),
    missed: [],
    winners: players.slice(0, 1),
  };
}

function final(gameId: string, startedAt: number, players: readonly string[]): GameResult {
  return {
    type: MessageTypes.gameResult,
    resultId: `${gameId}:final`,
    gameId,
    team: TEAM,
    channel: CHANNEL,
    mode: 'round',
    lang: 'en',
    startedBy: players[0]!,
    startedAt,
    finishedAt: startedAt + 60_000,
    rounds: 2,
    totals: players.map((user, i) => ({ user, score: 800 - 2 * i, rounds: 2, avgAccuracy: 100 })),
    champion: players[0]!,
    exitedBy: null,
  };
}

describe('results page - the whole table of a result message, from the results stream', () => {
  let app: FastifyInstance;
  const now = Date.now();
  // An earlier game in the same channel comes first in the stream; the page skips it.
  const earlier = makeGameId(TEAM, CHANNEL, now - 120_000);
  const game = makeGameId(TEAM, CHANNEL, now - 60_000);
  const link = (gameId: string, part: string) => new URL(tableUrl('http://pages.test', SECRET, { team: TEAM, channel: CHANNEL, gameId, part }));

  before(async () => {
    const nc = await infra.natsClient();
    await ensureStreams(nc, infra.subjects);
    const js = nc.jetstream();
    const subject = infra.subjects.results(TEAM, CHANNEL);
    for (const r of [round(earlier, 1, now - 110_000, users.slice(0, 3)), final(earlier, now - 120_000, users.slice(0, 3)), round(game, 1, now - 50_000, users), round(game, 2, now - 40_000, users), final(game, now - 60_000, users)]) {
      await js.publish(subject, codecs.result.encode(r), { msgID: r.resultId });
    }
    app = Fastify();
    const redis = infra.redisClient();
    await registerPages(app, { nc, subjects: infra.subjects, redis, log, admin: { user: 'a', password: 'b' }, installUrl: '/slack/install', tokens: new TokenStore(redis, parseTokenKeys(undefined, false), infra.subjects.prefix), slackApiUrl: 'http://127.0.0.1:9/api/', pageLinkSecret: SECRET });
  });
  after(async () => {
    await app?.close();
  });

  const get = async (url: URL) => app.inject({ method: 'GET', url: `${url.pathname}${url.search}` });
  const rowsOf = (body: string) => [...body.matchAll(/<tr data-user="([^"]+)"/g)].map((m) => m[1]);

  test('a signed round link shows every player of that round, in rank order', async () => {
    const url = link(game, '2');
    url.searchParams.set('lang', 'en');
    const res = await get(url);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(rowsOf(res.body), users);
    assert.ok(res.body.includes('Round 2: the whole table'), 'titled in English');
  });

  test('a signed final link shows the whole totals table; an earlier game of the channel shows its own', async () => {
    const res = await get(link(game, 'final'));
    assert.equal(res.statusCode, 200);
    assert.deepEqual(rowsOf(res.body), users);
    assert.deepEqual(rowsOf((await get(link(earlier, '1'))).body), users.slice(0, 3));
  });

  test('the language switch keeps the key, so the page opens in the other language too', async () => {
    const res = await get(link(game, '1'));
    assert.ok(res.body.includes('1라운드 전체 결과'), 'Korean first, by default');
    const href = /<a href="([^"]+)" hreflang="en"/.exec(res.body)?.[1]?.replace(/&amp;/g, '&');
    assert.ok(href, 'a language switch');
    const en = await app.inject({ method: 'GET', url: href });
    assert.equal(en.statusCode, 200);
    assert.ok(en.body.includes('Round 1: the whole table'), 'the same table in English');
  });

  test('a wrong key, another channel, or a round that never happened answers a bare 404', async () => {
    const good = link(game, '1');
    const forged = new URL(good);
    forged.searchParams.set('k', 'A'.repeat(22));
    const elsewhere = new URL(good.href.replace(`/${CHANNEL}/`, '/C2/'));
    for (const url of [forged, elsewhere, link(game, '3'), link('not-a-game', '1')]) {
      const res = await get(url);
      assert.equal(res.statusCode, 404, url.href);
      assert.equal(res.body, 'not found');
    }
  });
});
