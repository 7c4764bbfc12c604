import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { createSubjects, MessageTypes, type RoundResult, type TournamentSummary } from '../../protocol/index.ts';
import { readResults } from '../../services/actor-host/testing.ts';
import { recordCodecs, tournamentKey } from '../../services/actor-host/records.ts';
import { REPO_ROOT, startCluster, type Cluster } from '../../services/local/cluster.ts';
import { Channel, messageText } from '../support/cluster-play.ts';

/**
 * Issue 20 item 4's acceptance through the real cluster: a tournament over three channels in two
 * workspaces, created with the CLI; the actor host holding the tournament is killed (SIGKILL)
 * mid-round, and the standings every channel shows at the end still equal what the results
 * stream says the channels played.
 */
const HUMAN_PACE_MS = 5_000;
const GAP_S = 40;
const run = promisify(execFile);

describe('tournament across channels and workspaces, through the whole cluster', () => {
  let cluster: Cluster;
  let nc: NatsConnection;

  before(async () => {
    const logDir = join(REPO_ROOT, 'test-output', 'e2e-tournament');
    rmSync(logDir, { recursive: true, force: true });
    cluster = await startCluster({
      logDir,
      hosts: 2,
      services: ['egress', 'actor-host', 'ingress'],
      sandbox: { teams: 2, channels: 2, users: 3 },
      prefix: 'tourney',
      env: { SF_MISSION_RATE: '0', SF_LEASE_TTL_MS: '2000' },
    });
    nc = await connect({ servers: cluster.natsUrl, ...cluster.natsAuth });
  });
  after(async () => {
    await nc?.close();
    await cluster?.stop();
  });

  const cli = async (...args: string[]): Promise<TournamentSummary> => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'tournament', ...args, '--json'], { cwd: REPO_ROOT, env: { ...process.env, ...cluster.env } });
    return JSON.parse(stdout) as TournamentSummary;
  };

  test('rounds open everywhere at once, a killed host loses nothing, the standings equal the results stream', async () => {
    const [one, two] = cluster.sandbox.teams;
    const rooms = [
      { ch: new Channel(cluster, one!.teamId, one!.channels[0]!.id), players: [one!.users[0]!.id, one!.users[1]!.id] },
      { ch: new Channel(cluster, one!.teamId, one!.channels[1]!.id), players: [one!.users[2]!.id] },
      { ch: new Channel(cluster, two!.teamId, two!.channels[0]!.id), players: [two!.users[0]!.id, two!.users[1]!.id] },
    ];
    const created = await cli('create', '--id', 'cup', '--name', 'Sandbox Cup', '--lang', 'en', '--rounds', '2', '--starts-in', '4', '--gap', String(GAP_S), '--collect', String(GAP_S - 5), ...rooms.flatMap((r) => ['--channel', `${r.ch.team}:${r.ch.channel}`]));
    assert.equal(created.phase, 'scheduled');
    const subjects = createSubjects(cluster.prefix);
    await assert.rejects(cli('create', '--id', 'cup', '--channel', 'T1:C1', '--channel', 'T1:C2'), /SF_ERR_TOURNAMENT_EXISTS/);

    for (const { ch } of rooms) await ch.waitForBlock('tournament-standings', '0', 20_000);

    let killed = false;
    for (let round = 1; round <= 2; round++) {
      const prompts = await Promise.all(rooms.map(({ ch }) => ch.waitForPrompt(round === 1 ? '0' : lastPrompt.get(ch)!, 60_000)));
      prompts.forEach((p, i) => lastPrompt.set(rooms[i]!.ch, p.ts));
      if (!killed) {
        // Kill -9 the host that owns the tournament while round 1 is being played.
        const leases = await nc.jetstream().views.kv(subjects.buckets.leases);
        const lease = recordCodecs.lease.decode((await leases.get(tournamentKey('cup')))!.value);
        const victim = cluster.processes.find((p) => p.name === 'actor-host' && p.ready.hostId === lease.hostId && p.alive);
        assert.ok(victim, `the tournament's owner ${String(lease.hostId)} is one of our hosts`);
        victim.kill();
        killed = true;
      }
      await sleep(HUMAN_PACE_MS);
      await Promise.all(
        rooms.flatMap(({ ch, players }, i) => players.map((user, k) => ch.say(user, k === 0 ? prompts[i]!.typed : prompts[i]!.typed.slice(0, Math.ceil(prompts[i]!.typed.length * 0.7))))),
      );
      const want = round === 2 ? 'Tournament over' : `after round ${round} of 2`;
      for (const { ch } of rooms) await ch.waitFor(`standings "${want}"`, (ms) => ms.find((m) => m.bot_id !== undefined && messageText(m).includes(want)), 60_000);
    }

    const shown = await cli('show', 'cup');
    assert.equal(shown.phase, 'finished');
    assert.deepEqual(shown.history.map((h) => h.skipped), [[], []], 'every channel reported both rounds');
    // The standings recomputed from the results stream: per channel and round, the first round result of a game started after the round opened.
    const results = (await readResults(nc, subjects)).filter((r): r is RoundResult => r.type === MessageTypes.roundResult);
    const expected = new Map<string, number>();
    for (const h of shown.history) {
      for (const { ch } of rooms) {
        const r = results.filter((x) => x.team === ch.team && x.channel === ch.channel && x.startedAt >= h.openedAt).sort((a, b) => a.startedAt - b.startedAt)[0];
        assert.ok(r, `a result of ${ch.team}:${ch.channel} for round ${h.round}`);
        for (const e of r.entries) {
          const key = `${ch.team}:${e.user}`;
          expected.set(key, Math.round(((expected.get(key) ?? 0) + (e.pasted || e.flagged ? 0 : e.score)) * 10) / 10);
        }
      }
    }
    assert.equal(expected.size, 5, 'five players played');
    assert.deepEqual(new Map(shown.standings.map((p) => [`${p.team}:${p.user}`, p.points])), expected);
    assert.deepEqual(shown.standings.map((p) => p.played), [2, 2, 2, 2, 2]);
    // Every channel shows the same final table, with each player's points, in one edited message.
    for (const { ch } of rooms) {
      const tables = (await ch.messages()).filter((m) => m.bot_id !== undefined && m.blocks?.some((b) => b.block_id === 'tournament-standings'));
      assert.equal(tables.length, 1, 'one standings message per channel, edited in place');
      const text = messageText(tables[0]!);
      for (const p of shown.standings) assert.ok(text.includes(`<@${p.user}>`) && text.includes(`*${p.points}*`), `${p.user} with ${p.points} in ${ch.channel}:\n${text}`);
    }
    const listed = await cli('list');
    assert.ok(Array.isArray(listed) && (listed as unknown as TournamentSummary[]).some((t) => t.id === 'cup' && t.phase === 'finished'));
  });
});

const lastPrompt = new Map<Channel, string>();
