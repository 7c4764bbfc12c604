import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HistoryEntry } from '../../services/actor-host/history.ts';
import type { ResultMessage } from '../../protocol/index.ts';

/**
 * The history checker of the chaos suite. Hosts record what they did (services/actor-host/
 * history.ts); this reads every host's records, plus the results stream and ranking's counters,
 * and checks the virtual-actor guarantees as properties of the whole history, not of one outcome:
 *
 * 1. Single activation: for each game, the periods in which hosts served it never overlap. A
 *    period starts at a lease claim and ends at the first of: the actor's stop, its incarnation's
 *    `lost`, and the end of its last renewed membership (`expiresAt`, when a killed or frozen host
 *    would have stopped acting by its own clock).
 * 2. Fencing token order: each game's lease claims have strictly increasing lease revisions in
 *    time (a re-claim by the incarnation that still holds the lease keeps its revision), its commits strictly increasing snapshot revisions, and every commit falls inside a
 *    period of the host that wrote it.
 * 3. Every accepted answer (committed, changing the game) is in exactly one round result.
 * 4. Results applied once: each resultId is in the stream once, and ranking's counters (HINCRBY,
 *    so a doubled apply shows) equal the sums over the stream.
 */

export interface Period {
  key: string;
  host: string;
  inc: string;
  leaseRev: number;
  start: number;
  end: number;
}

export interface Verdict {
  histories: number;
  records: number;
  periods: number;
  commits: number;
  answersAccepted: number;
  resultsStored: number;
  lost: number;
  doubled: number;
  violations: string[];
}

export function readHistory(dir: string): HistoryEntry[] {
  const entries: HistoryEntry[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.jsonl'))) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      // A host killed mid-write leaves at most a torn last line: it is not a record.
      if (line.trim() === '') continue;
      try {
        entries.push(JSON.parse(line) as HistoryEntry);
      } catch {
        continue;
      }
    }
  }
  return entries.sort((a, b) => a.at - b.at);
}

/** Serving periods per game, from claims to the first thing that ends them. */
export function periodsOf(history: readonly HistoryEntry[]): Period[] {
  const lastExpiry = new Map<string, number>();
  const lostAt = new Map<string, number[]>();
  for (const e of history) {
    if (e.kind === 'member') lastExpiry.set(e.inc, Math.max(lastExpiry.get(e.inc) ?? 0, e.expiresAt));
    if (e.kind === 'lost') lostAt.set(e.inc, [...(lostAt.get(e.inc) ?? []), e.at]);
  }
  const periods: Period[] = [];
  const open = new Map<string, Period>();
  const close = (p: Period, at: number) => {
    p.end = Math.min(p.end, at);
    open.delete(`${p.inc}|${p.key}`);
  };
  for (const e of history) {
    if (e.kind === 'claim') {
      const prior = open.get(`${e.inc}|${e.key}`);
      // Claiming again what we hold (a retried activation) continues the period.
      if (prior) continue;
      const lost = (lostAt.get(e.inc) ?? []).find((t) => t >= e.at) ?? Infinity;
      const p: Period = { key: e.key, host: e.host, inc: e.inc, leaseRev: e.leaseRev, start: e.at, end: Math.min(lost, lastExpiry.get(e.inc) ?? e.at) };
      periods.push(p);
      open.set(`${e.inc}|${e.key}`, p);
    } else if (e.kind === 'stop') {
      const p = open.get(`${e.inc}|${e.key}`);
      if (p) close(p, e.at);
    } else if (e.kind === 'lost') {
      for (const p of [...open.values()]) if (p.inc === e.inc) close(p, e.at);
    }
  }
  return periods;
}

