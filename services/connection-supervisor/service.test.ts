import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { codecs, MessageTypes, type GameMessage } from '../../protocol/index.ts';
import { startInfra } from '../../test/support/harness.ts';
import { driver, eventually, messages, sockets, startSlack } from '../../test/security/edge-kit.ts';
import { request } from '../common/nats.ts';
import { replyError } from '../actor-host/actor.ts';
import { start } from './service.ts';
import { supervisorOptions } from './testing.ts';

/** workspace-apps mode: every registered team's socket is open from the start, and stays open. */
const infra = await startInfra();
// No app URL: commands and clicks can only arrive over the team's socket.
const { sandbox, tokenKeys, tokens } = await startSlack(infra, { delivery: 'workspace-apps', generate: { teams: 3 }, refreshCloseDelayMs: 300 });
const [team, quietTeam, lateTeam] = sandbox.info.teams as [(typeof sandbox.info.teams)[0], (typeof sandbox.info.teams)[0], (typeof sandbox.info.teams)[0]];
const general = team.channels[0]!;
const alice = team.users[0]!;
// Installed later: not in the token store yet.
await tokens.delete(lateTeam.teamId);
const supervisor = await start(supervisorOptions(infra, { sandbox, tokenKeys }, { supervisorId: 'sup-a', delivery: 'workspace-apps', heartbeatMs: 100, memberTtlMs: 600 }));
after(() => supervisor.stop());
const nc = await infra.natsClient();

const inbox: GameMessage[] = [];
nc.subscribe(infra.subjects.game(team.teamId, general.id), {
  callback: (_e, m) => {
    const msg = codecs.gameInbound.decode(m.data);
    if (msg.type === MessageTypes.gameMessage) inbox.push(msg);
    m.respond(codecs.reply.encode({ type: MessageTypes.reply, ok: true }));
  },
});
await nc.flush();

const openCount = async (teamId: string) => (await sockets(sandbox)).get(teamId) ?? 0;
const state = () => request(nc, infra.subjects.supervisorState('sup-a'), { encode: () => new Uint8Array(), decode: () => null }, null, codecs.supervisorState);

test('supervisor - every registered team’s socket is open without any activity', async () => {
  await eventually(async () => (await openCount(team.teamId)) === 1 && (await openCount(quietTeam.teamId)) === 1, 5_000, 'sockets open');
  assert.equal(await openCount(lateTeam.teamId), 0);
  const s = await state();
  assert.equal(s.openSockets, 2);
  assert.deepEqual(Object.keys(s.teams).sort(), [team.teamId, quietTeam.teamId].sort());
});

test('supervisor - a team installed later gets its socket at once (TeamActive on install)', async () => {
  await tokens.put(lateTeam.teamId, { teamName: lateTeam.teamName, botToken: lateTeam.botToken, botUserId: lateTeam.botUserId, appToken: lateTeam.appToken, installedAt: Date.now() });
  nc.publish(infra.subjects.teamActive(lateTeam.teamId), codecs.teamActive.encode({ type: MessageTypes.teamActive, team: lateTeam.teamId, reason: 'install', at: Date.now() }));
  await eventually(async () => (await openCount(lateTeam.teamId)) === 1, 3_000, 'late team socket');
});

test('supervisor - a channel message over the socket becomes one GameMessage, acked after the handoff', async () => {
  const sent = await driver(sandbox, 'message', { team_id: team.teamId, channel_id: general.id, user_id: alice.id, text: '빠르게 입력하세요' });
  assert.equal(sent.body.via, 'socket');
  const got = await eventually(() => inbox.find((m) => m.ts === sent.body.ts), 3_000, 'game message');
  assert.deepEqual([got.team, got.channel, got.user, got.text], [team.teamId, general.id, alice.id, '빠르게 입력하세요']);
  assert.ok(got.receivedAt > 0 && got.eventId.length > 0);
  await eventually(async () => /sf_envelopes_total\{[^}]*type="events_api"[^}]*outcome="forwarded"[^}]*\} 1/.test(await supervisor.registry.metrics()), 3_000, 'counted as forwarded');
});

