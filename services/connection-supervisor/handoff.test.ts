import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { codecs, MessageTypes } from '../../protocol/index.ts';
import { startInfra } from '../../test/support/harness.ts';
import { driver, eventually, sockets, startSlack } from '../../test/security/edge-kit.ts';
import { request } from '../common/nats.ts';
import { start } from './service.ts';
import { supervisorOptions } from './testing.ts';

/**
 * Graceful stop (SIGTERM, a rolling deploy): the leaving replica drops out of the membership first,
 * the other connects its teams, and only then are the old sockets closed — no app URL here, so a
 * message with no open socket would simply be lost.
 */
const infra = await startInfra();
const { sandbox, tokenKeys } = await startSlack(infra, { delivery: 'workspace-apps', generate: { teams: 20 } });
const options = (supervisorId: string) => supervisorOptions(infra, { sandbox, tokenKeys }, { supervisorId, heartbeatMs: 100, memberTtlMs: 1_000 });
const a = await start(options('sup-a'));
const b = await start(options('sup-b'));
after(() => b.stop());
const nc = await infra.natsClient();
/** text → event ids it arrived with (a redelivery repeats the id, which the game recognises). */
const got = new Map<string, string[]>();
nc.subscribe(infra.subjects.allGames(), {
  callback: (_e, m) => {
    const msg = codecs.gameInbound.decode(m.data);
    if (msg.type === MessageTypes.gameMessage) got.set(msg.text, [...(got.get(msg.text) ?? []), msg.eventId]);
    m.respond(codecs.reply.encode({ type: MessageTypes.reply, ok: true }));
  },
});
await nc.flush();
const teams = sandbox.info.teams;
const state = (id: string) => request(nc, infra.subjects.supervisorState(id), { encode: () => new Uint8Array(), decode: () => null }, null, codecs.supervisorState);

test('handoff - a gracefully stopping replica hands its teams over without losing a message (a redelivery keeps its event id)', async () => {
  for (const t of teams) nc.publish(infra.subjects.teamActive(t.teamId), codecs.teamActive.encode({ type: MessageTypes.teamActive, team: t.teamId, reason: 'command', at: Date.now() }));
  await eventually(async () => (await sockets(sandbox)).size === teams.length, 10_000, 'all sockets');
  const leaving = Object.keys((await state('sup-a')).teams);
  assert.ok(leaving.length > 0 && leaving.length < teams.length, `sup-a holds ${leaving.length}`);
  const texts: string[] = [];
  let stopped = false;
  const talk = (async () => {
    for (let i = 0; !stopped || i < 3; i++) {
      const t = teams.find((x) => x.teamId === leaving[i % leaving.length])!;
      const text = `handoff ${i}`;
      const res = await driver(sandbox, 'message', { team_id: t.teamId, channel_id: t.channels[0]!.id, user_id: t.users[0]!.id, text });
      // In the instant between the old link closing and the new one opening, Slack (and the
      // sandbox) queues the event and redelivers it once a link is up: not a loss, checked below.
      assert.ok(res.body.via === 'socket' || res.body.via === 'queued', `${text} was not delivered (${String(res.body.via)})`);
      texts.push(text);
    }
  })();
  await a.stop();
  stopped = true;
  await talk;
  await eventually(() => texts.every((t) => got.has(t)), 15_000, 'every message');
  // An envelope the closing socket had not acked is redelivered on the new one: the same event.
  assert.deepEqual(texts.filter((t) => new Set(got.get(t)).size !== 1), []);
  assert.equal((await state('sup-b')).openSockets, teams.length);
  const counts = await sockets(sandbox);
  assert.ok([...counts.values()].every((c) => c === 1));
});
