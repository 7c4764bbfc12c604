import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { NatsConnection } from 'nats';
import { asSurfingerError, PlacementErrorCodes } from '../../protocol/index.ts';
import { startInfra, type Infra } from '../../test/support/harness.ts';
import { collectingLogger, command, metric, recordingEgress, send, startTestHost, waitFor } from './testing.ts';
import type { RunningActorHost } from './service.ts';

// At file level: the harness registers its cleanup with `after`, which must not be inside a hook.
const infra: Infra = await startInfra({ redis: false });

/** Admission control on real NATS: two in-process hosts with a budget of one running game each. */
describe('actor host admission', () => {
  let nc: NatsConnection;
  const hosts: RunningActorHost[] = [];
  const logs = collectingLogger();

  before(async () => {
    nc = await infra.natsClient();
    recordingEgress(nc, infra.subjects);
    hosts.push(await startTestHost(infra, 'a1', { maxGames: 1, log: logs.log }), await startTestHost(infra, 'a2', { maxGames: 1, log: logs.log }));
    // Each host must have heard the other's load report (every 200 ms) before placement is judged.
    await sleep(600);
  });
  after(async () => {
    await Promise.allSettled(hosts.map((h) => h.stop()));
  });

  const owner = (channel: string) => hosts.find((h) => h.host.has('T1', channel))?.host.hostId;
  const running = (channel: string) => hosts.find((h) => h.host.has('T1', channel))?.host.stats.running ?? 0;
  const total = async (name: string) => (await Promise.all(hosts.map((h) => metric(h, name)))).reduce((a, b) => a + b, 0);
  const refusal = (channel: string) =>
    send(nc, infra.subjects, command('T1', channel, '5000')).then(
      () => 'admitted',
      (err: unknown) => asSurfingerError(err).code,
    );

  it('games fill both budgets, the next start is refused with SF_ERR_CLUSTER_FULL and counted; a start after a game ends is admitted', async () => {
    assert.match(String((await send(nc, infra.subjects, command('T1', 'C1', '1000')))?.text), /^started/);
    assert.match(String((await send(nc, infra.subjects, command('T1', 'C2', '3000')))?.text), /^started/);
    assert.notEqual(owner('C1'), owner('C2'), 'a saturated host passed the second game on');
    assert.equal(await refusal('C3'), PlacementErrorCodes.CLUSTER_FULL);
    assert.ok((await total('sf_admission_refused_total')) >= 1, 'the refusal is counted');
    assert.equal(owner('C3'), undefined, 'nothing was activated for the refused game');
    // A planned refusal is not a fault: no error line (the endpoint used to log it as "handler failed").
    assert.deepEqual(logs.lines.filter((l) => l.level >= 50).map((l) => l.msg), []);
    await waitFor('C1 to finish', () => running('C1') === 0 && hosts.every((h) => h.host.stats.running <= 1), 5_000);
    await sleep(400);
    assert.equal(await refusal('C3'), 'admitted');
    assert.equal(owner('C3'), owner('C1'), 'the freed slot took it');
  });

  it('an idle actor on a full host moves to a host with room to start its game', async () => {
    const full = owner('C1')!;
    await waitFor('C2 to finish', () => running('C2') === 0, 6_000);
    await sleep(400);
    assert.equal(await refusal('C1'), 'admitted');
    assert.ok(owner('C1') !== undefined && owner('C1') !== full, `C1 moved off the full host ${full} (now on ${owner('C1')})`);
    assert.equal(await total('sf_actor_fenced_total'), 0, 'no host fenced itself');
  });
});
