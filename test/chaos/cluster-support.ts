import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestContext } from 'node:test';
import { MessageTypes, type GameInbound, type ResultMessage } from '../../protocol/index.ts';
import { REPO_ROOT } from '../../services/local/cluster.ts';
import type { NatsClusterNode } from '../../services/local/local-nats-cluster.ts';
import { sendToGame } from '../../services/actor-host/client.ts';
import { readResults } from '../../services/actor-host/testing.ts';
import { actorKey } from '../../services/actor-host/records.ts';
import { openRankingReads } from '../../services/ranking/reads.ts';
import { checkHistory, readHistory, type Verdict } from '../support/history.ts';
import { assertLedgers, startChaos, startGames, type Chaos, type ChaosOptions } from './support.ts';

/**
 * The cluster chaos suite (docs/runtime.md, "Failure guarantees"): the same cluster as the other
 * chaos files, on a 3-server NATS cluster (JetStream R3) and/or Redis with Sentinel, with every
 * actor host recording its history. Each nemesis plays a handful of short games through it,
 * then the history checker judges the whole run so far.
 */

/** Normal-mode games: a 3 s countdown, then the prompt; answers typed after ~4.5 s land mid-round. */
export const MID_ROUND_MS = 4_500;

export interface ClusterChaos extends Chaos {
  historyDir: string;
}

export async function startClusterChaos(name: string, opts: Omit<ChaosOptions, 'historyDir'>): Promise<ClusterChaos> {
  const historyDir = join(REPO_ROOT, 'test-output', name, 'history');
  rmSync(historyDir, { recursive: true, force: true });
  mkdirSync(historyDir, { recursive: true });
  return Object.assign(await startChaos({ ...opts, historyDir }), { historyDir });
}

let eventNo = 0;
/** Every channel's player types `text`; returns how many got an answer from a live actor. */
export async function answerAll(c: Chaos, channels: string[], user: string, text: string): Promise<number> {
  const replies = await Promise.allSettled(
    channels.map((channel) => {
      eventNo++;
      const msg: GameInbound = { type: MessageTypes.gameMessage, team: c.team, channel, user, text, ts: `${Date.now() / 1000}`, eventId: `EvCluster${process.pid}-${eventNo}`, receivedAt: Date.now() };
      // Activating, as ingress does for a channel whose game is running (its lease watch): an answer
      // that arrives while the game moves waits for the new host instead of being dropped as chat.
      return sendToGame(c.nc, c.subjects, msg, { activate: true, budgetMs: 15_000 });
    }),
  );
  return replies.filter((r) => r.status === 'fulfilled' && r.value?.ok === true).length;
}

/**
 * The node JetStream names leader of `stream` (a KV bucket's stream is `KV_<bucket>`). Stream
 * info is answered by the leader, so while there is none it times out: a short timeout keeps the
 * election time measured by `killLeader` within half a second.
 */
export async function streamLeader(c: Chaos, stream: string): Promise<NatsClusterNode> {
  assert.ok(c.cluster.natsCluster, 'a NATS cluster');
  for (let attempt = 0; ; attempt++) {
    try {
      const jsm = await c.nc.jetstreamManager({ timeout: 500, checkAPI: false });
      const info = await jsm.streams.info(stream);
      const leader = info.cluster?.leader;
      if (leader) return c.cluster.natsCluster.node(leader);
    } catch (err) {
      if (attempt > 100) throw err;
    }
    await sleep(200);
  }
}

/**
 * Kills `stream`'s leader and answers how long JetStream took to name another (the window in
 * which writes to it answer 503 or time out). The caller restarts the node.
 */
export async function killLeader(c: Chaos, stream: string): Promise<{ node: NatsClusterNode; electedMs: number }> {
  const node = await streamLeader(c, stream);
  node.kill();
  const killedAt = Date.now();
  for (;;) {
    const next = await streamLeader(c, stream);
    if (next !== node) return { node, electedMs: Date.now() - killedAt };
    await sleep(50);
  }
}

