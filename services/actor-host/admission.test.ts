import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admitStart, hasRoom, isWithinBest, place, type HostView } from './admission.ts';
import { ManualClock } from './clock.ts';

const clock = new ManualClock(1_000_000);
const FRESH_MS = 3_000;
const host = (hostId: string, running: number, extra: Partial<HostView> = {}): HostView => ({ hostId, games: running, running, draining: false, at: clock.now(), capacity: 2, ...extra });
const newGame = { freshMs: FRESH_MS, newGame: true };

describe('admission', () => {
  it('a host has room below its budget, none at it, and any without a budget', () => {
    assert.equal(hasRoom(host('a', 1)), true);
    assert.equal(hasRoom(host('a', 2)), false);
    assert.equal(hasRoom({ ...host('a', 5_000), capacity: undefined }), true);
    assert.equal(hasRoom(host('a', 0, { draining: true })), false);
  });

  it('a new game stays on a host with room that carries about as much as the others', () => {
    assert.deepEqual(place(host('a', 1), [host('b', 1)], clock.now(), newGame), { kind: 'here' });
    assert.deepEqual(place(host('a', 10, { capacity: 100 }), [host('b', 1, { capacity: 100 })], clock.now(), newGame), { kind: 'forward', hostId: 'b' });
  });

  it('a saturated host never takes a new game: it goes to a host with room, or is refused when none has', () => {
    assert.deepEqual(place(host('a', 2), [host('b', 2), host('c', 1)], clock.now(), newGame), { kind: 'forward', hostId: 'c' });
    assert.deepEqual(place(host('a', 2), [host('b', 2), host('c', 3)], clock.now(), newGame), { kind: 'full' });
    assert.deepEqual(place(host('a', 2), [], clock.now(), newGame), { kind: 'full' });
  });

  it('a host with room is not passed over for a less-loaded host that is full', () => {
    assert.deepEqual(place(host('a', 1, { games: 40, capacity: 50 }), [host('b', 2, { games: 2 })], clock.now(), newGame), { kind: 'here' });
  });

  it('a stale or draining report is no candidate', () => {
    const b = host('b', 0);
    clock.advance(FRESH_MS + 1);
    assert.deepEqual(place(host('a', 2), [b], clock.now(), newGame), { kind: 'full' });
    assert.deepEqual(place(host('a', 2), [host('c', 0, { draining: true })], clock.now(), newGame), { kind: 'full' });
  });

  it('work already admitted (a moving game, an adoption) is placed regardless of budgets', () => {
    const moving = { freshMs: FRESH_MS, newGame: false };
    assert.deepEqual(place(host('a', 2), [host('b', 2)], clock.now(), moving), { kind: 'here' });
    assert.deepEqual(place(host('a', 20, { capacity: 2 }), [host('b', 2)], clock.now(), moving), { kind: 'forward', hostId: 'b' });
  });

  it('an active actor starts a game only with room here; otherwise it moves, or the cluster is full', () => {
    assert.equal(admitStart(host('a', 1), [host('b', 2)], clock.now(), FRESH_MS), 'admit');
    assert.equal(admitStart(host('a', 2), [host('b', 1)], clock.now(), FRESH_MS), 'elsewhere');
    assert.equal(admitStart(host('a', 2), [host('b', 2)], clock.now(), FRESH_MS), 'full');
  });

  it('forwarding needs a clear difference (10%, at least one game)', () => {
    assert.equal(isWithinBest(11, 10), true);
    assert.equal(isWithinBest(13, 10), false);
    assert.equal(isWithinBest(1, 0), true);
  });
});
