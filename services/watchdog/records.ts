import type { RankingReads } from '../ranking/reads.ts';
import type { RecordsReader } from './service.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Games per day and known teams, read (never written) from the ranking service's store. */
export class RankingRecords implements RecordsReader {
  constructor(private readonly store: RankingReads) {}

  async gamesToday(now: number): Promise<{ day: string; games: number }> {
    const [today] = await this.store.gamesPerDay(1, now);
    return today ?? { day: new Date(now).toISOString().slice(0, 10), games: 0 };
  }

  async knownTeams(now: number): Promise<number> {
    return (await this.store.activeCounts(now, DAY_MS)).totalTeams;
  }
}
