import type { NatsConnection } from 'nats';
import { Counter, Gauge } from 'prom-client';
import type { Redis } from 'ioredis';
import { asSurfingerError, codecs, MessageTypes, ServiceNames, type RankingQuery, type Reply, type Subjects } from '../../protocol/index.ts';
import type { Logger } from '../common/logger.ts';
import type { RunningService } from '../common/main-kit.ts';
import { createMetricsRegistry, startOpsServer } from '../common/metrics.ts';
import { addEndpoint, request } from '../common/nats.ts';
import { ensureStreams } from '../common/jetstream.ts';
import { DURABLE_NAME, startResultsConsumer } from './consumer.ts';
import { rankingRoot } from './keys.ts';
import { dueAnnouncements, gamesIn } from './announcements.ts';
import { homeView } from './home.ts';
import { badgeReply, duelRankReply, gameBadgesMessage, myScoreReply, personalLinkText, rankReply, scoreReply } from './replies.ts';
import { userPageUrl } from '../common/page-links.ts';
import { RankingStore } from './store.ts';

export interface RankingDeps {
  nc: NatsConnection;
  redis: Redis;
  subjects: Subjects;
  log: Logger;
  /** Base URL of the public pages (ingress), for the /myscore link. */
  publicUrl: string;
  /** Signs the personal page link sent after /myscore (page-links.ts). */
  pageLinkSecret: string;
  metricsPort?: number;
  metricsHost?: string;
  /** Injected clock for the "recent" window; Date.now in production. */
  now?: () => number;
  /** How often the badge outbox is retried when egress was unavailable. */
  outboxRetryMs?: number;
}

const SCORE_ROWS = 10;
/** `/rank duel` reads this many ratings (the reply shows the top and the asker's own). */
const DUEL_ROWS = 200;
const DUEL_WORDS: ReadonlySet<string> = new Set(['duel', 'duels', '대결']);
/** Outbox entries read per drain: enough for every badge of many big games at once. */
const OUTBOX_READ = 5_000;

/** Answers one ranking slash command; also used by tests directly. */
export async function answerQuery(store: RankingStore, q: RankingQuery, now: number): Promise<Reply> {
  const lang = q.lang;
  switch (q.kind) {
    case 'rank':
      if (DUEL_WORDS.has((q.text ?? '').trim().toLowerCase())) return duelRankReply(lang, await store.duelRatings(q.team, DUEL_ROWS), q.user);
      return rankReply(lang, await store.rank(q.team, q.channel, now), q.user);
    case 'score':
      return scoreReply(lang, await store.topScores(q.team, q.channel, SCORE_ROWS));
    case 'myscore':
      return myScoreReply(lang, await store.myScore(q.team, q.channel, q.user, now));
    case 'badge': {
      const [owned, user, team] = await Promise.all([store.badges(q.team, q.user), store.userStats(q.team, q.user), store.teamStats(q.team)]);
      return badgeReply(lang, owned, { user, team });
    }
    case 'home': {
      const [stats, bests, owned, recent] = await Promise.all([store.userStats(q.team, q.user), store.userBests(q.team, q.user), store.badges(q.team, q.user), store.userRecent(q.team, q.user)]);
      return homeView(lang, { user: q.user, stats, bests, badges: owned.user, teamBadges: owned.team, recent });
    }
  }
}

