import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { REPO_ROOT, startCluster, type Cluster } from '../../services/local/cluster.ts';
import { freePort } from '../../services/local/local-infra.ts';
import { createLogger } from '../../services/common/logger.ts';
import { startSandbox, type Sandbox } from '../../services/sandbox/index.ts';
import { startInfra } from '../support/harness.ts';
import type { Delivery } from '../../services/common/config.ts';
import { Channel, messageText } from '../support/cluster-play.ts';

/**
 * Issue 14: every delivery mode plays a whole round end to end, each the way real Slack would
 * deliver it (the sandbox models each mode), and plain chat in a game-less channel activates
 * nothing. Which process received the answers is read from the services' own metrics.
 */

/** Sum of every sample of `name` whose labels contain all of `labels`. */
async function metric(url: string, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(url)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

const metricsUrls = (cluster: Cluster, kind: string) =>
  cluster.processes.filter((p) => p.name === kind).map((p) => `${String(p.ready.metricsUrl)}/metrics`); // ingress too: metrics live on each service's ops port
const total = async (cluster: Cluster, kind: string, name: string, labels: Record<string, string>) =>
  (await Promise.all(metricsUrls(cluster, kind).map((u) => metric(u, name, labels)))).reduce((a, b) => a + b, 0);

/** Answers that reached a game, counted where they arrived: ingress (HTTP events) or the supervisors (envelopes). */
const answersAt = async (cluster: Cluster) => ({
  ingress: await total(cluster, 'ingress', 'sf_ingress_requests_total', { route: 'events', outcome: 'forwarded' }),
  supervisors: await total(cluster, 'connection-supervisor', 'sf_envelopes_total', { type: 'events_api', outcome: 'forwarded' }),
});

async function socketsByApp(cluster: Cluster): Promise<Map<string, number>> {
  const body = (await (await fetch(`${cluster.sandboxUrl}/sandbox/v1/sockets`)).json()) as { apps: Array<{ app_id: string; count: number }> };
  return new Map(body.apps.map((a) => [a.app_id, a.count]));
}

const MODES: Array<{ delivery: Delivery; supervisors: number }> = [
  { delivery: 'http', supervisors: 0 },
  // Two connections over two supervisors: Slack picks one link per envelope.
  { delivery: 'socket', supervisors: 2 },
  { delivery: 'workspace-apps', supervisors: 1 },
];

for (const { delivery, supervisors } of MODES) {
  describe(`delivery ${delivery}`, () => {
    let cluster: Cluster;

    before(async () => {
      // A generous ready timeout: a loaded 2-core machine takes a while to boot a tsx process.
      cluster = await startCluster({ delivery, supervisors: Math.max(1, supervisors), sandbox: { teams: 2 }, logLevel: 'info', env: { SF_MISSION_RATE: '0' }, readyTimeoutMs: 120_000 });
    });
    after(async () => {
      await cluster?.stop();
    });

    test(`${delivery} - the cluster runs the processes this mode needs, holding the sockets Slack expects`, async () => {
      const running = cluster.processes.filter((p) => p.name === 'connection-supervisor').length;
      assert.equal(running, supervisors, 'supervisors running');
      if (delivery === 'http') return assert.equal([...(await socketsByApp(cluster)).values()].reduce((a, b) => a + b, 0), 0);
      const expected = delivery === 'socket' ? new Map([[cluster.sandbox.app.appId, 2]]) : new Map(cluster.sandbox.apps.map((a) => [a.appId, 1]));
      const counts = await (async () => {
        for (let i = 0; i < 60; i++) {
          const c = await socketsByApp(cluster);
          if ([...expected].every(([app, n]) => c.get(app) === n)) return c;
          await sleep(250);
        }
        return socketsByApp(cluster);
      })();
      for (const [app, n] of expected) assert.equal(counts.get(app), n, `links of ${app}`);
    });

    test(`${delivery} - a round with three players: answers arrive the mode's way, results and /rank agree`, async () => {
      const team = cluster.sandbox.teams[0]!;
      const [u1, u2, u3] = team.users;
      assert.ok(u1 && u2 && u3);
      const ch = new Channel(cluster, team.teamId, team.channels[0]!.id);
      const before = await answersAt(cluster);
      await ch.command(u1.id, '/start', 'normal easy');
      const prompt = await ch.waitForPrompt();
      // A human pace: faster than ~1,500 keystrokes a minute is flagged and left out of rankings.
      await sleep(6_000);
      for (const u of [u1, u2, u3]) await ch.say(u.id, prompt.typed);
      const results = await ch.waitForBlock('results', prompt.ts, 60_000);
      for (const u of [u1, u2, u3]) assert.ok(results.text.includes(`<@${u.id}>`), `${u.name} is in the results:\n${results.text}`);
      const arrived = await answersAt(cluster);
      const atIngress = arrived.ingress - before.ingress;
      const atSupervisors = arrived.supervisors - before.supervisors;
      if (delivery === 'http') assert.ok(atIngress >= 3 && atSupervisors === 0, `answers over HTTP: ingress ${atIngress}, supervisors ${atSupervisors}`);
      else assert.ok(atSupervisors >= 3 && atIngress === 0, `answers over Socket Mode: supervisors ${atSupervisors}, ingress ${atIngress}`);

      let rank = '';
      for (let i = 0; i < 12 && ![u1, u2, u3].every((u) => rank.includes(u.id)); i++) {
        if (i > 0) await sleep(1_000);
        await ch.command(u1.id, '/rank');
        rank = messageText((await ch.messages()).at(-1)!);
      }
      for (const u of [u1, u2, u3]) assert.ok(rank.includes(`<@${u.id}>`), `/rank lists ${u.name}:\n${rank}`);
    });

    test(`${delivery} - plain chat in a channel with no game is delivered, acked and activates nothing`, async () => {
      const team = cluster.sandbox.teams[1]!;
      const ch = new Channel(cluster, team.teamId, team.channels[1]!.id);
      const activations = () => total(cluster, 'actor-host', 'sf_activations_total', {});
      const noGame = async () => {
        const edge = delivery === 'http' ? ['ingress', 'sf_ingress_requests_total', { route: 'events', outcome: 'no_game' }] : ['connection-supervisor', 'sf_envelopes_total', { type: 'events_api', outcome: 'no_game' }];
        return total(cluster, edge[0] as string, edge[1] as string, edge[2] as Record<string, string>);
      };
      const [activatedBefore, noGameBefore] = [await activations(), await noGame()];
      assert.ok(activatedBefore >= 1, 'the round above activated its game (the metric is read)');
      for (let i = 0; i < 5; i++) await ch.say(team.users[i % team.users.length]!.id, `just chatting ${i}`);
      let seen = 0;
      for (let i = 0; i < 40 && seen < 5; i++) {
        await sleep(250);
        seen = (await noGame()) - noGameBefore;
      }
      assert.equal(seen, 5, 'every chat message reached the edge and was answered "no game"');
      assert.equal(await activations(), activatedBefore, 'no actor was activated');
    });

    // Last, so it judges everything above: the local cluster runs the production users (issue 15).
    test(`${delivery} - every service ran under its own NATS and Redis user and was refused nothing`, async () => {
      const connz = (await (await fetch(`${cluster.natsMonitorUrl}/connz?auth=true&limit=1024`)).json()) as { connections: Array<{ name?: string; authorized_user?: string }> };
      for (const kind of new Set(cluster.processes.filter((p) => p.name !== 'sandbox').map((p) => p.name))) {
        assert.ok(connz.connections.some((c) => c.authorized_user === kind), `${kind} is connected as NATS user ${kind}`);
      }
      assert.doesNotMatch(readFileSync(join(cluster.logDir, 'nats-server.log'), 'utf8'), /violation/i, 'nats-server refused no publish or subscribe');
      const redis = new Redis(cluster.redisUrl, { maxRetriesPerRequest: 1 });
      try {
        // Redis records every command or key an ACL user was refused.
        assert.deepEqual(await redis.call('ACL', 'LOG'), [], 'Redis refused no service a command or key');
      } finally {
        redis.disconnect();
      }
    });
  });
}

/** Runs a service's main.ts with `env` until it exits or says `ready`; returns its exit code and stdout. */
async function runService(kind: 'ingress' | 'connection-supervisor', env: Record<string, string>): Promise<{ code: number | null; ready: boolean; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', `services/${kind}/main.ts`], { cwd: REPO_ROOT, env: { ...process.env, SF_LOG_LEVEL: 'info', SF_METRICS_PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  for (let i = 0; i < 240 && child.exitCode === null; i++) {
    if (out.includes('"msg":"ready"')) {
      child.kill('SIGTERM');
      await exited;
      return { code: null, ready: true, out };
    }
    await sleep(250);
  }
  if (child.exitCode === null) child.kill('SIGKILL');
  return { code: await exited, ready: false, out };
}

