import type { NatsConnection } from 'nats';
import { asSurfingerError, SurfingerError, type Subjects } from '../../protocol/index.ts';
import type { Logger } from '../common/logger.ts';
import { readInBatches, toItem } from './consumer.ts';
import { RankingErrorCodes } from './errors.ts';
import type { Redis } from 'ioredis';
import { rankingRoot } from './keys.ts';
import { RankingStore } from './store.ts';

export interface RebuildReport {
  generation: string;
  previous: string;
  /** Stream messages read (both passes). */
  read: number;
  applied: number;
  rejected: number;
  droppedKeys: number;
}

/**
 * Re-reads the whole results stream into a fresh generation and makes it live:
 * 1. take a new generation id and note the stream (its creation time) and its last sequence;
 * 2. apply every message up to it, in stream order and in batches, to the new generation (no
 *    announcements: badges were announced the first time);
 * 3. hold live applies (the live consumer waits with its current batch, so it keeps stream order);
 * 4. catch up on whatever arrived meanwhile (anything the live consumer put into the old generation
 *    is in the stream before the hold, so this pass covers it);
 * 5. flip the generation pointer and release the hold — the live consumer resumes on the new
 *    generation, whose checkpoint is at or past its own position, so it skips what the rebuild
 *    applied;
 * 6. drop the old generation's keys.
 * Because apply is a deterministic fold over stream order, the new keys equal the old ones.
 */
/** `rebuildRanking` over `subjects.prefix`'s ranking data (the operator's `surfinger ranking rebuild`). */
export async function rebuildRankingOf(nc: NatsConnection, subjects: Subjects, redis: Redis, log: Logger): Promise<RebuildReport> {
  const store = new RankingStore(redis, rankingRoot(subjects.prefix));
  try {
    return await rebuildRanking(nc, subjects, store, log);
  } finally {
    await store.close();
  }
}

export async function rebuildRanking(nc: NatsConnection, subjects: Subjects, store: RankingStore, log: Logger): Promise<RebuildReport> {
  const stream = subjects.streams.results;
  const jsm = await nc.jetstreamManager();
  const generation = await store.newGeneration();
  const report: RebuildReport = { generation, previous: '', read: 0, applied: 0, rejected: 0, droppedKeys: 0 };

  // The stream the new generation counts in (its creation time), known once the rebuild starts.
  let created = '';
  const replay = async (from: number, until: number): Promise<void> => {
    if (until < from) return;
    const reader = readInBatches(nc, stream, { from, until, created }, (m) => toItem(m, log), async (items) => {
      report.read += items.length;
      const outcome = await store.applyBatch(items, { gen: generation });
      report.applied += outcome.outcomes.filter((o) => o === 'applied').length;
      report.rejected += outcome.outcomes.filter((o) => o === 'rejected').length;
    });
    await reader.done;
  };

  try {
    const lastSeq = async () => (await jsm.streams.info(stream)).state.last_seq;
    created = (await jsm.streams.info(stream)).created;
    await store.checkpointIn(created, generation);
    const firstPassEnd = await lastSeq();
    await replay(1, firstPassEnd);
    await store.holdLiveApplies();
    try {
      await replay(firstPassEnd + 1, await lastSeq());
      report.previous = await store.swapGeneration(generation);
    } finally {
      await store.releaseLiveApplies();
    }
    report.droppedKeys = await store.dropGeneration(report.previous);
  } catch (err) {
    throw new SurfingerError(RankingErrorCodes.REBUILD_FAILED, `rebuild into generation ${generation} failed: ${asSurfingerError(err).message}`, { cause: err });
  }
  log.info({ ...report }, 'ranking rebuilt');
  return report;
}
