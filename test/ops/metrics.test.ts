import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../../services/local/cluster.ts';
import { WATCHED_METRICS } from '../../deploy/check/run.ts';
import { Channel } from '../support/cluster-play.ts';

/**
 * Acceptance 4 of issue 9: after one game played through the Slack sandbox, every service's
 * /metrics exposes the metrics operators chart (deploy/grafana/surfinger.json), with sane values.
 */
let cluster: Cluster | undefined;
after(async () => {
  await cluster?.stop();
});

interface Sample {
  name: string;
  labels: string;
  value: number;
}

/** The Prometheus text format, just enough of it: `name{labels} value` lines. */
function parse(text: string): Sample[] {
  return text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(l);
      return m ? { name: m[1]!, labels: m[2] ?? '', value: Number(m[3]) } : undefined;
    })
    .filter((s): s is Sample => s !== undefined);
}

const total = (samples: Sample[], name: string) => samples.filter((s) => s.name === name).reduce((n, s) => n + s.value, 0);
const has = (samples: Sample[], name: string) => samples.some((s) => s.name === name);

test('metrics - after one game, each service exposes its metrics with sane values', { timeout: 240_000 }, async () => {
  // workspace-apps delivery: every service kind runs, the supervisor included.
  cluster = await startCluster({ delivery: 'workspace-apps', sandbox: { teams: 1 } });
  const c = cluster;
  const team = c.sandbox.teams[0]!;
  const [alice, bob] = team.users;
  const channel = new Channel(c, team.teamId, team.channels[0]!.id);

  await channel.command(alice!.id, '/start', 'normal easy');
  const prompt = await channel.waitForPrompt();
  // A human pace: answers faster than people type are flagged, not ranked.
  await new Promise((r) => setTimeout(r, 6_000));
  await channel.say(alice!.id, prompt.typed);
  await channel.say(bob!.id, `${prompt.typed} x`);
  await channel.waitForBlock('results', prompt.ts, 60_000);

  const scrape = async (url: string): Promise<Sample[]> => {
    const res = await fetch(`${url}/metrics`);
    assert.equal(res.status, 200, url);
    return parse(await res.text());
  };
  const byKind = new Map<string, Sample[]>();
  for (const p of c.processes.filter((x) => x.name !== 'sandbox')) {
    const url = String(p.ready.metricsUrl ?? p.ready.url);
    const samples = await scrape(url);
    byKind.set(p.name, [...(byKind.get(p.name) ?? []), ...samples]);
    // Every process also exports Node's own metrics (memory, event loop) for the dashboards.
    assert.ok(has(samples, 'process_resident_memory_bytes'), `${p.id} exports default metrics`);
  }

  const host = byKind.get('actor-host')!;
  assert.ok(host, 'an actor host runs');
  assert.equal(total(host, 'sf_games_started_total'), 1, 'one game started');
  assert.equal(total(host, 'sf_games_finished_total'), 1, 'one game finished');
  const active = total(host, 'sf_games_active');
  assert.ok(active >= 0 && active <= 1, `games active ${active}`);
  assert.equal(total(host, 'sf_lease_renew_failures_total'), 0, 'no lease renew failures on a healthy cluster');
  const answers = total(host, 'sf_answer_latency_seconds_count');
  const latency = total(host, 'sf_answer_latency_seconds_sum') / answers;
  assert.ok(answers >= 2, `both answers measured (${answers})`);
  assert.ok(latency > 0 && latency < 1, `mean answer latency ${latency} s`);
  assert.ok(has(host, 'sf_answer_latency_seconds_bucket'), 'latency is a histogram (p50/p95/p99 on the dashboard)');

  const sockets = total(byKind.get('connection-supervisor')!, 'sf_sockets_open');
  assert.equal(sockets, 1, 'the registered team has its socket open');

  const egress = byKind.get('egress')!;
  assert.ok(has(egress, 'sf_egress_429_total'), 'egress exports its 429 counter');
  assert.ok(total(egress, 'sf_egress_429_total') >= 0);

  // Every metric the dashboard charts is exported by some service.
  const everything = [...byKind.values()].flat();
  for (const metric of WATCHED_METRICS) assert.ok(has(everything, metric) || has(everything, `${metric}_count`), `${metric} is exported`);

  assert.ok(byKind.has('watchdog'), 'the watchdog runs in the cluster');
  assert.ok(everything.some((s) => s.name === 'sf_services_up' && s.labels.includes('surfinger-actor-host') && s.value === 1), 'the watchdog sees the actor host');
});
