import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'nats';
import { Redis } from 'ioredis';
import { REPO_ROOT, SERVICE_NAMES } from '../../services/local/cluster.ts';
import type { SandboxInfo } from '../../services/sandbox/index.ts';
import { t } from '../../actors/i18n/index.ts';
import { Channel, messageText } from '../support/cluster-play.ts';

/**
 * Issue 15 items 5, 7 and 9 on the cluster a developer actually runs: `surfinger up` as a child
 * process, in Socket Mode so every service kind is up.
 * 1. NATS and Redis refuse anonymous clients; each service is connected as its own user.
 * 2. Supervision: kill -9 of the only actor host mid-game, `up` restarts it (and says so), the game
 *    finishes with the answers given before and after.
 * 3. After that game every log file is 0600 in a 0700 dir and holds none of the run's secrets.
 */

interface UpInfo {
  sandbox: SandboxInfo;
  sandboxUrl: string;
  natsUrl: string;
  natsMonitorUrl: string;
  redisUrl: string;
  prefix: string;
  logDir: string;
  admin: { user: string; password: string };
  nats: { user: string; pass: string };
  services: Record<string, number>;
}

const logDir = join(REPO_ROOT, 'test-output', 'local-auth');
let up: ChildProcess | undefined;
let info: UpInfo;
let stderr = '';
/** Every secret the run holds, gathered while the services run (their environments). */
const secrets = new Set<string>();

/** Values of secret-named fields, at any depth, split where one variable carries several. */
function collectSecrets(value: unknown, key = ''): void {
  if (Array.isArray(value)) return value.forEach((v) => collectSecrets(v, key));
  if (typeof value === 'object' && value !== null) return Object.entries(value).forEach(([k, v]) => collectSecrets(v, k));
  if (typeof value !== 'string') return;
  // A URL's password (SF_REDIS_URL carries the service's Redis password).
  if (/url$/i.test(key) && URL.canParse(value) && new URL(value).password) secrets.add(decodeURIComponent(new URL(value).password));
  if (!/token|secret|pass|keys/i.test(key)) return;
  // SF_TOKEN_KEYS is `kid:base64,kid:base64`, signing secrets are comma-separated.
  for (const part of value.split(/[,:]/)) if (part.length >= 12) secrets.add(part);
}

/** The project's variables a running service was given (Linux /proc): its own passwords and keys. */
function environmentOf(pid: number): Record<string, string> {
  const raw = readFileSync(`/proc/${pid}/environ`, 'utf8');
  const vars = raw.split('\0').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const);
  return Object.fromEntries(vars.filter(([k]) => k.startsWith('SF_')));
}

before(async () => {
  rmSync(logDir, { recursive: true, force: true });
  up = spawn(process.execPath, ['bin/surfinger.mjs', 'up', '--json', '--delivery', 'socket', '--log-dir', logDir, '--ready-timeout', '120000'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  up.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<never>((_, reject) => up!.once('exit', (code) => reject(new Error(`surfinger up exited with ${code}:\n${stderr}`))));
  const firstLine = new Promise<string>((resolve) => createInterface({ input: up!.stdout! }).once('line', resolve));
  info = JSON.parse(await Promise.race([firstLine, exited])) as UpInfo;
  exited.catch(() => undefined);
  collectSecrets(info);
  for (const pid of Object.values(info.services)) if (pid !== info.services.sandbox) collectSecrets(environmentOf(pid));
}, { timeout: 600_000 });

after(async () => {
  if (!up || up.exitCode !== null) return;
  const gone = new Promise((r) => up!.once('exit', r));
  up.kill('SIGTERM');
  const timer = setTimeout(() => up?.kill('SIGKILL'), 60_000);
  await gone;
  clearTimeout(timer);
});

test('local up - an anonymous or wrong-password NATS client is refused, and so is an anonymous Redis command', async () => {
  await assert.rejects(connect({ servers: info.natsUrl, reconnect: false }), /authorization/i, 'anonymous NATS');
  await assert.rejects(connect({ servers: info.natsUrl, user: 'ingress', pass: 'guessed', reconnect: false }), /authorization/i, 'wrong NATS password');
  // A bare RESP command, as any local process could send it.
  const reply = await new Promise<string>((resolve, reject) => {
    const socket = tcpConnect(Number(new URL(info.redisUrl).port), '127.0.0.1', () => socket.write(`HGETALL ${info.prefix}:tokens\r\n`));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString());
    });
    socket.once('error', reject);
  });
  assert.match(reply, /^-NOAUTH/, 'anonymous Redis');
  // The refusals are auth, not a dead server: the operator's credentials work.
  const nc = await connect({ servers: info.natsUrl, ...info.nats });
  await nc.close();
  const redis = new Redis(info.redisUrl, { maxRetriesPerRequest: 1 });
  assert.equal(await redis.ping(), 'PONG');
  redis.disconnect();
});

