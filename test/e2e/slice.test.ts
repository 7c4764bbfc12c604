import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type NatsConnection, type Msg } from 'nats';
import { codecs, createSubjects, pack, ServiceNames, unpack } from '../../protocol/index.ts';
import { REPO_ROOT, startCluster, type Cluster } from '../../services/local/cluster.ts';
import { signSlackRequest } from '../../services/common/slack-signature.ts';
import { Channel, messageText } from '../support/cluster-play.ts';

/**
 * Issue 4's acceptance, through the real cluster: every service its own OS process on real
 * nats-server and redis-server, Slack replaced only by the sandbox. Run twice: on one nats-server,
 * and on the 3-server NATS cluster with every stream and bucket replicated 3 times (issue 17), the
 * shape deploy/ runs in production.
 */
const INFRA = [
  { name: 'one nats-server', natsCluster: undefined },
  { name: '3-server NATS cluster, JetStream R3', natsCluster: 3 as const },
];

for (const infra of INFRA) describe(`slice (${infra.name}) - a game end to end through ingress, NATS, the channel actor, egress and ranking`, () => {
  let cluster: Cluster;
  let nc: NatsConnection;
  const seen: Msg[] = [];

  before(async () => {
    const logDir = join(REPO_ROOT, 'test-output', infra.natsCluster ? 'e2e-slice-nats-cluster' : 'e2e-slice');
    rmSync(logDir, { recursive: true, force: true });
    // Exact-score assertions: no mission may twist the round.
    cluster = await startCluster({ sandbox: { teams: 2 }, logLevel: 'info', logDir, env: { SF_MISSION_RATE: '0' }, ...(infra.natsCluster ? { natsCluster: infra.natsCluster } : {}) });
    nc = await connect({ servers: cluster.natsUrl.split(','), ...cluster.natsAuth, name: 'e2e-observer' });
    // What travels on the wire. Not game inboxes: a subscriber there would count as a responder
    // and hide NATS' "no responders", which is how the cluster knows a game is not active.
    const s = createSubjects(cluster.prefix);
    for (const subject of [s.allEgress(), s.allResults(), s.allTeamActive()]) nc.subscribe(subject, { callback: (_err, msg) => seen.push(msg) });
  });

  after(async () => {
    await nc?.close();
    await cluster?.stop();
  });

  test('two games in two teams run at once; results rank the exact typist above the one with a typo; /rank agrees', async () => {
    const [teamA, teamB] = cluster.sandbox.teams;
    assert.ok(teamA && teamB, 'sandbox has two teams');
    const [u1, u2, u3] = teamA.users;
    const [v1, v2] = teamB.users;
    assert.ok(u1 && u2 && u3 && v1 && v2);
    const a = new Channel(cluster, teamA.teamId, teamA.channels[0]!.id);
    const b = new Channel(cluster, teamB.teamId, teamB.channels[1]!.id);

    // Easy prompts and a human pace: an answer faster than ~1,500 keystrokes a minute is flagged
    // as implausible and left out of the rankings.
    await Promise.all([a.command(u1.id, '/start', 'normal easy'), b.command(v1.id, '/start', 'normal easy')]);
    const [promptA, promptB] = await Promise.all([a.waitForPrompt(), b.waitForPrompt()]);
    // Both actors are active now, so watching their inboxes changes nothing.
    const s = createSubjects(cluster.prefix);
    for (const subject of [s.game(a.team, a.channel), s.game(b.team, b.channel)]) nc.subscribe(subject, { callback: (_err, msg) => seen.push(msg) });

    // One typo: swap the last letter-like character for another.
    const typo = (text: string) => {
      const i = [...text].findLastIndex((c) => /\p{L}/u.test(c));
      const chars = [...text];
      chars[i] = chars[i] === '가' || chars[i] === 'a' ? (/[a-z]/i.test(chars[i]!) ? 'b' : '나') : /[a-z]/i.test(chars[i]!) ? 'a' : '가';
      return chars.join('');
    };
    await new Promise((r) => setTimeout(r, 6_000));
    await a.say(u1.id, promptA.typed);
    await a.say(u2.id, typo(promptA.typed));
    await b.say(v1.id, promptB.typed);
    await b.say(v2.id, typo(promptB.typed));

    const [resultsA, resultsB] = await Promise.all([a.waitForBlock('results', promptA.ts, 60_000), b.waitForBlock('results', promptB.ts, 60_000)]);
    const tableA = resultsA.text;
    const pos = (text: string, user: string) => text.indexOf(`<@${user}>`);
    assert.ok(pos(tableA, u1.id) >= 0 && pos(tableA, u2.id) > pos(tableA, u1.id), `U1 ranks above U2:\n${tableA}`);
    assert.match(tableA, new RegExp(`<@${u1.id}>[^\\n]*100%`), 'U1 typed it exactly: 100%');
    assert.doesNotMatch(tableA.split('\n').find((l) => l.includes(u2.id)) ?? '', /100%/, 'U2 had a typo: below 100%');
    assert.equal(pos(tableA, u3.id), -1, 'U3 said nothing and is not ranked');
    // Isolation: neither channel ever shows the other team's players.
    const allA = (await a.messages()).map(messageText).join('\n');
    const allB = (await b.messages()).map(messageText).join('\n');
    assert.ok(!allA.includes(v1.id) && !allA.includes(v2.id), 'team A never sees team B players');
    assert.ok(!allB.includes(u1.id) && !allB.includes(u2.id), 'team B never sees team A players');
    assert.ok(pos(resultsB.text, v1.id) < pos(resultsB.text, v2.id), 'team B ranked on its own');

    // Ranking consumes the results from JetStream; /rank lists U1 then U2.
    // Polled gently: ingress rate-limits a user to 20 commands a minute.
    let rank = '';
    for (let i = 0; i < 12 && !(rank.includes(u1.id) && rank.includes(u2.id)); i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 1_000));
      await a.command(u1.id, '/rank');
      rank = messageText((await a.messages()).at(-1)!);
    }
    assert.ok(pos(rank, u1.id) < pos(rank, u2.id), `/rank lists U1 before U2:\n${rank}`);
  });

  test('every stream and KV bucket keeps as many copies as there are servers (R1 alone, R3 on the cluster)', async () => {
    const want = infra.natsCluster ?? 1;
    const jsm = await nc.jetstreamManager();
    const replicas: Record<string, number> = {};
    for await (const info of jsm.streams.list()) if (info.config.name.startsWith(cluster.prefix) || info.config.name.startsWith(`KV_${cluster.prefix}`)) replicas[info.config.name] = info.config.num_replicas;
    const s = createSubjects(cluster.prefix);
    for (const name of [s.streams.results, s.streams.events, `KV_${s.buckets.leases}`, `KV_${s.buckets.snapshots}`, `KV_${s.buckets.members}`]) assert.equal(replicas[name], want, `${name} replicas`);
    assert.deepEqual(Object.entries(replicas).filter(([, n]) => n !== want), [], 'no stream or bucket with other replicas');
  });

  test('payloads on the wire are msgpack that decode to the protocol types', () => {
    const s = createSubjects(cluster.prefix);
    const game = seen.filter((m) => m.subject.startsWith(s.allGames().slice(0, -1)));
    const egress = seen.filter((m) => m.subject.startsWith(s.allEgress().slice(0, -1)));
    const results = seen.filter((m) => m.subject.startsWith(s.allResults().slice(0, -1)));
    assert.ok(game.length >= 4, `saw game inbox traffic (${game.length})`);
    assert.ok(egress.length >= 4, `saw egress traffic (${egress.length})`);
    assert.ok(results.length >= 4, `saw results (${results.length})`);
    for (const m of game) assert.doesNotThrow(() => codecs.gameInbound.decode(m.data), m.subject);
    for (const m of egress) assert.doesNotThrow(() => codecs.egressRequest.decode(m.data), m.subject);
    for (const m of results) assert.doesNotThrow(() => codecs.result.decode(m.data), m.subject);
    // And they really are msgpack, not JSON.
    assert.throws(() => JSON.parse(new TextDecoder().decode(game[0]!.data)));
    assert.equal(typeof unpack(game[0]!.data), 'object');
  });

  test('a malformed payload to an active actor is rejected with a logged reason and the actor keeps working', async () => {
    const team = cluster.sandbox.teams[0]!;
    const [u1] = team.users;
    const ch = new Channel(cluster, team.teamId, team.channels[0]!.id);
    const subject = createSubjects(cluster.prefix).game(team.teamId, team.channels[0]!.id);
    for (const garbage of [new Uint8Array([0xc1, 0x00, 0xff]), pack({ type: 'surfinger.game.v1.message', team: 'nope' }), pack('hello')]) {
      const reply = await nc.request(subject, garbage, { timeout: 5_000 }).catch((err: unknown) => err);
      assert.ok(!(reply instanceof Error) || !/503/.test(String((reply as { code?: string }).code)), 'the actor answered (it is active)');
    }
    const hostLogs = cluster.processes.filter((p) => p.name === 'actor-host').map((p) => readFileSync(p.logFile, 'utf8')).join('\n');
    assert.match(hostLogs, /"code":"SF_ERR_PROTOCOL_(DECODE|INVALID)"[^\n]*rejected message/);
    // Still playing: a new game in the same channel runs to its result table.
    const before = (await ch.messages()).at(-1)!.ts;
    await ch.command(u1!.id, '/start');
    const prompt = await ch.waitForPrompt(before);
    await ch.say(u1!.id, prompt.typed);
    const results = await ch.waitForBlock('results', prompt.ts, 60_000);
    assert.match(results.text, new RegExp(`<@${u1!.id}>[^\\n]*100%`));
  });

  test('plain chat in a channel with no game activates nothing', async () => {
    const team = cluster.sandbox.teams[1]!;
    const quiet = team.channels[0]!.id;
    const hostGames = async () => {
      let games = 0;
      const stats = await nc.services.client().stats(ServiceNames.actorHost);
      for await (const s of stats) for (const e of s.endpoints ?? []) games = Math.max(games, Number((e.data as { games?: number } | undefined)?.games ?? 0));
      return games;
    };
    const leases = await nc.jetstream().views.kv(createSubjects(cluster.prefix).buckets.leases);
    const leaseKeys = async () => {
      const keys: string[] = [];
      for await (const k of await leases.keys()) keys.push(k);
      return keys;
    };
    const gamesBefore = await hostGames();
    const ch = new Channel(cluster, team.teamId, quiet);
    for (let i = 0; i < 5; i++) await ch.say(team.users[0]!.id, `just chatting ${i}`);
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(await hostGames(), gamesBefore, 'no new actor on any host');
    assert.ok(!(await leaseKeys()).some((k) => k.includes(quiet)), 'no lease for the quiet channel');
  });

  test('forged or stale signatures get 401 with a clear body and publish nothing', async () => {
    const team = cluster.sandbox.teams[0]!;
    const body = new URLSearchParams({ team_id: team.teamId, channel_id: team.channels[1]!.id, user_id: team.users[0]!.id, command: '/start', text: '' }).toString();
    const now = Math.floor(Date.now() / 1000);
    const cases = [
      { name: 'forged', timestamp: now, signature: signSlackRequest({ signingSecret: 'not-the-secret', timestamp: now, body }) },
      { name: 'stale', timestamp: now - 600, signature: signSlackRequest({ signingSecret: team.signingSecret, timestamp: now - 600, body }) },
      { name: 'missing', timestamp: now, signature: '' },
    ];
    // No legitimate traffic is expected now, so watching everything is safe here.
    const all: Msg[] = [];
    const sub = nc.subscribe(`${cluster.prefix}.>`, { callback: (_err, msg) => all.push(msg) });
    for (const c of cases) {
      const res = await fetch(`${cluster.ingressUrl}/slack/commands`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(c.timestamp), 'x-slack-signature': c.signature },
        body,
      });
      assert.equal(res.status, 401, c.name);
      const json = (await res.json()) as { ok: boolean; error: string };
      assert.equal(json.ok, false);
      assert.match(json.error, /signature|stale/, `${c.name}: ${json.error}`);
    }
    await new Promise((r) => setTimeout(r, 500));
    sub.unsubscribe();
    const published = all.filter((m) => !m.subject.includes('.placement.load.'));
    assert.deepEqual(published.map((m) => m.subject), [], 'nothing was published for the rejected requests');
  });
});