/** Results of these channels' games once all have their final result; tolerant of NATS failing over. */
export async function waitForFinished(c: Chaos, channels: string[], timeoutMs = 90_000): Promise<ResultMessage[]> {
  const wanted = new Set(channels);
  const until = Date.now() + timeoutMs;
  for (;;) {
    const all = await readResults(c.nc, c.subjects).catch(() => null);
    if (all) {
      const finished = new Set(all.filter((r) => r.type === MessageTypes.gameResult && wanted.has(r.channel)).map((r) => r.channel));
      if (finished.size === wanted.size) return all;
      if (Date.now() > until) throw new Error(`only ${finished.size}/${wanted.size} games finished`);
    }
    await sleep(500);
  }
}

function rankingTotals(c: Chaos): Promise<Record<string, number>> {
  return openRankingReads(c.redis, c.subjects.prefix).totals();
}

export interface NemesisReport {
  nemesis: string;
  gamesPlayed: number;
  /** Answers a live actor replied to (the player's side). */
  answersAcknowledged: number;
  /** Answers the hosts recorded as committed for this nemesis' games (the history's side). */
  answersAccepted: number;
  /** Round and game results in the stream for this nemesis' games. */
  resultsStored: number;
  lost: number;
  doubled: number;
  /** The history checker over the whole run so far (this file's earlier nemeses included). */
  verdict: Verdict;
}

/** The line `npm run test:chaos` prints per nemesis (acceptance 1 of issue 17). */
export function describeReport(r: NemesisReport): string {
  const v = r.verdict;
  return (
    `${r.nemesis}: games played ${r.gamesPlayed}, answers accepted ${r.answersAccepted} (acknowledged ${r.answersAcknowledged}), results stored ${r.resultsStored}, lost ${r.lost}, doubled ${r.doubled}; ` +
    `history checker: ${v.histories} host histories, ${v.records} records, ${v.periods} lease periods, ${v.commits} commits, ${v.answersAccepted} answers, ${v.resultsStored} results checked, ${v.violations.length} violations`
  );
}

/**
 * One nemesis: start `channels.length` games, answer mid-round, run `nemesis`, answer again, wait
 * for every game to finish, then check the whole history (this file's earlier nemeses included).
 * Ranking catches up asynchronously, so its counters get a while to match the stream.
 */
export async function playNemesis(t: TestContext, c: ClusterChaos, nemesis: string, channels: string[], act: () => Promise<void>): Promise<NemesisReport> {
  await startGames(c, channels);
  await sleep(MID_ROUND_MS);
  let acknowledged = await answerAll(c, channels, c.users[1]!, `typed before ${nemesis}`);
  await act();
  acknowledged += await answerAll(c, channels, c.users[2]!, `typed after ${nemesis}`);
  let results = await waitForFinished(c, channels);
  let verdict = checkHistory(c.historyDir, results, await rankingTotals(c));
  for (const until = Date.now() + 30_000; verdict.violations.some((v) => v.startsWith('ranking counted')) && Date.now() < until; ) {
    await sleep(500);
    results = (await readResults(c.nc, c.subjects).catch(() => null)) ?? results;
    verdict = checkHistory(c.historyDir, results, await rankingTotals(c).catch(() => ({})));
  }
  const mine = results.filter((r) => channels.includes(r.channel));
  await assertLedgers(c, mine);
  const keys = new Set(channels.map((channel) => actorKey(c.team, channel)));
  const accepted = readHistory(c.historyDir).filter((e) => e.kind === 'answer' && keys.has(e.key)).length;
  const report: NemesisReport = {
    nemesis,
    gamesPlayed: channels.length,
    answersAcknowledged: acknowledged,
    answersAccepted: accepted,
    resultsStored: new Set(mine.map((r) => r.resultId)).size,
    lost: verdict.lost,
    doubled: verdict.doubled,
    verdict,
  };
  t.diagnostic(describeReport(report));
  assert.deepEqual(verdict.violations, [], `history checker violations after ${nemesis}`);
  assert.equal(report.lost, 0, 'accepted answers lost');
  assert.equal(report.doubled, 0, 'results or answers doubled');
  assert.ok(report.answersAccepted > 0, 'some answers were accepted');
  return report;
}
