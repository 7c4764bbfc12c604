import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HistoryEntry } from '../../services/actor-host/history.ts';
import type { ResultMessage } from '../../protocol/index.ts';
import { checkAnswers, checkApplied, checkLeases } from './history.ts';

const K = 'T1.C1';
const member = (host: string, inc: string, at: number, expiresAt: number): HistoryEntry => ({ kind: 'member', host, inc, at, expiresAt });
const claim = (host: string, inc: string, at: number, leaseRev: number): HistoryEntry => ({ kind: 'claim', host, inc, at, key: K, leaseRev });
const commit = (host: string, inc: string, at: number, snapRev: number): HistoryEntry => ({ kind: 'commit', host, inc, at, key: K, snapRev, leaseRev: 1 });
const stop = (host: string, inc: string, at: number): HistoryEntry => ({ kind: 'stop', host, inc, at, key: K, reason: 'released' });

function round(gameId: string, users: Array<[string, string]>, round = 1): ResultMessage {
  return {
    type: 'surfinger.result.v1.round', resultId: `${gameId}:${round}`, gameId, team: 'T1', channel: 'C1', mode: 'normal', round, lang: 'en', promptId: 'p', prompt: 'x', level: 1,
    mission: null, startedAt: 0, deadline: 1, missed: [], winners: [],
    entries: users.map(([user, text]) => ({ user, text, accuracy: 100, speed: 1, wpm: 1, score: 1, elapsedMs: 1, pasted: false, flagged: false, rank: 1, eliminated: false })),
  };
}

test('history checker - a handover after the old host stopped is clean', () => {
  const h = [member('a', 'a1', 0, 2_000), claim('a', 'a1', 10, 1), commit('a', 'a1', 20, 5), stop('a', 'a1', 30), member('b', 'b1', 31, 3_000), claim('b', 'b1', 40, 2), commit('b', 'b1', 50, 6)];
  assert.deepEqual(checkLeases(h).violations, []);
});

test('history checker - two hosts serving one game in overlapping lease periods is a violation', () => {
  // a's membership runs to 2,000 and it never stopped: b claiming at 1,000 overlaps it.
  const h = [member('a', 'a1', 0, 2_000), claim('a', 'a1', 10, 1), member('b', 'b1', 5, 3_000), claim('b', 'b1', 1_000, 2)];
  assert.match(checkLeases(h).violations.join('\n'), /overlap 1000 ms/);
});

test('history checker - the holder claiming its lease again after a failed activation keeps the revision and is clean', () => {
  // Found on the cluster chaos run: the activation's snapshot write failed during a NATS leader
  // change, the actor stopped, and the retried activation found the lease still ours at rev 38.
  const h = [member('a', 'a1', 0, 2_000), claim('a', 'a1', 10, 38), stop('a', 'a1', 20), claim('a', 'a1', 30, 38), commit('a', 'a1', 40, 5)];
  assert.deepEqual(checkLeases(h).violations, []);
  const other = [member('a', 'a1', 0, 2_000), claim('a', 'a1', 10, 38), stop('a', 'a1', 20), member('b', 'b1', 0, 2_000), claim('b', 'b1', 30, 38)];
  assert.match(checkLeases(other).violations.join('\n'), /lease rev 38 \(b\) claimed after rev 38 \(a\)/);
});

test('history checker - a snapshot revision going backwards breaks fencing order', () => {
  const h = [member('a', 'a1', 0, 2_000), claim('a', 'a1', 10, 1), commit('a', 'a1', 20, 7), commit('a', 'a1', 30, 6)];
  assert.match(checkLeases(h).violations.join('\n'), /snapshot rev 6 .* after rev 7/);
});

test('history checker - a commit after the membership expired is outside any period', () => {
  const h = [member('a', 'a1', 0, 2_000), claim('a', 'a1', 10, 1), commit('a', 'a1', 2_500, 5)];
  assert.match(checkLeases(h).violations.join('\n'), /outside any period/);
});

test('history checker - an accepted answer missing from every result is lost, one in two results is doubled', () => {
  const answer = (eventId: string, user: string, text: string): HistoryEntry => ({ kind: 'answer', host: 'a', inc: 'a1', at: 1, key: K, gameId: 'g1', user, text, eventId });
  const h = [answer('e1', 'U1', 'hello'), answer('e2', 'U2', 'world')];
  const lostOne = checkAnswers(h, [round('g1', [['U1', 'hello']])]);
  assert.equal(lostOne.lost, 1);
  const doubled = checkAnswers(h, [round('g1', [['U1', 'hello'], ['U2', 'world']]), round('g1', [['U1', 'hello']], 2)]);
  assert.equal(doubled.doubled, 1);
  assert.deepEqual(checkAnswers(h, [round('g1', [['U1', 'hello'], ['U2', 'world']])]).violations, []);
});

test('history checker - ranking counters above the stream sums mean a result was applied twice', () => {
  const results = [round('g1', [['U1', 'a'], ['U2', 'b']])];
  assert.deepEqual(checkApplied(results, { rounds: 1, answers: 2, games: 0 }).violations, []);
  assert.match(checkApplied(results, { rounds: 2, answers: 4, games: 0 }).violations.join('\n'), /ranking counted 2 rounds/);
});
