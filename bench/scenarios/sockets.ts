import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { codecs, createSubjects, MessageTypes } from '../../protocol/index.ts';
import { REPO_ROOT } from '../../services/local/cluster.ts';
import { startNatsServer, startRedisServer } from '../../services/local/local-infra.ts';
import { createLogger } from '../../services/common/logger.ts';
import { seedSandboxTeams } from '../../services/local/token-seed.ts';
import { startSandbox } from '../../services/sandbox/index.ts';
import { connectNats } from '../../services/common/nats.ts';
import { openBucket } from '../../services/common/jetstream.ts';
import { MAX_OPENING } from '../../services/connection-supervisor/service.ts';
import { round } from '../measure.ts';
import type { Measured, Scenario, ScenarioContext } from '../types.ts';

const GOAL_SOCKETS = 5_000;
const GOAL_RATIO = 1.2;
const BARE = fileURLToPath(new URL('../bare-sockets.ts', import.meta.url));

/** Resident set of another process, the way `ps` sees it. */
async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (!kb) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) * 1024;
}

async function socketsOpen(sandboxUrl: string): Promise<number> {
  const res = await fetch(new URL('/sandbox/v1/sockets', sandboxUrl));
  return ((await res.json()) as { total: number }).total;
}

/** Open sockets once `count` are open or `timeoutMs` passed; a shortfall is a result, not a crash. */
async function waitSockets(sandboxUrl: string, count: number, timeoutMs: number): Promise<number> {
  const until = performance.now() + timeoutMs;
  let open = await socketsOpen(sandboxUrl);
  while (open < count && performance.now() < until) {
    await new Promise((r) => setTimeout(r, 250));
    open = await socketsOpen(sandboxUrl);
  }
  return open;
}

/** Settled memory: the process has stopped allocating for its connections. */
const settle = () => new Promise((r) => setTimeout(r, 2_000));

/**
 * One connection-supervisor process, launched like `startCluster` does but next to an in-process
 * sandbox: a cluster's env carries every team's signing secret in one variable, which at 5,000
 * teams is larger than Linux allows (E2BIG); the supervisor needs none of them.
 */
