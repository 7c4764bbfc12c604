import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MessageTypes } from '../../protocol/index.ts';
import { startInfra } from '../../test/support/harness.ts';
import { sendToGame, watchRunningGames } from './client.ts';
import { ManualClock } from './clock.ts';
import { SnapshotStore } from './snapshots.ts';
import { actorKey, recordCodecs } from './records.ts';
import type { RunningActorHost } from './service.ts';
import { chat, command, metric, readResults, recordingEgress, resultsOf, send, startTestHost, waitFor } from './testing.ts';

const infra = await startInfra({ redis: false });
const nc = await infra.natsClient();
let stalled = false;
const egress = recordingEgress(nc, infra.subjects, { stall: () => stalled });
const running: RunningActorHost[] = [];

async function hosts(...ids: string[]): Promise<RunningActorHost[]> {
  const started = await Promise.all(ids.map((id) => startTestHost(infra, id, { passivateMs: 400 })));
  running.push(...started);
  return started;
}

/** Hosts of earlier cases keep running (same cluster), so adoption may land on any of them. */
const ownerOf = (team: string, channel: string, except?: RunningActorHost) => running.find((h) => h !== except && h.host.has(team, channel));
const gameIdOf = (reply: { text?: string } | null) => String(reply?.text).split(' ')[1]!;

