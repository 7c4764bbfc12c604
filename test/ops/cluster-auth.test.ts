import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startCluster, SERVICE_NAMES, type Cluster, type ServiceKind } from '../../services/local/cluster.ts';
import { startNatsServer, type NatsServer } from '../../services/local/local-infra.ts';
import { natsUsers } from '../../deploy/nats/permissions.ts';
import { Channel } from '../support/cluster-play.ts';
import { runStatus } from './support.ts';
import type { ClusterSnapshot } from '../../services/watchdog/probe.ts';

/**
 * The least-privilege NATS users are enough for the real services: every service process connects
 * to a nats-server running deploy/nats/auth.conf with its own user, a game is played end to end
 * through the Slack sandbox, no process logs a permissions violation, and the operator user sees
 * every service with `surfinger status`.
 */
const AUTH_CONF = fileURLToPath(new URL('../../deploy/nats/auth.conf', import.meta.url));
let cluster: Cluster | undefined;
let nats: NatsServer | undefined;
after(async () => {
  await cluster?.stop();
  await nats?.stop();
});

test('cluster under auth.conf - every service works with its own NATS user; a game plays end to end', { timeout: 240_000 }, async () => {
  const users = natsUsers();
  const password = (user: string) => `pw-${user}`;
  // nats-server resolves `$SF_NATS_PASS_*` from its environment; spawn() inherits ours.
  for (const u of users) process.env[u.passwordEnv] = password(u.user);
  nats = await startNatsServer({ extraConfig: readFileSync(AUTH_CONF, 'utf8') });

  const serviceEnv = Object.fromEntries(SERVICE_NAMES.map((kind) => [kind, { SF_NATS_USER: kind, SF_NATS_PASS: password(kind) }])) as Partial<Record<ServiceKind, Record<string, string>>>;
  // Socket Mode, so the connection supervisor runs too (in HTTP delivery no supervisor is started).
  cluster = await startCluster({ delivery: 'socket', sandbox: { teams: 1 }, env: { SF_NATS_URL: nats.url, SF_NATS_MONITOR_URL: nats.monitorUrl }, serviceEnv });
  const c = cluster;
  const team = c.sandbox.teams[0]!;
  const [alice] = team.users;
  const channel = new Channel(c, team.teamId, team.channels[0]!.id);

  await channel.command(alice!.id, '/start', 'normal easy');
  const prompt = await channel.waitForPrompt();
  await new Promise((r) => setTimeout(r, 6_000));
  await channel.say(alice!.id, prompt.typed);
  const results = await channel.waitForBlock('results', prompt.ts, 60_000);
  assert.match(results.text, new RegExp(`<@${alice!.id}>`));

  const status = await runStatus(['--json', '--nats', nats.url, '--monitor', nats.monitorUrl, '--prefix', c.prefix, '--user', 'operator', '--pass', password('operator')]);
  assert.equal(status.code, 0, status.stderr);
  const snapshot = JSON.parse(status.stdout) as ClusterSnapshot;
  for (const kind of SERVICE_NAMES) assert.ok(snapshot.services.some((s) => s.name === `surfinger-${kind}`), `surfinger-${kind} answers $SRV under its own user`);
  // Ranking consumed the game's results with its own user (consumer, fetch and ack grants).
  const ranking = snapshot.streams.find((x) => x.stream === `${c.prefix}_results`)?.consumers.find((x) => x.consumer === 'ranking');
  assert.ok(ranking && ranking.pending === 0 && ranking.ackPending === 0, `ranking consumed everything: ${JSON.stringify(ranking)}`);
  // Each service process is connected as the user named after it.
  const connz = (await (await fetch(`${nats.monitorUrl}/connz?auth=true&limit=1024`)).json()) as { connections: Array<{ name?: string; authorized_user?: string }> };
  for (const kind of SERVICE_NAMES) {
    const mine = connz.connections.filter((x) => x.authorized_user === kind);
    assert.ok(mine.length >= 1, `${kind} is connected as NATS user ${kind}`);
  }

  for (const p of c.processes) {
    const log = readFileSync(p.logFile, 'utf8');
    assert.doesNotMatch(log, /permissions? violation/i, `${p.id} hit a NATS permission it lacks (see ${p.logFile})`);
  }
});
