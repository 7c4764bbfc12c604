import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startInfra } from '../../test/support/harness.ts';
import { openBucket } from '../common/jetstream.ts';
import { createLogger } from '../common/logger.ts';
import { ManualClock } from './clock.ts';
import { ActorHostErrorCodes } from './errors.ts';
import { claimStep, Directory, guardFor, liveHostIds, memberLive, orphanKeys, stillValid } from './leases.ts';
import { recordCodecs, type LeaseRecord, type MemberRecord } from './records.ts';

const A = { hostId: 'a', incarnation: 'a1' };
const member = (m: Partial<MemberRecord> = {}): MemberRecord => ({ hostId: 'a', incarnation: 'a1', expiresAt: 10_000, draining: false, ...m });
const lease = (l: Partial<LeaseRecord> = {}): LeaseRecord => ({ hostId: 'b', incarnation: 'b1', busy: false, at: 0, ...l });

describe('lease rules (pure)', () => {
  it('a host stops acting guardMs before others may see its membership expire', () => {
    const ttl = 3_000;
    const expiresAt = 10_000;
    const guard = guardFor(ttl);
    assert.equal(guard, 250);
    assert.equal(guardFor(1_000), 100, 'a short TTL gets a tenth of it');
    for (const now of [expiresAt - guard, expiresAt - 1]) {
      assert.equal(stillValid(expiresAt, guard, now), false, `own view at ${now}`);
      assert.equal(memberLive(member({ expiresAt }), 'a1', now), true, `others' view at ${now}`);
    }
    assert.equal(stillValid(expiresAt, guard, expiresAt - guard - 1), true);
    assert.equal(memberLive(member({ expiresAt }), 'a1', expiresAt), false, 'expired at expiresAt');
  });

  it('a membership of another incarnation is dead, whatever its expiry', () => {
    assert.equal(memberLive(member(), 'a0', 0), false);
    assert.equal(memberLive(undefined, 'a1', 0), false);
  });

  it('a claim creates an absent lease, keeps its own, yields to a live owner, takes a dead or released one', () => {
    assert.deepEqual(claimStep('absent', A, false, false), { step: 'create' });
    assert.deepEqual(claimStep(lease({ hostId: 'a', incarnation: 'a1' }), A, true, false), { step: 'ours' });
    assert.deepEqual(claimStep(lease(), A, true, false), { step: 'held', owner: 'b' });
    assert.deepEqual(claimStep(lease(), A, false, false), { step: 'take', busy: false });
    // Our own earlier incarnation is not us: its actors were fenced when it lost its membership.
    assert.deepEqual(claimStep(lease({ hostId: 'a', incarnation: 'a0' }), A, false, false), { step: 'take', busy: false });
    assert.deepEqual(claimStep(lease({ hostId: null, incarnation: null, busy: true }), A, false, false), { step: 'take', busy: true }, 'a released running game stays busy');
    assert.deepEqual(claimStep(null, A, false, false), { step: 'take', busy: false }, 'an undecodable record reads as released');
  });

  it('orphans are busy leases whose owner is dead or gone; draining hosts take no new actors', () => {
    const alive = (hostId: string | null) => hostId === 'b';
    const leases: Array<[string, LeaseRecord]> = [
      ['k1', lease({ busy: true })],
      ['k2', lease({ hostId: 'c', busy: true })],
      ['k3', lease({ hostId: null, incarnation: null, busy: true })],
      ['k4', lease({ hostId: 'c', busy: false })],
    ];
    assert.deepEqual(orphanKeys(leases, alive), ['k2', 'k3']);
    const now = 5_000;
    assert.deepEqual(liveHostIds([member(), member({ hostId: 'b', draining: true }), member({ hostId: 'c', expiresAt: now })], now), ['a']);
  });
});

// At file level: the harness registers its cleanup with `after`, which must not be inside a hook.
const infra = await startInfra({ redis: false });

