import type { Redis } from 'ioredis';

/** One finished (or failed) job run, newest first in the history list the admin page shows. */
export interface JobRun {
  job: string;
  period: string;
  holder: string;
  startedAt: number;
  finishedAt: number;
  ok: boolean;
  /** What the run did, small and human-readable (counts, what moved). */
  summary: Record<string, unknown>;
  error?: string;
}

const KEEP = 200;

function historyKey(prefix: string): string {
  return `${prefix}:sched:history`;
}

export class JobHistory {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.key = historyKey(prefix);
  }

  async record(run: JobRun): Promise<void> {
    await this.redis.multi().lpush(this.key, JSON.stringify(run)).ltrim(this.key, 0, KEEP - 1).exec();
  }

  async recent(limit = 50): Promise<JobRun[]> {
    return (await this.redis.lrange(this.key, 0, limit - 1)).map((raw) => JSON.parse(raw) as JobRun);
  }
}
