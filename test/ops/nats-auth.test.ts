import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { connect, RequestStrategy, type NatsConnection } from 'nats';
import { startNatsServer, type NatsServer } from '../../services/local/local-infra.ts';
import { ensureStreams } from '../../services/common/jetstream.ts';
import { TeamSettingsStore } from '../../services/common/team-settings.ts';
import { createSubjects, EgressKinds, ServiceNames } from '../../protocol/index.ts';
import { allows, natsUsers, renderAuthConf, subjectMatches } from '../../deploy/nats/permissions.ts';
import { probeCluster } from '../../services/watchdog/probe.ts';

/**
 * Acceptance 3 of issue 9: the committed NATS authorization config is what the generator derives
 * from protocol/subjects.ts, it parses with `nats-server -t`, and on a real server every service
 * can do its job with its own credentials while another service's credentials are refused the
 * subjects that service must not touch.
 */
const AUTH_CONF = fileURLToPath(new URL('../../deploy/nats/auth.conf', import.meta.url));
const s = createSubjects('sf');
const users = natsUsers(s);
const passwords = new Map(users.map((u) => [u.user, `pw-${u.user}-${Math.random().toString(36).slice(2)}`]));
// nats-server resolves `$SF_NATS_PASS_*` from its environment; spawn() inherits ours.
for (const u of users) process.env[u.passwordEnv] = passwords.get(u.user);

let nats: NatsServer;
const open: NatsConnection[] = [];

before(async () => {
  nats = await startNatsServer({ extraConfig: readFileSync(AUTH_CONF, 'utf8') });
});
after(async () => {
  await Promise.allSettled(open.map((nc) => nc.close()));
  await nats?.stop();
});

async function as(user: string): Promise<NatsConnection> {
  const nc = await connect({ servers: nats.url, user, pass: passwords.get(user), name: `test-${user}` });
  open.push(nc);
  return nc;
}

/** Runs `act` and resolves with the permission violation the server reports for `subject`. */
async function refused(nc: NatsConnection, operation: 'publish' | 'subscription', subject: string, act: () => unknown): Promise<void> {
  const seen = (async () => {
    for await (const status of nc.status()) {
      const ctx = status.permissionContext;
      if (ctx && ctx.operation === operation && ctx.subject === subject) return true;
    }
    return false;
  })();
  act();
  await nc.flush();
  const result = await Promise.race([seen, new Promise<false>((r) => setTimeout(() => r(false), 2_000))]);
  assert.equal(result, true, `expected a permissions violation for ${operation} to ${subject}`);
}

test('auth.conf - committed file equals the generator output (no drift from protocol/subjects.ts)', () => {
  assert.equal(readFileSync(AUTH_CONF, 'utf8'), renderAuthConf(users), 'run `node --import tsx deploy/nats/generate.ts`');
});

test('auth.conf - every subject in protocol/subjects.ts has a publisher and a subscriber (or a stream)', () => {
  const services = users.filter((u) => u.user !== 'admin');
  const streamed = [s.allResults(), s.allGameEvents()];
  const builders = Object.entries(s).filter((e): e is [string, (...ids: string[]) => string] => typeof e[1] === 'function' && !e[0].startsWith('all') && !['egressOf', 'parseEgress'].includes(e[0]));
  assert.ok(builders.length >= 10, 'expected the subject builders of protocol/subjects.ts');
  const calls = builders.flatMap(([name, build]) => (name === 'egress' ? Object.keys(EgressKinds).map((kind) => [`egress ${kind}`, build(kind, 'T1', 'C1')] as const) : [[name, build('T1', 'C1')] as const]));
  for (const [name, subject] of calls) {
    assert.ok(services.some((u) => allows(u, 'publish', subject)), `nobody may publish ${name} (${subject})`);
    const consumed = streamed.some((pattern) => subjectMatches(pattern, subject));
    assert.ok(consumed || services.some((u) => allows(u, 'subscribe', subject)), `nobody may subscribe to ${name} (${subject})`);
  }
});