describe('delivery - a configuration that cannot receive events is refused at start', async () => {
  // Servers for services started by hand (no cluster): the checks run against real NATS, Redis and the sandbox.
  const infra = await startInfra();
  const sandbox: Sandbox = await startSandbox({ delivery: 'socket', logger: createLogger('sandbox', { level: 'silent' }) });
  after(() => sandbox.close());
  const base = { SF_NATS_URL: infra.nats.url, SF_REDIS_URL: infra.redis.url, SF_PREFIX: infra.subjects.prefix, SF_SLACK_API_URL: sandbox.info.apiUrl };

  const failsWith = (r: { code: number | null; ready: boolean; out: string }, code: string) => {
    assert.equal(r.ready, false, 'never became ready');
    assert.notEqual(r.code, 0, 'exited non-zero');
    const line = r.out.split('\n').find((l) => l.includes('failed to start'));
    assert.ok(line?.includes(`"code":"${code}"`), `the log line carries ${code}:\n${line ?? r.out.slice(-500)}`);
  };

  test('socket delivery without SF_SLACK_APP_TOKEN: SF_ERR_DELIVERY_NO_APP_TOKEN', async () => {
    failsWith(await runService('connection-supervisor', { ...base, SF_SLACK_DELIVERY: 'socket' }), 'SF_ERR_DELIVERY_NO_APP_TOKEN');
  });

  test('socket delivery with an app token Slack refuses: SF_ERR_DELIVERY_APP_TOKEN_REFUSED', async () => {
    failsWith(await runService('connection-supervisor', { ...base, SF_SLACK_DELIVERY: 'socket', SF_SLACK_APP_TOKEN: 'xapp-1-A0NOTOURS-1-deadbeef' }), 'SF_ERR_DELIVERY_APP_TOKEN_REFUSED');
  });

  test('socket delivery with the app’s own token starts', async () => {
    assert.equal((await runService('connection-supervisor', { ...base, SF_SLACK_DELIVERY: 'socket', SF_SLACK_APP_TOKEN: sandbox.info.app.appToken })).ready, true);
  });

  test('http delivery whose public events URL does not answer: SF_ERR_DELIVERY_EVENTS_URL, unless the check is skipped', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const ingress = { ...base, SF_SLACK_DELIVERY: 'http', SF_INGRESS_PORT: '0', SF_SLACK_SIGNING_SECRET: sandbox.info.app.signingSecret, SF_PUBLIC_URL: nowhere };
    failsWith(await runService('ingress', ingress), 'SF_ERR_DELIVERY_EVENTS_URL');
    assert.equal((await runService('ingress', { ...ingress, SF_SKIP_EVENTS_URL_CHECK: '1' })).ready, true);
  });
});
