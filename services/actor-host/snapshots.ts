import type { KV } from 'nats';
import { SurfingerError } from '../../protocol/index.ts';
import { isCasConflict } from './leases.ts';
import { ActorHostErrorCodes } from './errors.ts';
import { recordCodecs, type SnapshotRecord } from './records.ts';

export interface StoredSnapshot {
  /** null when the stored bytes are unreadable (SF_ERR_ACTOR_RECORD_CORRUPT): the caller starts afresh over them. */
  record: SnapshotRecord | null;
  /** KV revision: the fencing token the next write must present. */
  rev: number;
}

/**
 * Game snapshots in the `snapshots` KV bucket. Every write is a compare-and-set on the revision
 * the writer last saw, so once a new owner has written (it always writes once on activation), the
 * old owner's next write fails with SF_ERR_LEASE_LOST: it is fenced off.
 */
export class SnapshotStore {
  constructor(private readonly kv: KV) {}

  async load(key: string): Promise<StoredSnapshot | null> {
    const entry = await this.kv.get(key);
    if (entry === null || entry.operation !== 'PUT') return null;
    try {
      return { record: recordCodecs.snapshot.decode(entry.value), rev: entry.revision };
    } catch {
      return { record: null, rev: entry.revision };
    }
  }

  /** Keys matching a KV filter (e.g. every tournament's). */
  async keys(filter: string): Promise<string[]> {
    const out: string[] = [];
    for await (const key of await this.kv.keys(filter)) out.push(key);
    return out.sort();
  }

  /** Writes `record` if the stored revision is still `rev` (0 = must not exist yet); returns the new revision. */
  async save(key: string, record: SnapshotRecord, rev: number): Promise<number> {
    const bytes = recordCodecs.snapshot.encode(record);
    try {
      return rev === 0 ? await this.kv.create(key, bytes) : await this.kv.update(key, bytes, rev);
    } catch (err) {
      if (!isCasConflict(err)) throw err;
      // A retried write whose first attempt landed but went unanswered: recognise our own commit.
      const now = await this.load(key);
      if (now?.record && now.record.commit === record.commit && now.record.owner.incarnation === record.owner.incarnation) return now.rev;
      throw new SurfingerError(ActorHostErrorCodes.LEASE_LOST, `snapshot ${key} was written by another owner`, { cause: err });
    }
  }
}