describe('actor runtime guarantees', () => {
  // Inside the suite, so hosts stop before the harness stops nats-server.
  after(async () => {
    await Promise.allSettled(running.map((h) => h.stop()));
  });

  it('a killed host\'s running game resumes elsewhere from its snapshot, keeps its deadline, replays no effects', async () => {
    const [first] = await hosts('r1', 'r2', 'r3');
    await first!.host.activate('TA', 'C1', 'command');
    const gameId = gameIdOf(await send(nc, infra.subjects, command('TA', 'C1', '3000')));
    await send(nc, infra.subjects, chat('TA', 'C1', 'before'));
    const games = await watchRunningGames(nc, infra.subjects);
    assert.ok(games.has('TA', 'C1'));
    await first!.crash();
    const killedAt = Date.now();
    // Chat never activates, except for a game the leases say is running: it is not dropped mid-failover.
    const reply = await sendToGame(nc, infra.subjects, chat('TA', 'C1', 'after'), { activate: false, isRunning: games.has });
    assert.equal(reply?.ok, true);
    const second = ownerOf('TA', 'C1', first);
    const failoverMs = Date.now() - killedAt;
    const [result] = await waitFor('result', () => resultsOf(nc, infra.subjects, gameId), 10_000);
    assert.ok(result?.type === MessageTypes.roundResult);
    assert.deepEqual(result.entries.map((e) => e.text), ['before', 'after']);
    // Absolute deadline: the restored round ends when it was always going to.
    assert.equal(result.deadline - result.startedAt, 3_000);
    assert.ok(second && second !== first);
    await waitFor('lease shows the game over', () => !games.has('TA', 'C1'));
    games.stop();
    assert.ok(failoverMs < 3_000, `failover took ${failoverMs} ms`);
    // The prompt may be re-sent only if its post was unconfirmed at the crash, and then with the
    // same idempotency key, which egress turns into the original post.
    const prompts = egress.filter((e) => e.team === 'TA' && e.op === 'post' && e.text.startsWith('go'));
    assert.equal(new Set(prompts.map((e) => e.idempotencyKey)).size, 1, 'no new prompt is posted on restore');
  });

  it('passivates an idle actor and reactivates it with its state', async () => {
    const [p1] = await hosts('p1', 'p2');
    await p1!.host.activate('TB', 'C1', 'command');
    const gameId = gameIdOf(await send(nc, infra.subjects, command('TB', 'C1', '200')));
    await waitFor('result', () => resultsOf(nc, infra.subjects, gameId));
    await waitFor('passivation', () => !ownerOf('TB', 'C1'), 5_000);
    const leases = await nc.jetstream().views.kv(infra.subjects.buckets.leases);
    assert.equal((await leases.get(actorKey('TB', 'C1')))?.operation ?? 'DEL', 'DEL', 'an idle passivated actor holds no lease');
    const again = await send(nc, infra.subjects, command('TB', 'C1', '200'));
    assert.match(String(again?.text), / after 1$/);
  });

  it('a forced lease loss fences the old owner: it stops at once and its writes are refused', async () => {
    const [a, b] = await hosts('f1', 'f2');
    await a!.host.activate('TC', 'C1', 'command');
    await a!.host.activate('TC', 'C2', 'command');
    const gameId = gameIdOf(await send(nc, infra.subjects, command('TC', 'C1', '1500')));
    const otherGameId = gameIdOf(await send(nc, infra.subjects, command('TC', 'C2', '1500')));
    const snapshots = new SnapshotStore(await nc.jetstream().views.kv(infra.subjects.buckets.snapshots));
    const stale = (await snapshots.load(actorKey('TC', 'C1')))!;
    assert.ok(stale.record);
    // Take f1's membership away behind its back, as a partition longer than the TTL would.
    const members = await nc.jetstream().views.kv(infra.subjects.buckets.members);
    await members.delete('f1');
    await b!.host.activate('TC', 'C1', 'restore');
    assert.ok(b!.host.has('TC', 'C1'));
    await waitFor('old owner stops', () => !a!.host.has('TC', 'C1'), 3_000);
    assert.ok((await metric(a!, 'sf_actor_fenced_total')) >= 1);
    await assert.rejects(snapshots.save(actorKey('TC', 'C1'), { ...stale.record!, commit: stale.record!.commit + 1 }, stale.rev), { code: 'SF_ERR_LEASE_LOST' });
    await send(nc, infra.subjects, chat('TC', 'C1', 'late'));
    const results = await waitFor('result', () => resultsOf(nc, infra.subjects, gameId));
    assert.equal(results.length, 1);
    // f1 fenced all its actors and rejoined with a new incarnation, so its other running game is
    // an orphan that some host (maybe f1 itself) adopts and finishes.
    await waitFor('f1 rejoins', async () => {
      const entry = await members.get('f1');
      return entry?.operation === 'PUT' && recordCodecs.member.decode(entry.value).incarnation !== a!.info?.incarnation;
    });
    assert.equal((await waitFor('other game result', () => resultsOf(nc, infra.subjects, otherGameId), 8_000)).length, 1);
  });

  it('results stay exactly-once when the owner dies with the result still in its outbox', async () => {
    const [first] = await hosts('x1', 'x2');
    await first!.host.activate('TD', 'C1', 'command');
    const gameId = gameIdOf(await send(nc, infra.subjects, command('TD', 'C1', '300')));
    await send(nc, infra.subjects, chat('TD', 'C1', 'answer'));
    // Slack hangs: the result table post blocks the ordered outbox, so the publish is still pending.
    stalled = true;
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(await resultsOf(nc, infra.subjects, gameId), null);
    await first!.crash();
    stalled = false;
    await waitFor('adoption', () => ownerOf('TD', 'C1', first), 5_000);
    await waitFor('result', () => resultsOf(nc, infra.subjects, gameId));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await resultsOf(nc, infra.subjects, gameId))!.length, 1);
  });

  it('SIGTERM-style stop hands a running game over at once, well before the lease TTL', async () => {
    const [first] = await hosts('s1', 's2');
    await first!.host.activate('TE', 'C1', 'command');
    const gameId = gameIdOf(await send(nc, infra.subjects, command('TE', 'C1', '2500')));
    const stoppedAt = Date.now();
    await first!.stop();
    running.splice(running.indexOf(first!), 1);
    await waitFor('adoption', () => ownerOf('TE', 'C1', first), 5_000);
    assert.ok(Date.now() - stoppedAt < 1_500, 'handoff does not wait for the TTL');
    await send(nc, infra.subjects, chat('TE', 'C1', 'handed'));
    const [result] = await waitFor('result', () => resultsOf(nc, infra.subjects, gameId), 10_000);
    assert.ok(result?.type === MessageTypes.roundResult && result.entries[0]?.text === 'handed');
  });

  it('an unreadable snapshot is logged and the channel starts afresh instead of never activating', async () => {
    const kv = await nc.jetstream().views.kv(infra.subjects.buckets.snapshots);
    await kv.put(actorKey('TG', 'C1'), new Uint8Array([0xc1, 0x00]));
    const reply = await send(nc, infra.subjects, command('TG', 'C1', '100'));
    assert.match(String(reply?.text), / after 0$/);
  });

  it('deadlines fire from the injected clock', async () => {
    const clock = new ManualClock(Date.now());
    const host = await startTestHost(infra, 'm1', { clock });
    running.push(host);
    await host.host.activate('TF', 'C1', 'command');
    const gameId = gameIdOf(await send(nc, infra.subjects, command('TF', 'C1', '60000')));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await resultsOf(nc, infra.subjects, gameId), null);
    clock.advance(60_000);
    await waitFor('result', () => resultsOf(nc, infra.subjects, gameId));
    assert.equal((await readResults(nc, infra.subjects)).filter((r) => r.gameId === gameId).length, 1);
  });
});
