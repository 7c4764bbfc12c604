import { appendFileSync } from 'node:fs';

/**
 * What a host did that the single-activation and exactly-once guarantees are about, recorded for
 * the history checker (test/support/history.ts) when SF_HISTORY_DIR is set: the chaos suite runs
 * with it, production never does. Each record carries the wall time it happened; all hosts of a
 * local cluster share one clock, so records of different hosts are comparable.
 *
 * - `member`: our membership (incarnation) is valid until `expiresAt` in every other host's eyes.
 * - `lost`: we stopped trusting our membership (we fence every actor now).
 * - `claim`: the lease of `key` is ours as of lease revision `leaseRev` (the fencing token for leases).
 * - `commit`: we wrote the snapshot of `key` at snapshot revision `snapRev` (the token for state).
 * - `stop`: we no longer serve `key` (fenced, released, passivated, activation failed).
 * - `answer`: a player's answer changed the game and was committed: it must be in exactly one result.
 * Results need no record: the deduplicated results stream itself is their history.
 */
export type HistoryRecord =
  | { kind: 'member'; expiresAt: number }
  | { kind: 'lost' }
  | { kind: 'claim'; key: string; leaseRev: number }
  | { kind: 'commit'; key: string; snapRev: number; leaseRev: number }
  | { kind: 'stop'; key: string; reason: string }
  | { kind: 'answer'; key: string; gameId: string; user: string; text: string; eventId: string };

export type HistoryEntry = HistoryRecord & { host: string; inc: string; at: number };

export interface History {
  record(inc: string, record: HistoryRecord): void;
}

export const noHistory: History = { record: () => undefined };

/**
 * Appends one JSON line per record with a synchronous write: the line is in the kernel before the
 * host goes on, so a `kill -9` right after loses nothing the host did (the chaos suite's point).
 */
export function fileHistory(path: string, host: string, now: () => number = Date.now): History {
  return {
    record(inc, record) {
      appendFileSync(path, `${JSON.stringify({ ...record, host, inc, at: now() })}\n`);
    },
  };
}