export async function start(deps: RankingDeps): Promise<RunningService> {
  const { nc, redis, subjects, log } = deps;
  const now = deps.now ?? Date.now;
  await ensureStreams(nc, subjects);
  const store = new RankingStore(redis, rankingRoot(subjects.prefix));

  const registry = createMetricsRegistry('ranking');
  const outcomes = new Counter({ name: 'sf_ranking_results_total', help: 'Results handled, by outcome (applied, duplicate, rejected, failed)', labelNames: ['outcome'], registers: [registry] });
  // The one lag metric: the watchdog reports every consumer's pending count under this name; each
  // ranking replica reports its own durable's, so the number exists even while the watchdog is down.
  const lag = new Gauge({ name: 'sf_consumer_pending', help: 'JetStream consumer lag (messages pending), by stream and consumer', labelNames: ['stream', 'consumer'], registers: [registry] });
  const setLag = (pending: number) => lag.set({ stream: subjects.streams.results, consumer: DURABLE_NAME }, pending);
  const queries = new Counter({ name: 'sf_ranking_queries_total', help: 'Ranking queries answered, by kind', labelNames: ['kind'], registers: [registry] });
  const badges = new Counter({ name: 'sf_ranking_badges_awarded_total', help: 'Badges awarded', registers: [registry] });

  // ---- badge announcements: outbox → egress ---------------------------------------------------
  const drainOnce = async (): Promise<void> => {
    try {
      const seen = await store.pendingAnnouncements(OUTBOX_READ);
      if (seen.length === 0) return;
      const finished = await store.finishedGames(gamesIn(seen));
      // Read again after asking: a game's final result and its last badges are written together,
      // so this read holds every badge of each game found finished (the first may predate them).
      const pending = await store.pendingAnnouncements(OUTBOX_READ);
      for (const a of dueAnnouncements(pending, finished, now())) {
        const message = gameBadgesMessage(a.lang, a.holders);
        await request(nc, subjects.egress('announce', a.team, a.channel), codecs.egressRequest, { type: MessageTypes.egressRequest, team: a.team, channel: a.channel, op: 'post', ...message, idempotencyKey: a.key }, codecs.egressReply);
        await store.announced(a.raws);
      }
    } catch (err) {
      // Egress down or refusing: the outbox keeps the rest for the next attempt.
      const e = asSurfingerError(err);
      log.warn({ code: e.code, reason: e.message }, 'badge announcement not posted yet');
    }
  };
  // One drain at a time; a call during one runs it once more after it, so a game finished
  // meanwhile is not left waiting for the retry timer.
  let draining: Promise<void> | null = null;
  let again = false;
  const drainOutbox = (): Promise<void> => {
    if (draining) {
      again = true;
      return draining;
    }
    draining = (async () => {
      do {
        again = false;
        await drainOnce();
      } while (again);
    })().finally(() => (draining = null));
    return draining;
  };
  const outboxTimer = setInterval(() => void drainOutbox(), deps.outboxRetryMs ?? 5_000);

  const consumer = await startResultsConsumer(nc, subjects, log, {
    checkpoint: (stream) => store.checkpointIn(stream),
    apply: async (items, appliedThrough, announcedThrough) => {
      const outcome = await store.applyBatch(items, { announce: true, appliedThrough, announcedThrough });
      if (outcome.announcements.length > 0) badges.inc(outcome.announcements.length);
      // A game's badges go out once its final result is applied, which may earn none itself.
      if (outcome.announcements.length > 0 || items.some((item) => item.result?.type === MessageTypes.gameResult)) void drainOutbox();
      return outcome;
    },
    onPending: setLag,
    onOutcome: (outcome) => outcomes.inc({ outcome }),
  });
  // The lag gauge also moves while no message arrives (e.g. the consumer is stuck behind Redis).
  const lagTimer = setInterval(() => {
    consumer.pending().then(setLag, () => undefined);
  }, 5_000);

  // The /myscore answer is in the channel; the page link goes to the player alone.
  const sendPersonalLink = async (q: RankingQuery): Promise<void> => {
    const text = personalLinkText(q.lang, userPageUrl(deps.publicUrl, deps.pageLinkSecret, q.team, q.user));
    const idempotencyKey = `mylink:${q.team}:${q.channel}:${q.user}:${now()}`;
    await request(nc, subjects.egress('reply', q.team, q.channel), codecs.egressRequest, { type: MessageTypes.egressRequest, team: q.team, channel: q.channel, op: 'ephemeral', user: q.user, text, idempotencyKey }, codecs.egressReply).catch(
      (err: unknown) => log.warn({ code: asSurfingerError(err).code, team: q.team }, 'personal page link not sent'),
    );
  };

  const service = await nc.services.add({ name: ServiceNames.ranking, version: '0.1.0', description: 'Leaderboards and badges from game results' });
  addEndpoint(service, 'query', {
    subject: subjects.rankingQuery(),
    queue: subjects.queues.ranking,
    input: codecs.rankingQuery,
    output: codecs.reply,
    log,
    handle: async (q) => {
      queries.inc({ kind: q.kind });
      if (q.kind === 'myscore') void sendPersonalLink(q);
      return answerQuery(store, q, now());
    },
  });

  const ops = await startOpsServer({ port: deps.metricsPort ?? 0, host: deps.metricsHost, registry, healthy: () => !nc.isClosed() && redis.status === 'ready' });
  void drainOutbox();

  return {
    info: { metricsUrl: ops.url },
    async stop() {
      await ops.close();
      await service.stop();
      clearInterval(lagTimer);
      await consumer.stop();
      clearInterval(outboxTimer);
      await draining;
      await store.close();
    },
  };
}
