import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../actor-host/clock.ts';
import { isLagging, lateMembers, nextMembers, Ownership, planReconcile, type HeldView } from './ownership.ts';
import { ownerOf } from './sharding.ts';

const HB = 500;
const TTL = 3_000;

describe('supervisor ownership (pure, manual clock)', () => {
  it('a member whose heartbeat is older than the TTL drops out; we always count ourselves', () => {
    const clock = new ManualClock(0);
    const beats = [{ id: 'a', at: clock.now() }, { id: 'b', at: clock.now() }];
    clock.advance(TTL - 1);
    const input = { self: 'c', beats, gone: new Set<string>(), previous: ['a', 'b', 'c'], heard: () => true, lagging: false, ttlMs: TTL };
    assert.deepEqual(nextMembers({ ...input, now: clock.now() }), ['a', 'b', 'c']);
    clock.advance(1);
    assert.deepEqual(nextMembers({ ...input, now: clock.now() }), ['c']);
  });

  it('a member proven dead (no responders) leaves at once; a late one is probed, not dropped', () => {
    const clock = new ManualClock(0);
    const beats = [{ id: 'a', at: 0 }, { id: 'b', at: 0 }, { id: 'c', at: 0 }];
    clock.advance(3 * HB + 1);
    assert.deepEqual(lateMembers(beats, 'c', clock.now(), HB, TTL), ['a', 'b'], 'late but within the TTL: ask them, not us');
    assert.deepEqual(nextMembers({ self: 'c', beats, gone: new Set(['a']), previous: ['a', 'b', 'c'], heard: () => true, lagging: false, now: clock.now(), ttlMs: TTL }), ['b', 'c']);
    clock.advance(TTL);
    assert.deepEqual(lateMembers(beats, 'c', clock.now(), HB, TTL), [], 'past the TTL nobody is asked: they are out');
  });

  it('while our own heartbeat lags, nobody we still hear is declared dead', () => {
    assert.equal(isLagging(0, 10_000, HB), false, 'the first beat');
    assert.equal(isLagging(1_000, 1_000 + 3 * HB, HB), false);
    assert.equal(isLagging(1_000, 1_000 + 3 * HB + 1, HB), true);
    const stale = [{ id: 'a', at: 0 }];
    const input = { self: 'c', beats: stale, gone: new Set<string>(), previous: ['a', 'c'], heard: (m: string) => m === 'a', now: 10 * TTL, ttlMs: TTL };
    assert.deepEqual(nextMembers({ ...input, lagging: true }), ['a', 'c']);
    assert.deepEqual(nextMembers({ ...input, lagging: false }), ['c']);
    assert.deepEqual(nextMembers({ ...input, lagging: true, heard: () => false }), ['c'], 'a member whose record is gone is gone');
  });

  it('ownership follows the member list and is recomputed only when it changes', () => {
    const o = new Ownership('b');
    assert.equal(o.owns('T1'), true, 'alone, we own everything');
    assert.equal(o.setMembers(['a', 'b']), true);
    assert.equal(o.setMembers(['a', 'b']), false);
    for (const unit of ['T1', 'T2', 'T3', 'T4']) assert.equal(o.owns(unit), ownerOf(unit, ['a', 'b']) === 'b', unit);
  });

  it('reconcile opens owned units past their backoff, closes removed ones, hands off after the overlap', () => {
    const clock = new ManualClock(0);
    const overlapMs = 2 * HB;
    const mine = new Set(['T1', 'T2', 'T4']);
    const held = new Map<string, HeldView>([
      ['T3', { leavingSince: null }],
      ['T4', { leavingSince: 5 }],
      ['T9', { leavingSince: null }],
    ]);
    const failedUntil = new Map([['T2', { until: 100 }], ['T8', { until: 0 }]]);
    const plan = (now: number) => planReconcile({ wanted: new Set(['T1', 'T2', 'T3', 'T4']), held, failedUntil, owns: (u) => mine.has(u), now, overlapMs });

    const first = plan(clock.now());
    assert.deepEqual(first.open, ['T1', 'T4'], 'T2 waits out its backoff');
    assert.deepEqual(first.forget, ['T8']);
    assert.deepEqual(first.close, [{ unit: 'T9', why: 'removed' }]);
    assert.deepEqual(first.leaving, [['T3', 0], ['T4', null]], 'T3 starts leaving; T4 is ours again');
    held.set('T3', { leavingSince: 0 });

    clock.advance(100);
    assert.deepEqual(plan(clock.now()).open, ['T1', 'T2', 'T4']);
    clock.set(overlapMs - 1);
    assert.equal(plan(clock.now()).close.some((c) => c.why === 'handoff'), false, 'the new owner gets the overlap to connect');
    clock.set(overlapMs);
    assert.deepEqual(plan(clock.now()).close, [{ unit: 'T3', why: 'handoff' }, { unit: 'T9', why: 'removed' }]);
  });
});