test('auth.conf - nats-server -t accepts it', () => {
  const dir = fileURLToPath(new URL('../../deploy/nats/', import.meta.url));
  const result = spawnSync('nats-server', ['-t', '-c', `${dir}auth.conf`], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
});

test('auth - a wrong password is refused at connect', async () => {
  await assert.rejects(connect({ servers: nats.url, user: 'ingress', pass: 'nope', maxReconnectAttempts: 0, reconnect: false }), /Authorization/i);
});

test('ingress - commands reach a game actor and egress answers the actor host (allow_responses)', async () => {
  const [ingress, host, egress] = await Promise.all([as('ingress'), as('actor-host'), as('egress')]);
  // A host serves one game inbox per activated game (game.*.* at most, never game.>).
  host.subscribe(s.game('T1', 'C1'), { callback: (_e, m) => m.respond(new TextEncoder().encode('game-ok')) });
  egress.subscribe(s.allEgress(), { queue: s.queues.egress, callback: (_e, m) => m.respond(new TextEncoder().encode(m.subject)) });
  await Promise.all([host.flush(), egress.flush()]);
  const reply = await ingress.request(s.game('T1', 'C1'), new Uint8Array(), { timeout: 2_000 });
  assert.equal(new TextDecoder().decode(reply.data), 'game-ok');
  const posted = await host.request(s.egress('game', 'T1', 'C1'), new Uint8Array(), { timeout: 2_000 });
  assert.equal(new TextDecoder().decode(posted.data), s.egress('game', 'T1', 'C1'));
});

test('ingress credentials - refused results, leases, host loads, serving games or egress, deleting streams', async () => {
  const nc = await as('ingress');
  // Issue 15 item 4: the internet-facing edge cannot post, edit or delete as the bot.
  for (const kind of ['game', 'announce'] as const) await refused(nc, 'publish', s.egress(kind, 'T1', 'C1'), () => nc.publish(s.egress(kind, 'T1', 'C1')));
  await refused(nc, 'publish', `${s.game('T1', 'C1')}.deeper`, () => nc.publish(`${s.game('T1', 'C1')}.deeper`));
  await refused(nc, 'publish', `$SRV.STATS.${ServiceNames.egress}`, () => nc.publish(`$SRV.STATS.${ServiceNames.egress}`));
  await refused(nc, 'publish', s.results('T1', 'C1'), () => nc.publish(s.results('T1', 'C1')));
  await refused(nc, 'publish', `$KV.${s.buckets.leases}.T1`, () => nc.publish(`$KV.${s.buckets.leases}.T1`));
  await refused(nc, 'publish', s.hostLoad('h1'), () => nc.publish(s.hostLoad('h1')));
  await refused(nc, 'subscription', s.game('T1', 'C1'), () => nc.subscribe(s.game('T1', 'C1')));
  await refused(nc, 'subscription', s.allEgress(), () => nc.subscribe(s.allEgress()));
  await refused(nc, 'publish', `$JS.API.STREAM.DELETE.${s.streams.results}`, () => nc.publish(`$JS.API.STREAM.DELETE.${s.streams.results}`));
});

test('actor-host credentials - refused egress traffic, team settings writes, ranking and notices', async () => {
  const nc = await as('actor-host');
  await refused(nc, 'subscription', s.allEgress(), () => nc.subscribe(s.allEgress()));
  await refused(nc, 'publish', `$KV.${s.buckets.teams}.T1`, () => nc.publish(`$KV.${s.buckets.teams}.T1`));
  await refused(nc, 'publish', s.rankingQuery(), () => nc.publish(s.rankingQuery()));
  await refused(nc, 'publish', s.notice(), () => nc.publish(s.notice()));
  await refused(nc, 'subscription', s.rankingQuery(), () => nc.subscribe(s.rankingQuery()));
});

test('supervisor credentials - ephemeral replies only; no posts, no results', async () => {
  const nc = await as('connection-supervisor');
  for (const kind of ['game', 'announce'] as const) await refused(nc, 'publish', s.egress(kind, 'T1', 'C1'), () => nc.publish(s.egress(kind, 'T1', 'C1')));
  await refused(nc, 'publish', s.results('T1', 'C1'), () => nc.publish(s.results('T1', 'C1')));
  await refused(nc, 'publish', s.notice(), () => nc.publish(s.notice()));
});

test('ranking, scheduler and watchdog credentials - no game edits, no game inboxes; only ranking replies', async () => {
  for (const user of ['ranking', 'scheduler', 'watchdog']) {
    const nc = await as(user);
    // Ranking alone may reply (the personal page link of /rank me is ephemeral); nobody here edits games.
    const kinds = user === 'ranking' ? (['game'] as const) : (['game', 'reply'] as const);
    for (const kind of kinds) await refused(nc, 'publish', s.egress(kind, 'T1', 'C1'), () => nc.publish(s.egress(kind, 'T1', 'C1')));
    await refused(nc, 'publish', s.game('T1', 'C1'), () => nc.publish(s.game('T1', 'C1')));
    await refused(nc, 'publish', s.notice(), () => nc.publish(s.notice()));
  }
});

test('egress kinds - each sender reaches egress on its own kind (allow_responses answers it)', async () => {
  const egress = await as('egress');
  egress.subscribe(s.allEgress(), { queue: s.queues.egress, callback: (_e, m) => m.respond(new TextEncoder().encode(m.subject)) });
  await egress.flush();
  const senders: Array<[string, 'game' | 'reply' | 'announce']> = [
    ['actor-host', 'game'],
    ['ingress', 'reply'],
    ['connection-supervisor', 'reply'],
    ['ranking', 'announce'],
    ['scheduler', 'announce'],
    ['watchdog', 'announce'],
  ];
  for (const [user, kind] of senders) {
    const reply = await (await as(user)).request(s.egress(kind, 'T1', 'C1'), new Uint8Array(), { timeout: 2_000 });
    assert.equal(new TextDecoder().decode(reply.data), s.egress(kind, 'T1', 'C1'), user);
  }
});

test('egress credentials - refused game inboxes, results and activation', async () => {
  const nc = await as('egress');
  await refused(nc, 'publish', s.game('T1', 'C1'), () => nc.publish(s.game('T1', 'C1')));
  await refused(nc, 'subscription', s.allGames(), () => nc.subscribe(s.allGames()));
  await refused(nc, 'publish', s.results('T1', 'C1'), () => nc.publish(s.results('T1', 'C1')));
  await refused(nc, 'publish', s.activate(), () => nc.publish(s.activate()));
});

test('jetstream - each service uses exactly the streams and buckets it owns', async () => {
  const [host, ranking, ingress] = await Promise.all([as('actor-host'), as('ranking'), as('ingress')]);
  await ensureStreams(host, s);
  const ack = await host.jetstream().publish(s.results('T1', 'C1'), new TextEncoder().encode('r1'), { msgID: 'g1:1' });
  assert.equal(ack.stream, s.streams.results);

  const jsm = await ranking.jetstreamManager();
  await jsm.consumers.add(s.streams.results, { durable_name: 'ranking', ack_policy: 'explicit' as never });
  const consumer = await ranking.jetstream().consumers.get(s.streams.results, 'ranking');
  const msg = await consumer.next({ expires: 2_000 });
  assert.equal(new TextDecoder().decode(msg?.data), 'r1');
  assert.equal(await msg?.ackAck(), true);

  const written = await (await TeamSettingsStore.open(ingress, s)).update('T1', { lang: 'en' });
  assert.equal(written.lang, 'en');
  assert.equal((await (await TeamSettingsStore.open(host, s)).get('T1')).lang, 'en');
  // A ranking credential can consume results but cannot rewrite the stream.
  await refused(ranking, 'publish', `$JS.API.STREAM.PURGE.${s.streams.results}`, () => ranking.publish(`$JS.API.STREAM.PURGE.${s.streams.results}`));
});

test('service api - every service registers under its own name; the operator discovers all of them', async () => {
  const byName: Record<string, string> = {
    ingress: ServiceNames.ingress,
    'actor-host': ServiceNames.actorHost,
    'connection-supervisor': ServiceNames.supervisor,
    egress: ServiceNames.egress,
    ranking: ServiceNames.ranking,
    scheduler: ServiceNames.scheduler,
    watchdog: ServiceNames.watchdog,
  };
  for (const [user, name] of Object.entries(byName)) {
    const nc = await as(user);
    await nc.services.add({ name, version: '0.1.0' });
    await nc.flush();
  }
  const operator = await as('operator');
  const found = new Set<string>();
  for await (const id of await operator.services.client({ strategy: RequestStrategy.Timer, maxWait: 500 }).ping()) found.add(id.name);
  assert.deepEqual([...found].sort(), Object.values(byName).sort());
  // `surfinger status` and the watchdog work with their least-privilege users, JetStream included.
  for (const user of ['operator', 'watchdog']) {
    const snapshot = await probeCluster({ nc: await as(user), subjects: s, monitorUrl: null, waitMs: 300, loadWaitMs: 300 });
    assert.deepEqual(snapshot.problems, [], `${user}: ${JSON.stringify(snapshot.problems)}`);
    assert.equal(snapshot.services.length, Object.keys(byName).length);
    assert.ok(snapshot.streams.some((st) => st.stream === s.streams.results && st.consumers.some((c) => c.consumer === 'ranking')));
  }
  await refused(operator, 'publish', s.game('T1', 'C1'), () => operator.publish(s.game('T1', 'C1')));

  // Another service's credentials cannot answer discovery under that service's name.
  const impostor = await as('ingress');
  const subject = `$SRV.PING.${ServiceNames.egress}`;
  await refused(impostor, 'subscription', subject, () => impostor.subscribe(subject));
});