async function startSupervisor(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/connection-supervisor/main.ts'], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('connection-supervisor was not ready within 120 s')), 120_000);
    child.once('exit', (code) => reject(new Error(`connection-supervisor exited with code ${code} before it was ready`)));
    lines.on('line', (line) => {
      if (line.includes('"msg":"ready"')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return child;
}

async function run(ctx: ScenarioContext): Promise<Measured> {
  const teams = ctx.quick ? 50 : GOAL_SOCKETS;
  const prefix = 'benchsock';
  ctx.log(`sandbox with ${teams} teams and one connection supervisor`);
  const [nats, redis] = await Promise.all([startNatsServer(), startRedisServer()]);
  const sandbox = await startSandbox({ delivery: 'workspace-apps', generate: { teams }, rateLimit: false, logger: createLogger('sandbox', { level: 'silent' }) });
  const env = {
    SF_NATS_URL: nats.url,
    SF_REDIS_URL: redis.url,
    SF_PREFIX: prefix,
    SF_SLACK_API_URL: sandbox.info.apiUrl,
    SF_TOKEN_KEYS: `bench:${randomBytes(32).toString('base64')}`,
    SF_SUPERVISOR_ID: 'bench-supervisor',
    // One app per workspace: the supervisor holds one socket per registered team, always open.
    SF_SLACK_DELIVERY: 'workspace-apps',
    SF_METRICS_PORT: '0',
  };
  const sandboxUrl = new URL(sandbox.info.apiUrl).origin;
  let supervisor: ChildProcess | undefined;
  const nc = await connectNats(nats.url, 'bench-sockets');
  // Per-socket cost is the slope between a first tenth and all of them: module loading, JIT and
  // connection pools are paid once by both processes and would otherwise dominate small runs.
  const firstBatch = Math.max(5, Math.round(teams / 10));
  try {
    // Teams are registered (installed) in two steps; the supervisor opens each one's socket as it
    // appears in the token store, announced by the install's TeamActive.
    const subjects = createSubjects(prefix);
    const install = async (from: number, to: number) => {
      const teams = sandbox.info.teams.slice(from, to);
      await seedSandboxTeams(env, { ...sandbox.info, teams });
      for (const team of teams) nc.publish(subjects.teamActive(team.teamId), codecs.teamActive.encode({ type: MessageTypes.teamActive, team: team.teamId, reason: 'install', at: Date.now() }));
    };
    await install(0, firstBatch);
    supervisor = await startSupervisor(env);
    const firstHeld = await waitSockets(sandboxUrl, firstBatch, 60_000);
    // Without the first tenth there is no slope to measure: say what happened instead of a number.
    if (firstHeld < firstBatch) throw new Error(`the connection supervisor opened only ${firstHeld} of the first ${firstBatch} team sockets within 60 s`);
    await settle();
    const firstRss = await rssOf(supervisor.pid!);
    // Its heartbeats as we hear them while it opens: a starved event loop shows as a long gap.
    const beats: number[] = [];
    const heartbeats = await (await openBucket(nc, subjects.buckets.members)).watch({ key: `supervisor.${env.SF_SUPERVISOR_ID}` });
    void (async () => {
      for await (const e of heartbeats) if (e.operation === 'PUT') beats.push(performance.now());
    })();
    let t = performance.now();
    await install(firstBatch, teams);
    // Bounded so the suite keeps its 10-minute budget; fewer sockets than asked fails the goal.
    await waitSockets(sandboxUrl, teams, 120_000);
    const supervisorOpenMs = performance.now() - t;
    heartbeats.stop();
    const beatGapMs = Math.max(0, ...beats.slice(1).map((at, i) => at - beats[i]!));
    await settle();
    const supervisorHeld = await socketsOpen(sandboxUrl);
    const supervisorPer = ((await rssOf(supervisor.pid!)) - firstRss) / (supervisorHeld - firstBatch);
    ctx.log(`supervisor holds ${supervisorHeld} sockets; now ${teams} bare SocketModeClients in a child process`);

    const child = spawn(process.execPath, ['--import', 'tsx', BARE], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const replies = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
      const open = async (upTo: number) => {
        child.stdin!.write(`${JSON.stringify({ upTo })}\n`);
        const line = await replies.next();
        if (line.done) throw new Error('the bare-sockets child exited early');
        return JSON.parse(line.value) as { opened: number; failed: number };
      };
      // As many opens in flight as the supervisor allows itself.
      child.stdin!.write(`${JSON.stringify({ apiUrl: sandbox.info.apiUrl, tokens: sandbox.info.teams.map((x) => x.appToken), inFlight: MAX_OPENING })}\n`);
      await open(firstBatch);
      await settle();
      const bareFirstRss = await rssOf(child.pid!);
      t = performance.now();
      // As many bare sockets as the supervisor held, so both slopes cover the same range.
      const bare = await open(supervisorHeld);
      const bareOpenMs = performance.now() - t;
      await settle();
      const barePer = ((await rssOf(child.pid!)) - bareFirstRss) / (bare.opened - firstBatch);
      const measured = { label: 'supervisor RSS per socket', value: round(supervisorPer), unit: 'bytes' };
      const baseline = { label: 'bare SocketModeClient RSS per socket', value: round(barePer), unit: 'bytes' };
      const ratio = supervisorPer / barePer;
      return {
        measured,
        baseline,
        ratio,
        figures: [
          measured,
          baseline,
          { label: 'sockets held by one supervisor', value: supervisorHeld, unit: 'sockets' },
          { label: `supervisor: sockets ${firstBatch + 1}–${supervisorHeld} opened in`, value: round(supervisorOpenMs), unit: 'ms' },
          { label: 'supervisor: longest heartbeat gap while opening', value: round(beatGapMs), unit: 'ms' },
          { label: `bare clients opened (${bare.failed} failed)`, value: bare.opened, unit: 'sockets' },
          { label: `bare: sockets ${firstBatch + 1}–${bare.opened} opened in`, value: round(bareOpenMs), unit: 'ms' },
        ],
        goal: { text: `≥ ${GOAL_SOCKETS.toLocaleString('en-US')} sockets, ≤ ${GOAL_RATIO}× bare RSS per socket`, pass: supervisorHeld >= GOAL_SOCKETS && ratio <= GOAL_RATIO },
        notes: [
          `RSS (from /proc) of each process holding ${firstBatch}, then ${supervisorHeld} of ${teams} requested idle team sockets against the same sandbox; per socket = the growth divided by the sockets added`,
          `both open at most ${MAX_OPENING} sockets at a time; the supervisor heartbeats every 500 ms and another replica would call it lagging after 1,500 ms`,
        ],
      };
    } finally {
      child.stdin!.end();
      child.kill();
    }
  } finally {
    await nc.close();
    supervisor?.kill('SIGKILL');
    await sandbox.close();
    await Promise.all([nats.stop(), redis.stop()]);
  }
}

export const sockets: Scenario = {
  name: 'sockets',
  description: 'idle team sockets one connection supervisor holds, RSS per socket vs bare SocketModeClient instances',
  cheap: false,
  timeoutMs: 330_000,
  run,
};