/** Properties 1 and 2: single activation and fencing-token order. */
export function checkLeases(history: readonly HistoryEntry[]): { periods: Period[]; commits: number; violations: string[] } {
  const violations: string[] = [];
  const periods = periodsOf(history);
  const byKey = new Map<string, Period[]>();
  for (const p of periods) byKey.set(p.key, [...(byKey.get(p.key) ?? []), p]);
  for (const [key, ps] of byKey) {
    for (let i = 1; i < ps.length; i++) {
      const [a, b] = [ps[i - 1]!, ps[i]!];
      // The same incarnation claiming again what it still holds (after a failed activation) gets
      // the same revision back (directory.ts): only another holder needs a newer token.
      const sameHolder = b.inc === a.inc && b.leaseRev === a.leaseRev;
      if (b.leaseRev <= a.leaseRev && !sameHolder) violations.push(`${key}: lease rev ${b.leaseRev} (${b.host}) claimed after rev ${a.leaseRev} (${a.host})`);
      for (let j = 0; j < i; j++) {
        const o = ps[j]!;
        if (o.inc !== b.inc && b.start < o.end) violations.push(`${key}: ${b.host} served from ${b.start} while ${o.host} served until ${o.end} (overlap ${o.end - b.start} ms)`);
      }
    }
  }
  let commits = 0;
  const lastSnap = new Map<string, { rev: number; host: string }>();
  for (const e of history) {
    if (e.kind !== 'commit') continue;
    commits++;
    const prev = lastSnap.get(e.key);
    if (prev && e.snapRev <= prev.rev) violations.push(`${e.key}: snapshot rev ${e.snapRev} by ${e.host} committed after rev ${prev.rev} by ${prev.host}`);
    lastSnap.set(e.key, { rev: e.snapRev, host: e.host });
    const inside = (byKey.get(e.key) ?? []).some((p) => p.inc === e.inc && p.start <= e.at && e.at <= p.end);
    if (!inside) violations.push(`${e.key}: ${e.host} committed snapshot rev ${e.snapRev} at ${e.at} outside any period it served`);
  }
  return { periods, commits, violations };
}

/** Property 3: every accepted answer is in exactly one round result (matched by game, user, text). */
export function checkAnswers(history: readonly HistoryEntry[], results: readonly ResultMessage[]): { accepted: number; lost: number; doubled: number; violations: string[] } {
  const violations: string[] = [];
  const accepted = new Map<string, { gameId: string; user: string; text: string }>();
  for (const e of history) if (e.kind === 'answer') accepted.set(e.eventId, { gameId: e.gameId, user: e.user, text: e.text.trim() });
  const inResults = new Map<string, number>();
  for (const r of results) {
    if (r.type !== 'surfinger.result.v1.round') continue;
    for (const entry of r.entries) {
      const k = `${r.gameId}|${entry.user}|${entry.text.trim()}`;
      inResults.set(k, (inResults.get(k) ?? 0) + 1);
    }
  }
  let lost = 0;
  let doubled = 0;
  // One answer per user and round: the same text accepted twice in one game (two rounds) is two answers.
  const wanted = new Map<string, number>();
  for (const a of accepted.values()) wanted.set(`${a.gameId}|${a.user}|${a.text}`, (wanted.get(`${a.gameId}|${a.user}|${a.text}`) ?? 0) + 1);
  for (const [k, n] of wanted) {
    const got = inResults.get(k) ?? 0;
    if (got < n) {
      lost += n - got;
      violations.push(`accepted answer ${k} is in ${got} results, wanted ${n}`);
    } else if (got > n) {
      doubled += got - n;
      violations.push(`accepted answer ${k} is in ${got} results, wanted ${n}`);
    }
  }
  return { accepted: accepted.size, lost, doubled, violations };
}

/** Property 4: each result once in the stream, and ranking's counters equal to the stream's sums. */
export function checkApplied(results: readonly ResultMessage[], totals: Record<string, number>): { doubled: number; violations: string[] } {
  const violations: string[] = [];
  const ids = results.map((r) => r.resultId);
  const doubled = ids.length - new Set(ids).size;
  if (doubled > 0) violations.push(`${doubled} results are in the stream twice`);
  const rounds = results.filter((r) => r.type === 'surfinger.result.v1.round');
  const expect = {
    rounds: rounds.length,
    answers: rounds.reduce((n, r) => n + r.entries.length, 0),
    games: results.length - rounds.length,
  };
  for (const [field, n] of Object.entries(expect)) {
    const got = totals[field] ?? 0;
    if (got !== n) violations.push(`ranking counted ${got} ${field}, the stream holds ${n}`);
  }
  return { doubled, violations };
}

export function checkHistory(dir: string, results: readonly ResultMessage[], totals: Record<string, number>): Verdict {
  const history = readHistory(dir);
  const leases = checkLeases(history);
  const answers = checkAnswers(history, results);
  const applied = checkApplied(results, totals);
  return {
    histories: new Set(history.map((e) => e.inc)).size,
    records: history.length,
    periods: leases.periods.length,
    commits: leases.commits,
    answersAccepted: answers.accepted,
    resultsStored: new Set(results.map((r) => r.resultId)).size,
    lost: answers.lost,
    doubled: answers.doubled + applied.doubled,
    violations: [...leases.violations, ...answers.violations, ...applied.violations],
  };
}
