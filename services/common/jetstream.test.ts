import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startInfra } from '../../test/support/harness.ts';
import { openBucket } from './jetstream.ts';

const infra = await startInfra({ redis: false });

/** The JetStream API subjects a `get` on `kv` sends, seen by a second connection (it never answers). */
async function apiOfGet(leaderReads: boolean, bucket: string): Promise<string[]> {
  const nc = await infra.natsClient();
  const spy = await infra.natsClient();
  const kv = await openBucket(nc, bucket, { leaderReads });
  await kv.put('k', new TextEncoder().encode('v'));
  const seen: string[] = [];
  const sub = spy.subscribe('$JS.API.>', { callback: (_err, msg) => seen.push(msg.subject) });
  await spy.flush();
  assert.equal(new TextDecoder().decode((await kv.get('k'))?.value), 'v');
  await nc.flush();
  await spy.flush();
  sub.unsubscribe();
  return seen;
}

test('openBucket - leaderReads gets are answered by the stream leader, not by any replica (a lagging follower once made a host take a live owner\'s lease)', async () => {
  const subjects = await apiOfGet(true, `${infra.subjects.prefix}_leader_reads`);
  assert.ok(subjects.some((s) => s.startsWith('$JS.API.STREAM.MSG.GET.')), subjects.join(', '));
  assert.ok(!subjects.some((s) => s.startsWith('$JS.API.DIRECT.GET.')), subjects.join(', '));
});

test('openBucket - by default gets are direct (any replica may answer): fine where staleness is harmless', async () => {
  const subjects = await apiOfGet(false, `${infra.subjects.prefix}_direct_reads`);
  assert.ok(subjects.some((s) => s.startsWith('$JS.API.DIRECT.GET.')), subjects.join(', '));
});