describe('leases over NATS KV', async () => {
  const nc = await infra.natsClient();
  const kv = { members: await openBucket(nc, infra.subjects.buckets.members), leases: await openBucket(nc, infra.subjects.buckets.leases) };
  const log = createLogger('leases-test', { level: 'silent' });
  // A TTL far beyond the test's run: the renew timer never fires; time moves only by the clock.
  const TTL = 600_000;
  const open: Directory[] = [];
  after(async () => {
    for (const d of open) await d.leave();
  });

  async function host(id: string, clock: ManualClock, lost: string[] = []): Promise<Directory> {
    const d = new Directory(kv, id, TTL, clock, log, { onMembershipLost: () => lost.push(id), onLeaseChanged: () => undefined }, () => undefined);
    await d.join();
    open.push(d);
    return d;
  }

  it('grant: the first claim wins, a second host is refused while the owner lives, a repeat claim keeps the lease', async () => {
    const clock = new ManualClock();
    const [a, b] = [await host('g-a', clock), await host('g-b', clock)];
    const first = await a.claim('T1.C1', true);
    assert.equal(first.ok, true);
    assert.deepEqual(await b.claim('T1.C1', false), { ok: false, owner: 'g-a' });
    assert.deepEqual(await a.claim('T1.C1', true), first);
  });

  it('renew: a renewed membership outlives its first expiry', async () => {
    const clock = new ManualClock();
    const a = await host('r-a', clock);
    assert.equal((await a.claim('T2.C1', true)).ok, true);
    clock.advance(TTL / 2);
    // setDraining renews at once (with the draining flag): expiry moves to now + TTL.
    await a.setDraining();
    clock.advance(TTL / 2 + 1_000);
    assert.equal(a.valid(), true);
    // A host joining now (its own membership fresh) finds the lease still held.
    const b = await host('r-b', clock);
    assert.deepEqual(await b.claim('T2.C1', false), { ok: false, owner: 'r-a' });
    assert.deepEqual(b.liveHosts().includes('r-a'), false, 'a draining host takes no new actors');
  });

  it('expiry: a host that stops renewing loses its leases after the TTL, and a running game stays busy', async () => {
    const clock = new ManualClock();
    const a = await host('e-a', clock);
    assert.equal((await a.claim('T3.C1', true)).ok, true);
    a.abandon();
    clock.advance(TTL - 1);
    const b = await host('e-b', clock);
    assert.deepEqual(await b.claim('T3.C1', false), { ok: false, owner: 'e-a' });
    clock.advance(1);
    assert.equal((await b.claim('T3.C1', false)).ok, true);
    const entry = await kv.leases.get('T3.C1');
    assert.ok(entry);
    const record = recordCodecs.lease.decode(entry.value);
    assert.deepEqual({ hostId: record.hostId, busy: record.busy }, { hostId: 'e-b', busy: true });
  });

  it('fencing order: the old owner stops before anyone may take over, and its stale lease revision is refused', async () => {
    const clock = new ManualClock();
    const lost: string[] = [];
    const a = await host('f-a', clock, lost);
    const claimed = await a.claim('T4.C1', true);
    assert.ok(claimed.ok);
    // `a` renews no more (its renew timer is not due within the test: a stalled host, not a dead one).
    // 1. Inside the guard: `a` no longer acts, but to `b` it is still alive.
    clock.advance(TTL - guardFor(TTL));
    assert.equal(a.valid(), false);
    assert.deepEqual(lost, ['f-a']);
    await assert.rejects(a.claim('T4.C2', false), (e: { code?: string }) => e.code === ActorHostErrorCodes.LEASE_LOST);
    const b = await host('f-b', clock);
    assert.deepEqual(await b.claim('T4.C1', false), { ok: false, owner: 'f-a' });
    // 2. Past the expiry `b` takes over; 3. a late write of `a` by its old revision is refused.
    clock.advance(guardFor(TTL));
    assert.equal((await b.claim('T4.C1', false)).ok, true);
    await assert.rejects(a.update('T4.C1', claimed.rev, false), (e: { code?: string }) => e.code === ActorHostErrorCodes.LEASE_LOST);
  });
});
