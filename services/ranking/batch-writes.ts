import { Packr } from 'msgpackr';

/**
 * Every write of one batch, packed into a single msgpack argument of the apply script (store.ts).
 * A 256-result batch is thousands of commands; sent one by one, encoding them and their replies
 * cost the ranking service more than Redis spends running them.
 *
 * Sorted-set adds and counter increments are merged per key, so a batch costs about one command
 * per key touched rather than several per record. Merging is exact — a batch still ends in the
 * state one-by-one applies reach:
 * 1. A sorted set trimmed to its top N after every add holds the same members as one trimmed once
 *    after all of them: members are only added, so one pushed out can never be back in the top N
 *    (the order — score, then member — is total).
 * 2. `GT` adds in one variadic ZADD are applied in order, each keeping the larger score.
 * 3. Increments of one field add up; fields are created in the order of their first increment.
 */
export class BatchWrites {
  // Arguments are kept as the decimal strings ioredis would send for numbers, so stored values are
  // the same as with plain commands.
  private readonly commands: string[][] = [];
  private readonly zsets = new Map<string, { gt: boolean; keep: number | null; pairs: string[] }>();
  private readonly increments = new Map<string, { kind: 'hash' | 'zset'; by: Map<string, number> }>();

  /** A write kept as is, run before the merged ones, in the order given. */
  command(name: string, ...args: Array<string | number>): void {
    this.commands.push([name, ...args.map(String)]);
  }

  /** A variadic write such as SADD or RPUSH of any number of values (sent in slices, in order). */
  append(name: string, key: string, values: readonly string[]): void {
    for (let i = 0; i < values.length; i += SLICE) this.commands.push([name, key, ...values.slice(i, i + SLICE)]);
  }

  /** Adds `member` (`gt`: only ever raising its score); `keep` trims the set to its N highest. */
  zadd(key: string, score: number, member: string, options: { gt?: boolean; keep?: number } = {}): void {
    let set = this.zsets.get(key);
    if (!set) this.zsets.set(key, (set = { gt: options.gt ?? false, keep: options.keep ?? null, pairs: [] }));
    set.pairs.push(String(score), member);
  }

  hincrby(key: string, field: string, by: number): void {
    this.increment('hash', key, field, by);
  }

  zincrby(key: string, member: string, by: number): void {
    this.increment('zset', key, member, by);
  }

  private increment(kind: 'hash' | 'zset', key: string, field: string, by: number): void {
    let counters = this.increments.get(key);
    if (!counters) this.increments.set(key, (counters = { kind, by: new Map() }));
    counters.by.set(field, (counters.by.get(field) ?? 0) + by);
  }

  /** Every write, in run order, as commands. */
  list(): string[][] {
    const out = [...this.commands];
    for (const [key, { gt, keep, pairs }] of this.zsets) {
      for (let i = 0; i < pairs.length; i += 2 * SLICE) out.push(['ZADD', key, ...(gt ? ['GT'] : []), ...pairs.slice(i, i + 2 * SLICE)]);
      if (keep !== null) out.push(['ZREMRANGEBYRANK', key, '0', String(-(keep + 1))]);
    }
    for (const [key, { kind, by }] of this.increments) {
      for (const [field, n] of by) out.push(kind === 'hash' ? ['HINCRBY', key, field, String(n)] : ['ZINCRBY', key, String(n), field]);
    }
    return out;
  }

  /** The commands as one msgpack array of arrays of strings, for the apply script. */
  pack(): Buffer {
    return packr.pack(this.list());
  }
}

const packr = new Packr({ useRecords: false });
/** Values per variadic command: the script's unpack() takes at most ~8,000 arguments. */
const SLICE = 1_000;