test('supervisor - an event the games cannot take for longer than Slack’s first retries is still handed on once they can', async () => {
  const random = team.channels[1]!;
  const taken: string[] = [];
  let refuseUntil = Date.now() + 8_000;
  // Games unreachable for 8 s: Slack's first attempt and its immediate retry (after the 3 s ack
  // window) both fail; its next retry would come a minute later, after the round.
  const game = nc.subscribe(infra.subjects.game(team.teamId, random.id), {
    callback: (_e, m) => {
      if (Date.now() < refuseUntil) return replyError(m, 'SF_ERR_SNAPSHOT_WRITE', 'state store unavailable; retry');
      taken.push((codecs.gameInbound.decode(m.data) as GameMessage).text);
      m.respond(codecs.reply.encode({ type: MessageTypes.reply, ok: true }));
    },
  });
  after(() => game.unsubscribe());
  await nc.flush();
  const sent = await driver(sandbox, 'message', { team_id: team.teamId, channel_id: random.id, user_id: alice.id, text: '늦게 도착한 답' });
  assert.equal(sent.body.via, 'socket');
  await eventually(() => taken.length > 0, 15_000, 'handed on after the outage');
  refuseUntil = 0;
  assert.equal(taken[0], '늦게 도착한 답');
});

test('supervisor - slash commands over the socket are answered in the ack', async () => {
  const res = await driver(sandbox, 'command', { team_id: team.teamId, channel_id: general.id, user_id: alice.id, command: '/helpgame', text: '' });
  assert.equal(res.body.via, 'socket');
  await eventually(async () => (await messages(sandbox, team.teamId, general.id)).some((m) => m.ephemeral_to === alice.id && m.text?.includes('/start')), 3_000, 'help shown');
});

test('supervisor - /start with over 1,000 characters of text gets the usage line', async () => {
  await driver(sandbox, 'command', { team_id: team.teamId, channel_id: general.id, user_id: alice.id, command: '/start', text: 'x'.repeat(1_500) });
  await eventually(async () => (await messages(sandbox, team.teamId, general.id)).some((m) => m.ephemeral_to === alice.id && m.text?.includes('/start [normal')), 3_000, 'usage shown');
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

test('supervisor - TeamRemoved closes the socket at once, and it stays closed', async () => {
  await tokens.delete(quietTeam.teamId);
  nc.publish(infra.subjects.teamRemoved(quietTeam.teamId), codecs.teamRemoved.encode({ type: MessageTypes.teamRemoved, team: quietTeam.teamId, reason: 'app_uninstalled', at: Date.now() }));
  await eventually(async () => (await openCount(quietTeam.teamId)) === 0, 2_000, 'closed on removal');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await openCount(quietTeam.teamId), 0);
  assert.match(await supervisor.registry.metrics(), /sf_sockets_open\{[^}]*\} 2/);
  // What the no-sockets alert compares against: the removed team is no longer wanted either.
  await eventually(async () => /sf_sockets_wanted\{[^}]*\} 2/.test(await supervisor.registry.metrics()), 3_000, 'wanted follows the registered teams');
});

test('supervisor - in http delivery no socket is wanted, so the no-sockets alert cannot fire', async () => {
  // Its own prefix: a member of sup-a's cluster would take some of its teams.
  const http = await start({ ...supervisorOptions(infra, { sandbox, tokenKeys }, { supervisorId: 'sup-http', heartbeatMs: 200, memberTtlMs: 1_000, delivery: 'http' }), prefix: 'sfhttp' });
  try {
    const metrics = await http.registry.metrics();
    assert.match(metrics, /sf_sockets_wanted\{[^}]*\} 0/);
    assert.match(metrics, /sf_sockets_open\{[^}]*\} 0/);
  } finally {
    await http.stop();
  }
});
