import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'nats';
import { codecs, createSubjects, MessageTypes, type GameMessage } from '../../protocol/index.ts';
import { startCluster } from '../../services/local/cluster.ts';
import { request } from '../../services/common/nats.ts';
import { eventually } from './edge-kit.ts';

/**
 * Issue 7, acceptance 1–2, with every service as its own OS process (workspace-apps delivery: each
 * team its own app): 200 teams over 2 supervisor replicas, one socket each, open without any
 * activity; a refresh_requested storm loses nothing; SIGKILL of a replica moves its teams within
 * 5 s with every event delivered (a redelivery keeps its event id, which the game recognises).
 */
const TEAMS = 200;
const cluster = await startCluster({
  delivery: 'workspace-apps',
  services: ['ingress', 'connection-supervisor'],
  supervisors: 2,
  sandbox: { teams: TEAMS, channels: 2, users: 3 },
  // `surfinger up` waits for the info-level `ready` line, so info is the quietest level here.
  logLevel: 'info',
  env: { SF_SUPERVISOR_HEARTBEAT_MS: '250', SF_SUPERVISOR_MEMBER_TTL_MS: '2500', SF_RATE_TEAM_PER_MIN: '100000' },
});
after(() => cluster.stop());
const subjects = createSubjects(cluster.prefix);
const nc = await connect({ servers: cluster.natsUrl, ...cluster.natsAuth });
after(() => nc.close());
const sandboxApi = `${cluster.sandboxUrl}/sandbox/v1/`;
const teams = cluster.sandbox.teams;

// Every game inbox answers, and records what it got (a stand-in for the actor hosts).
const received = new Map<string, GameMessage[]>();
nc.subscribe(subjects.allGames(), {
  callback: (_e, m) => {
    const msg = codecs.gameInbound.decode(m.data);
    if (msg.type === MessageTypes.gameMessage) received.set(msg.text, [...(received.get(msg.text) ?? []), msg]);
    m.respond(codecs.reply.encode({ type: MessageTypes.reply, ok: true }));
  },
});
await nc.flush();

async function call(route: string, body?: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await fetch(`${sandboxApi}${route}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await res.json()) as Record<string, unknown>;
}
async function socketCounts(): Promise<Map<string, number>> {
  const body = await call('sockets');
  return new Map((body.teams as Array<{ team_id: string; count: number }>).filter((t) => t.count > 0).map((t) => [t.team_id, t.count]));
}
let n = 0;
async function say(teamIndex: number, tag: string): Promise<{ text: string; via: string }> {
  const t = teams[teamIndex]!;
  const text = `${tag} ${++n}`;
  const res = await call('message', { team_id: t.teamId, channel_id: t.channels[0]!.id, user_id: t.users[0]!.id, text });
  return { text, via: String(res.via) };
}
async function supervisorState(id: string) {
  return request(nc, subjects.supervisorState(id), { encode: () => new Uint8Array(), decode: () => null }, null, codecs.supervisorState);
}
const allIds = teams.map((t) => t.teamId);
/** Driver calls a few dozen at a time, like many people acting at once without a thundering herd of sockets. */
async function inBatches<T, R>(items: readonly T[], size: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map((item, j) => fn(item, i + j)))));
  return out;
}
/** Texts not delivered, or delivered as two different events (a redelivery repeats the event id). */
const exactlyOnce = (texts: string[]) => texts.filter((t) => new Set(received.get(t)?.map((m) => m.eventId)).size !== 1);

test('sharding - 200 registered teams get exactly one socket each, split over both replicas, with no activity', async () => {
  const counts = await eventually(async () => {
    const c = await socketCounts();
    return c.size === TEAMS && [...c.values()].every((v) => v === 1) ? c : undefined;
  }, 30_000, '200 sockets');
  assert.equal(counts.size, TEAMS);
  const [a, b] = await Promise.all([supervisorState('connection-supervisor-1'), supervisorState('connection-supervisor-2')]);
  assert.equal(a.openSockets + b.openSockets, TEAMS);
  assert.ok(a.openSockets > 50 && b.openSockets > 50, `${a.openSockets} / ${b.openSockets}`);
});

test('sharding - a refresh_requested storm (every socket at once) loses no message', async () => {
  await inBatches(allIds, 50, (team_id) => call('disconnect', { team_id, reason: 'refresh_requested' }));
  const texts = (await inBatches(teams, 25, (_, i) => say(i, 'storm'))).map((s) => s.text);
  await eventually(() => exactlyOnce(texts).length === 0, 10_000, 'storm messages delivered once');
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(exactlyOnce(texts), []);
  await eventually(async () => {
    const c = await socketCounts();
    return c.size === TEAMS && [...c.values()].every((v) => v === 1);
  }, 20_000, 'one socket per team after the storm');
});

test('sharding - killing a replica moves its teams within 5 s; events during the move arrive, each as one event', async () => {
  const victim = cluster.service('connection-supervisor-1');
  const victimTeams = Object.keys((await supervisorState('connection-supervisor-1')).teams);
  assert.ok(victimTeams.length > 0);
  const indexOf = new Map(allIds.map((id, i) => [id, i]));
  const killedAt = Date.now();
  victim.kill();
  // Keep talking in the victim's teams while they move.
  const texts: string[] = [];
  const vias = new Map<string, number>();
  const talking = (async () => {
    while (Date.now() - killedAt < 6_000) {
      for (const team of victimTeams.slice(0, 40)) {
        const s = await say(indexOf.get(team)!, 'moving');
        texts.push(s.text);
        vias.set(s.via, (vias.get(s.via) ?? 0) + 1);
      }
    }
  })();
  // Moved = the survivor holds an open socket for every one of the victim's teams.
  const movedAfter = await eventually(async () => {
    const held = (await supervisorState('connection-supervisor-2')).teams;
    return victimTeams.every((t) => held[t] !== undefined) ? Date.now() - killedAt : undefined;
  }, 10_000, 'victim teams reconnected');
  await talking;
  assert.ok(movedAfter < 5_000, `teams moved after ${movedAfter} ms`);
  await eventually(() => exactlyOnce(texts).length === 0, 10_000, 'messages during the move delivered once');
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(exactlyOnce(texts), []);
  const counts = await socketCounts();
  assert.ok(victimTeams.every((t) => counts.get(t) === 1), 'exactly one socket per moved team');
  const survivor = await supervisorState('connection-supervisor-2');
  assert.equal(survivor.openSockets, TEAMS);
  assert.deepEqual(survivor.members, ['connection-supervisor-2']);
  console.log(JSON.stringify({ movedAfterMs: movedAfter, messagesDuringMove: texts.length, via: Object.fromEntries(vias) }));
});
