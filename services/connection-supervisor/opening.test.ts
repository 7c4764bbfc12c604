import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startInfra } from '../../test/support/harness.ts';
import { eventually, sockets, startSlack } from '../../test/security/edge-kit.ts';
import { openBucket } from '../common/jetstream.ts';
import { start } from './service.ts';
import { supervisorOptions } from './testing.ts';

/**
 * A cold start with registered teams far beyond the opening slots (workspace-apps mode): a finished
 * open starts the next waiting team at once, so the opens never wait on reconcile ticks, and the
 * heartbeat keeps its period meanwhile.
 */
const TEAMS = 400;
// Long ticks: refilled only by reconcile (the old way), 400 opens would need 7 or more of them.
const HEARTBEAT_MS = 1_000;
const infra = await startInfra();
const { sandbox, tokenKeys } = await startSlack(infra, { generate: { teams: TEAMS } });
const nc = await infra.natsClient();
const members = await openBucket(nc, infra.subjects.buckets.members);

test('opening - a cold start opens every registered team, each slot refilled as its open finishes', async () => {
  const beats: number[] = [];
  const watch = await members.watch({ key: 'supervisor.sup-burst' });
  void (async () => {
    for await (const e of watch) if (e.operation === 'PUT') beats.push(Date.now());
  })();
  const started = Date.now();
  const supervisor = await start(supervisorOptions(infra, { sandbox, tokenKeys }, { supervisorId: 'sup-burst', heartbeatMs: HEARTBEAT_MS, memberTtlMs: 3_000 }));
  after(() => supervisor.stop());
  await eventually(async () => (await sockets(sandbox)).size === TEAMS, 30_000, `${TEAMS} sockets`);
  const took = Date.now() - started;
  watch.stop();
  assert.ok(took < 5_000, `opened ${TEAMS} in ${took} ms`);
  const gaps = beats.slice(1).map((at, i) => at - beats[i]!);
  // Our own loop stays free for the heartbeat (others call a replica lagging at 3 periods).
  assert.ok(Math.max(...gaps) < 2 * HEARTBEAT_MS, `heartbeat gaps ${gaps.join(', ')} ms`);
});
