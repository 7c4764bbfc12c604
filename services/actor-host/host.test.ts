import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NatsConnection } from 'nats';
import { codecs, MessageTypes, pack, ServiceNames } from '../../protocol/index.ts';
import { request } from '../common/nats.ts';
import { startInfra, type Infra } from '../../test/support/harness.ts';
import { replayGame } from './replay.ts';
import { createTestLogic } from './test-logic.ts';
import { chat, collectingLogger, command, metric, recordingEgress, resultsOf, type RecordedEgress, send, startTestHost, waitFor } from './testing.ts';
import type { RunningActorHost } from './service.ts';

// At file level: the harness registers its cleanup with `after`, which must not be inside a hook.
const infra: Infra = await startInfra({ redis: false });

describe('actor host', () => {
  let nc: NatsConnection;
  let egress: RecordedEgress[];
  const hosts: RunningActorHost[] = [];
  const logs = collectingLogger();

  before(async () => {
    nc = await infra.natsClient();
    egress = recordingEgress(nc, infra.subjects);
    hosts.push(await startTestHost(infra, 'h1', { log: logs.log }), await startTestHost(infra, 'h2'), await startTestHost(infra, 'h3'));
  });
  after(async () => {
    await Promise.allSettled(hosts.map((h) => h.stop()));
  });

  const owner = (team: string, channel: string) => hosts.find((h) => h.host.has(team, channel));
  const totalMetric = async (name: string) => (await Promise.all(hosts.map((h) => metric(h, name)))).reduce((a, b) => a + b, 0);

  it('command activates a game; answers, timer and result flow end to end', async () => {
    const reply = await send(nc, infra.subjects, command('T1', 'C1', '300'));
    assert.equal(reply?.responseType, 'in_channel');
    assert.match(String(reply?.text), /^started T1-C1-/);
    const gameId = String(reply?.text).split(' ')[1]!;
    await send(nc, infra.subjects, chat('T1', 'C1', 'hello', 'U1'));
    await send(nc, infra.subjects, chat('T1', 'C1', 'world', 'U2'));
    const results = await waitFor('result', () => resultsOf(nc, infra.subjects, gameId));
    assert.equal(results.length, 1);
    assert.deepEqual(results[0]!.type === MessageTypes.roundResult && results[0]!.entries.map((e) => e.text), ['hello', 'world']);
    await waitFor('result post', () => egress.some((e) => e.text === 'result: hello,world'));
    const mine = egress.filter((e) => e.channel === 'C1');
    assert.deepEqual(mine.map((e) => e.op), ['post', 'update', 'update', 'post']);
    // `update`s edit the message egress posted for the prompt, by the ts it answered.
    assert.deepEqual(mine.slice(1, 3).map((e) => e.ts), [mine[0]!.answeredTs, mine[0]!.answeredTs]);
    assert.deepEqual(await replayGame(nc, infra.subjects, createTestLogic(), gameId), results);
  });

  it('plain chat in a channel with no game activates nothing', async () => {
    const before = await totalMetric('sf_activations_total');
    assert.equal(await send(nc, infra.subjects, chat('T1', 'C-quiet', 'just chatting')), null);
    assert.equal(await totalMetric('sf_activations_total'), before);
    assert.equal(owner('T1', 'C-quiet'), undefined);
  });

  it('mailbox processes one channel\'s messages one at a time, in order', async () => {
    const reply = await send(nc, infra.subjects, command('T1', 'C2', '1500'));
    const gameId = String(reply?.text).split(' ')[1]!;
    const texts = Array.from({ length: 200 }, (_, i) => `m${i}`);
    // One connection publishes in order; NATS keeps that order to the one subscriber.
    for (const text of texts) nc.publish(infra.subjects.game('T1', 'C2'), codecs.gameInbound.encode(chat('T1', 'C2', text)));
    const [result] = await waitFor('result', () => resultsOf(nc, infra.subjects, gameId));
    assert.deepEqual(result!.type === MessageTypes.roundResult && result!.entries.map((e) => e.text), texts);
  });

  it('a burst to one channel is group-committed: every request answered in order, fewer snapshot writes than events', async () => {
    const reply = await send(nc, infra.subjects, command('T1', 'C8', '1500'));
    const gameId = String(reply?.text).split(' ')[1]!;
    const host = owner('T1', 'C8')!;
    const turns = async () => {
      const values = (await host.registry.getSingleMetric('sf_turn_events')!.get()).values;
      const pick = (suffix: string) => values.find((v) => (v as { metricName?: string }).metricName === `sf_turn_events_${suffix}`)!.value;
      return { commits: pick('count'), events: pick('sum') };
    };
    const before = await turns();
    const texts = Array.from({ length: 100 }, (_, i) => `b${i}`);
    const replies = await Promise.all(texts.map((text) => send(nc, infra.subjects, chat('T1', 'C8', text))));
    const after = await turns();
    assert.ok(replies.every((r) => r?.ok === true));
    assert.equal(after.events - before.events, 100);
    assert.ok(after.commits - before.commits < 100, `expected fewer than 100 commits, got ${after.commits - before.commits}`);
    const [result] = await waitFor('result', () => resultsOf(nc, infra.subjects, gameId));
    assert.deepEqual(result!.type === MessageTypes.roundResult && result!.entries.map((e) => e.text), texts);
    // Every event still has its own event-log entry: the replay reproduces the result.
    assert.deepEqual(await replayGame(nc, infra.subjects, createTestLogic(), gameId), [result]);
  });

  it('answers are committed and acknowledged in milliseconds (sf_answer_latency_seconds)', async (t) => {
    await send(nc, infra.subjects, command('T1', 'C7', '60000'));
    const owner = hosts.find((h) => h.host.has('T1', 'C7'))!;
    const histogram = async () => {
      const values = (await owner.registry.getSingleMetric('sf_answer_latency_seconds')!.get()).values;
      const pick = (suffix: string) => values.find((v) => (v as { metricName?: string }).metricName === `sf_answer_latency_seconds_${suffix}`)!.value;
      return { count: pick('count'), sum: pick('sum') };
    };
    const before = await histogram();
    const rtt: number[] = [];
    for (let i = 0; i < 200; i++) {
      const started = process.hrtime.bigint();
      await send(nc, infra.subjects, chat('T1', 'C7', `answer ${i}`));
      rtt.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    rtt.sort((a, b) => a - b);
    const after = await histogram();
    const count = after.count - before.count;
    const sum = after.sum - before.sum;
    t.diagnostic(`answer round trip over NATS (send → committed reply), 200 answers: p50 ${rtt[100]!.toFixed(2)} ms, p99 ${rtt[198]!.toFixed(2)} ms; host-side mean ${((sum / count) * 1000).toFixed(2)} ms`);
    assert.ok(count >= 200);
    assert.ok(rtt[100]! < 100);
  });

  it('a throwing step restarts only that actor; others keep working', async () => {
    await send(nc, infra.subjects, command('T1', 'C3', '2000'));
    await send(nc, infra.subjects, command('T1', 'C4', '2000'));
    const restartsBefore = await totalMetric('sf_actor_restarts_total');
    await assert.rejects(send(nc, infra.subjects, chat('T1', 'C3', 'boom')), { code: 'SF_ERR_ACTOR_CRASHED' });
    assert.equal(await totalMetric('sf_actor_restarts_total'), restartsBefore + 1);
    assert.deepEqual(await send(nc, infra.subjects, chat('T1', 'C4', 'fine')), { type: MessageTypes.reply, ok: true, responseType: 'none' });
    assert.deepEqual(await send(nc, infra.subjects, chat('T1', 'C3', 'after')), { type: MessageTypes.reply, ok: true, responseType: 'none' });
  });

  it('after 3 restarts in a row the game is reset with an apology instead of looping', async () => {
    await send(nc, infra.subjects, command('T1', 'C6', '60000'));
    for (let i = 0; i < 4; i++) await assert.rejects(send(nc, infra.subjects, chat('T1', 'C6', 'boom')), { code: 'SF_ERR_ACTOR_CRASHED' });
    await waitFor('apology', () => egress.some((e) => e.channel === 'C6' && e.op === 'post' && /\/start/.test(e.text)));
    // The channel is usable again: a new game starts.
    assert.match(String((await send(nc, infra.subjects, command('T1', 'C6', '100')))?.text), /^started /);
  });

  it('malformed msgpack to an actor subject is rejected with a logged reason; the actor keeps working', async () => {
    await send(nc, infra.subjects, command('T1', 'C5', '2000'));
    const subject = infra.subjects.game('T1', 'C5');
    await assert.rejects(request(nc, subject, { encode: (b: Uint8Array) => b, decode: (b: Uint8Array) => b }, new Uint8Array([0xc1, 0xff]), codecs.reply), { code: 'SF_ERR_PROTOCOL_DECODE' });
    await assert.rejects(request(nc, subject, { encode: (b: Uint8Array) => b, decode: (b: Uint8Array) => b }, pack({ type: MessageTypes.gameMessage, team: 'T1' }), codecs.reply), {
      code: 'SF_ERR_PROTOCOL_INVALID',
    });
    const host = owner('T1', 'C5');
    if (host === hosts[0]) assert.ok(logs.lines.some((l) => l.msg === 'rejected message' && l.code === 'SF_ERR_PROTOCOL_DECODE' && l.subject === subject));
    assert.equal((await send(nc, infra.subjects, chat('T1', 'C5', 'still here')))?.ok, true);
  });

  it('placement spreads activations over the hosts by reported load', async () => {
    const counts = () => hosts.map((h) => h.host.stats.games);
    const before = counts();
    for (let i = 0; i < 30; i++) {
      await request(nc, infra.subjects.activate(), codecs.activate, { type: MessageTypes.activate, team: 'T3', channel: `C${i}`, reason: 'command', hops: 0 }, codecs.activated);
      // Bursts: load reports (every 200 ms here) arrive between them, as they would in a cluster.
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 250));
    }
    const after = counts();
    assert.equal(after.reduce((a, b) => a + b, 0) - before.reduce((a, b) => a + b, 0), 30);
    // Placement evens out total load (earlier cases left the hosts uneven), within 10% + 1 each way.
    assert.ok(Math.max(...after) - Math.min(...after) <= 4, `games per host ${before.join('/')} → ${after.join('/')}`);
  });

  it('registers with the NATS service API: hostId metadata, stats data { games, running }', async () => {
    const client = nc.services.client();
    const infos = [];
    for await (const info of await client.info(ServiceNames.actorHost)) infos.push(info);
    assert.deepEqual(infos.map((i) => i.metadata?.hostId).sort(), ['h1', 'h2', 'h3']);
    const stats = [];
    for await (const s of await client.stats(ServiceNames.actorHost)) stats.push(s);
    const data = stats.map((s) => s.endpoints?.[0]?.data as { games: number; running: number });
    assert.equal(data.reduce((sum, d) => sum + d.games, 0), hosts.reduce((sum, h) => sum + h.host.stats.games, 0));
  });

  it('1,000 concurrent activation attempts for one game from 3 hosts make exactly one activation', async () => {
    const before = await totalMetric('sf_activations_total');
    const answers = await Promise.all(
      Array.from({ length: 1_000 }, (_, i) =>
        request(
          nc,
          // Spread over the queue group and each host's own subject, so all three race.
          i % 2 === 0 ? infra.subjects.activate() : infra.subjects.activateOn(`h${(i % 3) + 1}`),
          codecs.activate,
          { type: MessageTypes.activate, team: 'T2', channel: 'C1', reason: 'command', hops: i % 2 === 0 ? 0 : 1 },
          codecs.activated,
          10_000,
        ),
      ),
    );
    assert.equal(await totalMetric('sf_activations_total'), before + 1);
    assert.equal(hosts.filter((h) => h.host.has('T2', 'C1')).length, 1);
    assert.equal(new Set(answers.map((a) => a.hostId)).size, 1);
    assert.ok(answers.every((a) => a.ok));
  });
});
