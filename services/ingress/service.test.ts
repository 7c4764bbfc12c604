import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { codecs, MessageTypes, type GameInbound, type RankingQuery } from '../../protocol/index.ts';
import { replyError } from '../actor-host/actor.ts';
import { startInfra } from '../../test/support/harness.ts';
import { driver, eventually, messages, quiet, recordSubjects, signedPost, startSlack } from '../../test/security/edge-kit.ts';
import { TeamSettingsStore } from '../common/team-settings.ts';
import { start as startEgress } from '../egress/service.ts';
import { start } from './service.ts';

const infra = await startInfra();
const { sandbox, tokenKeys } = await startSlack(infra);
const prefix = infra.subjects.prefix;
const ingress = await start({
  log: quiet,
  natsUrl: infra.nats.url,
  redisUrl: infra.redis.url,
  prefix,
  host: '127.0.0.1',
  port: 0,
  signingSecrets: sandbox.info.teams.map((t) => t.signingSecret),
  tokenKeys,
  production: true,
  oauth: { clientId: undefined, clientSecret: undefined, authorizeBase: sandbox.url, publicUrl: 'http://127.0.0.1', scopes: 'commands', slackApiUrl: sandbox.info.apiUrl },
  rateLimits: { userPerMinute: 1_000, teamPerMinute: 1_000 },
  bodyLimit: 65_536,
  admin: { user: 'admin', password: undefined },
  pageLinkSecret: 'test-page-link-secret-0123456789abcdef',
});
after(() => ingress.stop());
const egress = await startEgress({
  log: quiet,
  natsUrl: infra.nats.url,
  redisUrl: infra.redis.url,
  prefix,
  slackApiUrl: sandbox.info.apiUrl,
  tokenKeys,
  production: true,
  pace: { ratePerSec: 50, burst: 50 },
  maxRetries: 2,
  metricsPort: 0,
  metricsHost: '127.0.0.1',
});
after(() => egress.stop());
const url = String(ingress.info!.url);
const verification = await sandbox.setAppUrl(url);
const team = sandbox.info.teams[0]!;
const [general, random] = team.channels;
const [alice, bob] = team.users;
const nc = await infra.natsClient();
const settings = await TeamSettingsStore.open(nc, infra.subjects);

test('ingress - answers Slack url_verification with the challenge', () => {
  assert.deepEqual((verification as { url_verification: { ok: boolean } }).url_verification.ok, true);
});

test('ingress - a signed /rank reaches the ranking subject and its Reply becomes the shown answer', async () => {
  const queries: RankingQuery[] = [];
  const sub = nc.subscribe(infra.subjects.rankingQuery(), {
    callback: (_e, msg) => {
      const q = codecs.rankingQuery.decode(msg.data);
      queries.push(q);
      msg.respond(codecs.reply.encode({ type: MessageTypes.reply, ok: true, responseType: 'in_channel', text: `ranking for ${q.channel}` }));
    },
  });
  const res = await driver(sandbox, 'command', { team_id: team.teamId, channel_id: general!.id, user_id: alice!.id, command: '/rank', text: '' });
  sub.unsubscribe();
  assert.equal(res.body.via, 'http');
  assert.equal(res.body.status, 200);
  assert.deepEqual(queries.map((q) => [q.kind, q.team, q.user, q.lang]), [['rank', team.teamId, alice!.id, 'ko']]);
  const shown = await messages(sandbox, team.teamId, general!.id);
  assert.ok(shown.some((m) => m.text === `ranking for ${general!.id}` && m.ephemeral_to === undefined));
});

