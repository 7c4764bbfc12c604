import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { codecs, MessageTypes, type GameMessage } from '../../protocol/index.ts';
import { startInfra } from '../../test/support/harness.ts';
import { driver, eventually, messages, sockets, startSlack } from '../../test/security/edge-kit.ts';
import { request } from '../common/nats.ts';
import { start } from './service.ts';
import { supervisorOptions } from './testing.ts';

const infra = await startInfra();
// No app URL: commands and clicks can only arrive over the team's socket.
const { sandbox, tokenKeys } = await startSlack(infra, { generate: { teams: 2 }, refreshCloseDelayMs: 300 });
const IDLE_MS = 1_500;
const supervisor = await start(supervisorOptions(infra, { sandbox, tokenKeys }, { supervisorId: 'sup-a', idleMs: IDLE_MS, heartbeatMs: 100, memberTtlMs: 600 }));
after(() => supervisor.stop());
const nc = await infra.natsClient();
const team = sandbox.info.teams[0]!;
const quietTeam = sandbox.info.teams[1]!;
const general = team.channels[0]!;
const alice = team.users[0]!;

const inbox: GameMessage[] = [];
nc.subscribe(infra.subjects.game(team.teamId, general.id), {
  callback: (_e, m) => {
    const msg = codecs.gameInbound.decode(m.data);
    if (msg.type === MessageTypes.gameMessage) inbox.push(msg);
    m.respond(codecs.reply.encode({ type: MessageTypes.reply, ok: true }));
  },
});
await nc.flush();

const activate = (teamId: string) => nc.publish(infra.subjects.teamActive(teamId), codecs.teamActive.encode({ type: MessageTypes.teamActive, team: teamId, reason: 'command', at: Date.now() }));
const openCount = async (teamId: string) => (await sockets(sandbox)).get(teamId) ?? 0;

test('supervisor - TeamActive opens exactly that team’s socket', async () => {
  activate(team.teamId);
  await eventually(async () => (await openCount(team.teamId)) === 1, 5_000, 'socket open');
  assert.equal(await openCount(quietTeam.teamId), 0);
  const state = await request(nc, infra.subjects.supervisorState('sup-a'), { encode: () => new Uint8Array(), decode: () => null }, null, codecs.supervisorState);
  assert.equal(state.openSockets, 1);
  assert.ok(state.teams[team.teamId]! > 0);
});

test('supervisor - a channel message over the socket becomes one GameMessage', async () => {
  const sent = await driver(sandbox, 'message', { team_id: team.teamId, channel_id: general.id, user_id: alice.id, text: '빠르게 입력하세요' });
  assert.equal(sent.body.via, 'socket');
  const got = await eventually(() => inbox.find((m) => m.ts === sent.body.ts), 3_000, 'game message');
  assert.deepEqual([got.team, got.channel, got.user, got.text], [team.teamId, general.id, alice.id, '빠르게 입력하세요']);
  assert.ok(got.receivedAt > 0 && got.eventId.length > 0);
});

test('supervisor - slash commands over the socket are answered in the ack', async () => {
  const res = await driver(sandbox, 'command', { team_id: team.teamId, channel_id: general.id, user_id: alice.id, command: '/helpgame', text: '' });
  assert.equal(res.body.via, 'socket');
  await eventually(async () => (await messages(sandbox, team.teamId, general.id)).some((m) => m.ephemeral_to === alice.id && m.text?.includes('/start')), 3_000, 'help shown');
});

test('supervisor - refresh_requested: the new socket is up before the old closes and no message is lost', async () => {
  const before = inbox.length;
  const texts: string[] = [];
  await driver(sandbox, 'disconnect', { team_id: team.teamId, reason: 'refresh_requested' });
  for (let i = 0; i < 20; i++) {
    const text = `during refresh ${i}`;
    texts.push(text);
    await driver(sandbox, 'message', { team_id: team.teamId, channel_id: general.id, user_id: alice.id, text });
    await new Promise((r) => setTimeout(r, 20));
  }
  await eventually(() => inbox.length - before >= texts.length, 5_000, 'all messages');
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(inbox.slice(before).map((m) => m.text).sort(), [...texts].sort());
  await eventually(async () => (await openCount(team.teamId)) === 1, 3_000, 'one socket after refresh');
});

test('supervisor - an idle team’s socket closes after the expiry and activity reopens it', async () => {
  await eventually(async () => (await openCount(team.teamId)) === 0, IDLE_MS + 3_000, 'idle close');
  const viaNothing = await driver(sandbox, 'message', { team_id: team.teamId, channel_id: general.id, user_id: alice.id, text: 'nobody listening' });
  assert.equal(viaNothing.body.via, 'none');
  activate(team.teamId);
  await eventually(async () => (await openCount(team.teamId)) === 1, 5_000, 'reopened');
  const metrics = await supervisor.registry.metrics();
  assert.match(metrics, /sf_sockets_open\{[^}]*\} 1/);
  assert.match(metrics, /sf_envelopes_total\{[^}]*type="events_api"/);
});

test('supervisor - TeamRemoved closes the socket at once', async () => {
  nc.publish(infra.subjects.teamRemoved(team.teamId), codecs.teamRemoved.encode({ type: MessageTypes.teamRemoved, team: team.teamId, reason: 'app_uninstalled', at: Date.now() }));
  await eventually(async () => (await openCount(team.teamId)) === 0, 2_000, 'closed on removal');
});