test('local up - every service is connected to NATS as its own user, none anonymous', async () => {
  const connz = (await (await fetch(`${info.natsMonitorUrl}/connz?auth=true&limit=1024`)).json()) as { connections: Array<{ name?: string; authorized_user?: string }> };
  for (const kind of SERVICE_NAMES) assert.ok(connz.connections.some((c) => c.authorized_user === kind), `${kind} is connected as NATS user ${kind}`);
  for (const c of connz.connections) assert.ok(c.authorized_user, `connection ${c.name ?? '?'} has a user`);
});

test('local up - kill -9 of the only actor host mid-game: up restarts it, logs the restart, and the game finishes', { timeout: 300_000 }, async () => {
  const team = info.sandbox.teams[0]!;
  const [alice, bob] = team.users;
  assert.ok(alice && bob);
  const ch = new Channel(info, team.teamId, team.channels[0]!.id);
  await ch.command(alice.id, '/start', 'normal easy');
  const prompt = await ch.waitForPrompt('0', 90_000);
  // A human pace: faster than ~1,500 keystrokes a minute is flagged.
  await sleep(6_000);
  await ch.say(alice.id, prompt.typed);
  await ch.say(bob.id, prompt.typed);
  // Both answers taken (the prompt's live count), or as near as the round's time allows.
  const taken = Date.now() + 2_000;
  while (Date.now() < taken && !(await ch.messages()).some((m) => m.ts === prompt.ts && messageText(m).includes(t('ko', 'answered', { n: 2 })))) await sleep(100);

  // Inside the round, before its deadline: the results can only come from a restarted host.
  const host = 'actor-host-1';
  const killedAt = Date.now();
  process.kill(info.services[host]!, 'SIGKILL');
  const deadline = Date.now() + 120_000;
  while (!stderr.includes(`${host} restarted`) && Date.now() < deadline) await sleep(250);
  assert.match(stderr, new RegExp(`${host} exited \\(code null, signal SIGKILL\\); restarting in \\d+ ms`), `up says it restarts the host:\n${stderr}`);
  assert.match(stderr, new RegExp(`${host} restarted \\(pid \\d+\\)`), `up says the host is back:\n${stderr}`);
  const hostLog = readFileSync(join(info.logDir, `${host}.log`), 'utf8');
  assert.match(hostLog, /"supervision":"restarting"/, 'the restart is in the host log');
  assert.match(hostLog, /"supervision":"restarted"/, 'the restart is in the host log');

  const results = await ch.waitForBlock('results', prompt.ts, 120_000);
  assert.ok(Number(results.message.ts) * 1_000 > killedAt, 'the results were posted after the kill, by the restarted host');
  for (const u of [alice, bob]) assert.ok(results.text.includes(`<@${u.id}>`), `${u.name} is in the results:\n${results.text}`);
});

test('local up - after a game every log file is 0600 in a 0700 dir and holds no secret of the run', () => {
  assert.ok(secrets.size >= 10, `the scan knows the run's secrets (${secrets.size})`);
  assert.equal(statSync(info.logDir).mode & 0o777, 0o700, 'log dir mode');
  const files = readdirSync(info.logDir);
  for (const kind of ['sandbox', 'nats-server', ...SERVICE_NAMES.map((k) => `${k}-1`)]) assert.ok(files.includes(`${kind}.log`), `${kind}.log exists`);
  for (const file of files) {
    const path = join(info.logDir, file);
    assert.equal(statSync(path).mode & 0o777, 0o600, `${file} mode`);
    const text = readFileSync(path, 'utf8');
    for (const secret of secrets) assert.ok(!text.includes(secret), `${file} holds a secret (${secret.slice(0, 4)}…)`);
  }
  // The sandbox's start line is logged, with its secrets replaced.
  assert.match(readFileSync(join(info.logDir, 'sandbox.log'), 'utf8'), /"botToken":"\[redacted\]"/);
});