test('ingress - /start activates the game and shows its reply', async () => {
  const inbox: GameInbound[] = [];
  // A stand-in actor host: the game subject has no responders until activation.
  const activation = nc.subscribe(infra.subjects.activate(), {
    callback: (_e, m) => {
      const a = codecs.activate.decode(m.data);
      nc.subscribe(infra.subjects.game(a.team, a.channel), {
        callback: (_e2, g) => {
          inbox.push(codecs.gameInbound.decode(g.data));
          g.respond(codecs.reply.encode({ type: MessageTypes.reply, ok: true, responseType: 'in_channel', text: 'game on' }));
        },
      });
      void nc.flush().then(() => m.respond(codecs.activated.encode({ type: MessageTypes.activated, ok: true, hostId: 'h1' })));
    },
  });
  await driver(sandbox, 'command', { team_id: team.teamId, channel_id: random!.id, user_id: bob!.id, command: '/start', text: 'round 3' });
  activation.unsubscribe();
  assert.equal(inbox.length, 1);
  assert.deepEqual([inbox[0]!.type, (inbox[0] as { command: string }).command, (inbox[0] as { text: string }).text], [MessageTypes.gameCommand, 'start', 'round 3']);
  assert.ok((await messages(sandbox, team.teamId, random!.id)).some((m) => m.text === 'game on'));
});

test('ingress - /helpgame, /lang and the language buttons work in both languages; the channel hears of a switch', async () => {
  await driver(sandbox, 'command', { team_id: team.teamId, channel_id: general!.id, user_id: bob!.id, command: '/helpgame', text: '' });
  await driver(sandbox, 'command', { team_id: team.teamId, channel_id: general!.id, user_id: bob!.id, command: '/lang', text: '' });
  const shown = await messages(sandbox, team.teamId, general!.id);
  assert.ok(shown.some((m) => m.ephemeral_to === bob!.id && m.text?.includes('/start')), 'help shown');
  const picker = shown.findLast((m) => m.ephemeral_to === bob!.id && JSON.stringify(m.blocks ?? []).includes('lang_en'))!;
  assert.ok(picker, 'language picker shown');
  const click = await driver(sandbox, 'click', { team_id: team.teamId, channel_id: general!.id, user_id: bob!.id, message_ts: picker.ts, action_id: 'lang_en', value: 'en' });
  assert.equal(click.status, 200);
  await eventually(async () => (await settings.get(team.teamId)).lang === 'en', 3_000, 'team language en');
  // The whole channel is told, new language first (issue 16: not only the clicker).
  const notice = `🌐 <@${bob!.id}> switched this team’s language to English.\n🌐 <@${bob!.id}>님이 팀 언어를 영어로 바꿨어요.`;
  await eventually(async () => (await messages(sandbox, team.teamId, general!.id)).some((m) => m.text === notice && m.ephemeral_to === undefined), 3_000, 'channel notice');
  await driver(sandbox, 'command', { team_id: team.teamId, channel_id: general!.id, user_id: bob!.id, command: '/nope', text: '' });
  assert.ok((await messages(sandbox, team.teamId, general!.id)).some((m) => m.text?.includes('`/helpgame` lists every command')));
  await settings.update(team.teamId, { lang: 'ko' });
});

