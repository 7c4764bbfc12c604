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
const { sandbox, tokenKeys } = await startSlack(infra, { generate: { teams: 20 } });
const options = (supervisorId: string) => supervisorOptions(infra, { sandbox, tokenKeys }, { supervisorId, heartbeatMs: 100, memberTtlMs: 1_000 });
const a = await start(options('sup-a'));
const b = await start(options('sup-b'));
after(() => b.stop());
const nc = await infra.natsClient();
const got = new Map<string, number>();
nc.subscribe(infra.subjects.allGames(), {
  callback: (_e, m) => {
    const msg = codecs.gameInbound.decode(m.data);
    if (msg.type === MessageTypes.gameMessage) got.set(msg.text, (got.get(msg.text) ?? 0) + 1);
    m.respond(codecs.reply.encode({ type: MessageTypes.reply, ok: true }));
  },
});
await nc.flush();
const teams = sandbox.info.teams;
const state = (id: string) => request(nc, infra.subjects.supervisorState(id), { encode: () => new Uint8Array(), decode: () => null }, null, codecs.supervisorState);

test('handoff - a gracefully stopping replica hands its teams over without losing a message', async () => {
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
      assert.equal(res.body.via, 'socket', `${text} found no socket`);
      texts.push(text);
    }
  })();
  await a.stop();
  stopped = true;
  await talk;
  await eventually(() => texts.every((t) => got.get(t) === 1), 5_000, 'every message once');
  assert.deepEqual(texts.filter((t) => got.get(t) !== 1), []);
  assert.equal((await state('sup-b')).openSockets, teams.length);
  const counts = await sockets(sandbox);
  assert.ok([...counts.values()].every((c) => c === 1));
});