test('ingress - channel messages reach a running game once, without activating idle channels', async () => {
  const inbox: GameInbound[] = [];
  const activations: unknown[] = [];
  const game = nc.subscribe(infra.subjects.game(team.teamId, general!.id), {
    callback: (_e, m) => {
      inbox.push(codecs.gameInbound.decode(m.data));
      m.respond(codecs.reply.encode({ type: MessageTypes.reply, ok: true }));
    },
  });
  const act = nc.subscribe(infra.subjects.activate(), { callback: (_e, m) => activations.push(m.subject) });
  await nc.flush();
  await driver(sandbox, 'message', { team_id: team.teamId, channel_id: general!.id, user_id: alice!.id, text: '안녕하세요 반갑습니다' });
  await driver(sandbox, 'message', { team_id: team.teamId, channel_id: random!.id, user_id: alice!.id, text: 'chat with no game' });
  await eventually(() => inbox.length === 1, 3_000, 'message forwarded');
  // The same event delivered again (a Slack retry) is handed on again, with its event_id: the game
  // itself recognises an answer it already has (actors/game.ts), so no Redis is needed for that.
  const event = JSON.stringify({ type: 'event_callback', team_id: team.teamId, event_id: 'EvDUP1', event: { type: 'message', channel: general!.id, user: alice!.id, text: 'dup', ts: '1.000001' } });
  // Slack signs each retry afresh (new timestamp), so the replay cache lets it through.
  const now = Math.floor(Date.now() / 1_000);
  for (const retry of [0, 1]) {
    const res = await signedPost(`${url}/slack/events`, event, { secret: team.signingSecret, contentType: 'application/json', timestamp: now - retry, headers: { 'x-slack-retry-num': String(retry) } });
    assert.equal(res.status, 200);
  }
  await new Promise((r) => setTimeout(r, 200));
  game.unsubscribe();
  act.unsubscribe();
  assert.deepEqual(inbox.map((m) => (m as { text: string }).text), ['안녕하세요 반갑습니다', 'dup', 'dup']);
  assert.deepEqual(inbox.slice(1).map((m) => (m as { eventId: string }).eventId), ['EvDUP1', 'EvDUP1']);
  assert.equal(activations.length, 0);
});

test('ingress - an event the game did not take is answered 503, and Slack’s retry in the same second is taken, not refused as a replay', async () => {
  let refuse = true;
  const taken: string[] = [];
  const game = nc.subscribe(infra.subjects.game(team.teamId, general!.id), {
    callback: (_e, m) => {
      // A host whose state store is down answers with a coded error after it could not commit.
      if (refuse) return replyError(m, 'SF_ERR_SNAPSHOT_WRITE', 'state store unavailable; retry');
      taken.push((codecs.gameInbound.decode(m.data) as { eventId: string }).eventId);
      m.respond(codecs.reply.encode({ type: MessageTypes.reply, ok: true }));
    },
  });
  await nc.flush();
  const event = JSON.stringify({ type: 'event_callback', team_id: team.teamId, event_id: 'EvNOTTAKEN', event: { type: 'message', channel: general!.id, user: alice!.id, text: 'answer', ts: '2.000001' } });
  // Slack retries a failed delivery at once; signed in the same second, it has the same signature.
  const timestamp = Math.floor(Date.now() / 1_000);
  const res = await signedPost(`${url}/slack/events`, event, { secret: team.signingSecret, contentType: 'application/json', timestamp });
  assert.equal(res.status, 503);
  assert.equal(JSON.parse(res.body).error, 'retry_later');
  refuse = false;
  const retried = await signedPost(`${url}/slack/events`, event, { secret: team.signingSecret, contentType: 'application/json', timestamp, headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_error' } });
  game.unsubscribe();
  assert.equal(retried.status, 200, retried.body);
  assert.deepEqual(taken, ['EvNOTTAKEN']);
  // Once taken, the same signature is a replay again.
  const replayed = await signedPost(`${url}/slack/events`, event, { secret: team.signingSecret, contentType: 'application/json', timestamp });
  assert.equal(replayed.status, 401);
});

test('ingress - forged or stale signatures get 401 with a clear body and publish nothing', async () => {
  const seen = recordSubjects(nc, prefix);
  await nc.flush();
  const body = new URLSearchParams({ team_id: team.teamId, channel_id: general!.id, user_id: alice!.id, command: '/start', text: '' }).toString();
  const forged = await signedPost(`${url}/slack/commands`, body, { secret: 'not-the-secret' });
  assert.equal(forged.status, 401);
  assert.deepEqual(JSON.parse(forged.body), { ok: false, error: 'invalid_signature', detail: 'signature does not match body' });
  const stale = await signedPost(`${url}/slack/commands`, body, { secret: team.signingSecret, timestamp: Math.floor(Date.now() / 1_000) - 301 });
  assert.equal(stale.status, 401);
  assert.equal(JSON.parse(stale.body).error, 'stale_request');
  const missing = await fetch(`${url}/slack/commands`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  assert.equal(missing.status, 401);
  await nc.flush();
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(seen, []);
});

test('ingress - a command slower than Slack’s 3 s says so at once and delivers its answer through response_url', async () => {
  const sub = nc.subscribe(infra.subjects.rankingQuery(), {
    callback: (_e, msg) => {
      setTimeout(() => msg.respond(codecs.reply.encode({ type: MessageTypes.reply, ok: true, responseType: 'ephemeral', text: 'slow ranking' })), 3_500);
    },
  });
  const res = await driver(sandbox, 'command', { team_id: team.teamId, channel_id: random!.id, user_id: alice!.id, command: '/rank', text: '' });
  assert.equal(res.body.status, 200);
  await eventually(async () => (await messages(sandbox, team.teamId, random!.id)).some((m) => m.ephemeral_to === alice!.id && m.text?.startsWith('⏳')), 3_000, 'working note');
  await eventually(async () => (await messages(sandbox, team.teamId, random!.id)).some((m) => m.ephemeral_to === alice!.id && m.text === 'slow ranking'), 10_000, 'late answer');
  sub.unsubscribe();
});

test('ingress - healthz answers on the public port, metrics on the ops port only', async () => {
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  assert.equal((await fetch(`${url}/metrics`)).status, 404);
  const metrics = await (await fetch(`${String(ingress.info!.metricsUrl)}/metrics`)).text();
  assert.match(metrics, /sf_ingress_requests_total\{[^}]*route="commands"/);
});

test('ingress - with Redis down, commands still answer 200 (help as usual, ranking honestly unavailable) and a replay is still refused', async () => {
  infra.redis.kill();
  try {
    const help = await driver(sandbox, 'command', { team_id: team.teamId, channel_id: general!.id, user_id: bob!.id, command: '/helpgame', text: '' });
    assert.equal(help.body.status, 200);
    // Ranking lives in Redis: its service answers with an error, and the user is told so in words.
    const ranking = nc.subscribe(infra.subjects.rankingQuery(), { callback: (_e, m) => replyError(m, 'SF_ERR_REDIS', 'ranking store unavailable') });
    await nc.flush();
    const rank = await driver(sandbox, 'command', { team_id: team.teamId, channel_id: general!.id, user_id: bob!.id, command: '/rank', text: '' });
    ranking.unsubscribe();
    assert.equal(rank.body.status, 200);
    await eventually(async () => (await messages(sandbox, team.teamId, general!.id)).some((m) => m.ephemeral_to === bob!.id && m.text?.includes('지금은 처리할 수 없어요')), 3_000, 'unavailable shown');
    const body = new URLSearchParams({ team_id: team.teamId, channel_id: general!.id, user_id: bob!.id, command: '/helpgame', text: '' }).toString();
    const timestamp = Math.floor(Date.now() / 1_000);
    const first = await signedPost(`${url}/slack/commands`, body, { secret: team.signingSecret, timestamp });
    const replay = await signedPost(`${url}/slack/commands`, body, { secret: team.signingSecret, timestamp });
    assert.equal(first.status, 200);
    assert.equal(replay.status, 401);
    assert.equal(JSON.parse(replay.body).error, 'replayed_request');
    // Probes: readiness fails (do not route here), liveness holds (do not restart the pod for it).
    const ops = String(ingress.info!.metricsUrl);
    await eventually(async () => (await fetch(`${url}/healthz`)).status === 503 && (await fetch(`${ops}/readyz`)).status === 503, 3_000, 'not ready without Redis');
    assert.equal((await fetch(`${url}/livez`)).status, 200);
    assert.equal((await fetch(`${ops}/livez`)).status, 200);
  } finally {
    await infra.redis.restart();
  }
});
