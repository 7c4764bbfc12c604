import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import fc from 'fast-check';
import { codecs, MessageTypes } from '../../protocol/index.ts';
import { start } from '../../services/ingress/service.ts';
import { startInfra } from '../support/harness.ts';
import { quiet, recordSubjects, signedPost, startSlack } from './edge-kit.ts';

/**
 * Issue 7, acceptance 3: every kind of bad request is refused with a clear status and body while
 * legitimate traffic running at the same time is answered normally, and ingress keeps running.
 */
const infra = await startInfra();
const { sandbox, tokenKeys } = await startSlack(infra);
const secret = sandbox.info.teams[0]!.signingSecret;
const team = sandbox.info.teams[0]!;
const channel = team.channels[0]!.id;
const USER_LIMIT = 10;
const ingress = await start({
  log: quiet,
  natsUrl: infra.nats.url,
  redisUrl: infra.redis.url,
  prefix: infra.subjects.prefix,
  host: '127.0.0.1',
  port: 0,
  signingSecrets: [secret],
  tokenKeys,
  production: true,
  oauth: { clientId: undefined, clientSecret: undefined, authorizeBase: sandbox.url, publicUrl: 'http://127.0.0.1', scopes: 'commands', slackApiUrl: sandbox.info.apiUrl },
  rateLimits: { userPerMinute: USER_LIMIT, teamPerMinute: 10_000 },
  bodyLimit: 65_536,
  admin: { user: 'admin', password: undefined },
  pageLinkSecret: 'test-page-link-secret-0123456789abcdef',
});
after(() => ingress.stop());
const base = String(ingress.info!.url);
const nc = await infra.natsClient();
nc.subscribe(infra.subjects.rankingQuery(), {
  callback: (_e, m) => {
    const q = codecs.rankingQuery.decode(m.data);
    m.respond(codecs.reply.encode({ type: MessageTypes.reply, ok: true, responseType: 'ephemeral', text: `rank for ${q.user}` }));
  },
});

let uniq = 0;
const rank = (user: string, extra: Record<string, string> = {}) =>
  new URLSearchParams({ team_id: team.teamId, channel_id: channel, user_id: user, command: '/rank', text: `#${++uniq}`, ...extra }).toString();
const post = (route: string, body: string, opts: Partial<Parameters<typeof signedPost>[2]> = {}) => signedPost(`${base}/slack/${route}`, body, { secret, ...opts });

let legit = 0;
/** Legitimate users keep playing while the attack runs (each well under its limit); every request must be answered normally. */
async function legitimateTraffic(until: Promise<unknown>): Promise<number> {
  let done = false;
  void until.finally(() => (done = true));
  let answered = 0;
  for (let i = 0; !done || i < 3; i++) {
    const user = `ULEGIT${Math.floor(legit++ / 5)}`;
    const res = await post('commands', rank(user));
    assert.equal(res.status, 200, res.body);
    assert.equal(JSON.parse(res.body).text, `rank for ${user}`);
    answered += 1;
  }
  return answered;
}

test('security - forged, stale, missing and replayed signatures are refused (401) and publish nothing', async () => {
  const seen = recordSubjects(nc, infra.subjects.prefix);
  await nc.flush();
  const attack = (async () => {
    const forged = await post('commands', rank('UATTACK'), { secret: 'guessed-secret' });
    assert.deepEqual([forged.status, JSON.parse(forged.body).error], [401, 'invalid_signature']);
    const tampered = await post('commands', rank('UATTACK'), { signature: `v0=${'0'.repeat(64)}` });
    assert.deepEqual([tampered.status, JSON.parse(tampered.body).error], [401, 'invalid_signature']);
    const stale = await post('commands', rank('UATTACK'), { timestamp: Math.floor(Date.now() / 1_000) - 6 * 60 });
    assert.deepEqual([stale.status, JSON.parse(stale.body).error], [401, 'stale_request']);
    const future = await post('commands', rank('UATTACK'), { timestamp: Math.floor(Date.now() / 1_000) + 6 * 60 });
    assert.deepEqual([future.status, JSON.parse(future.body).error], [401, 'stale_request']);
    const unsigned = await fetch(`${base}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.deepEqual([unsigned.status, ((await unsigned.json()) as { error: string }).error], [401, 'invalid_signature']);
  })();
  const [answered] = await Promise.all([legitimateTraffic(attack), attack]);
  await nc.flush();
  // Only the legitimate requests' ranking queries were published.
  assert.equal(seen.filter((s) => s === infra.subjects.rankingQuery()).length, answered);
  assert.equal(seen.length, answered);

  // Replay: a captured genuine request sent again is refused, even within the 5-minute window.
  const body = rank('UREPLAY');
  const timestamp = Math.floor(Date.now() / 1_000);
  const first = await post('commands', body, { timestamp });
  assert.equal(first.status, 200);
  const replayed = await post('commands', body, { timestamp });
  assert.deepEqual([replayed.status, JSON.parse(replayed.body).error], [401, 'replayed_request']);
});

test('security - oversized bodies get 413 with a clear body', async () => {
  const attack = (async () => {
    const huge = rank('UBIG', { text: 'x'.repeat(70_000) });
    const res = await post('commands', huge);
    assert.equal(res.status, 413);
    assert.deepEqual(JSON.parse(res.body), { ok: false, error: 'body_too_large', limit: 65_536 });
    const hugeEvent = await post('events', JSON.stringify({ type: 'event_callback', pad: 'y'.repeat(200_000) }), { contentType: 'application/json' });
    assert.equal(hugeEvent.status, 413);
  })();
  await Promise.all([legitimateTraffic(attack), attack]);
});

test('security - fuzzed malformed payloads are refused with 400 (or ignored), never a crash', async () => {
  const statuses = new Map<number, number>();
  const count = (s: number) => statuses.set(s, (statuses.get(s) ?? 0) + 1);
  const bodies = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.json({ maxDepth: 3 }),
    fc.dictionary(fc.constantFrom('team_id', 'channel_id', 'user_id', 'command', 'text', 'payload', 'type', 'event_id', 'event'), fc.string({ maxLength: 80 })).map((d) => new URLSearchParams(d).toString()),
    fc.record({ type: fc.constantFrom('event_callback', 'block_actions', 'url_verification'), team_id: fc.string(), event: fc.anything(), actions: fc.anything() }).map((o) => JSON.stringify(o)),
    fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
  );
  const attack = fc.assert(
    fc.asyncProperty(fc.constantFrom('commands', 'interactivity', 'events'), bodies, fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain'), async (route, body, contentType) => {
      const res = await post(route, body, { contentType });
      count(res.status);
      if (res.status >= 500) throw new Error(`${route} answered ${res.status} to ${JSON.stringify(body).slice(0, 200)}`);
      if (res.status === 400) assert.equal(JSON.parse(res.body).error, 'malformed_payload', `${route} ${contentType} ${JSON.stringify(body)} → ${res.body}`);
    }),
    { numRuns: 300, seed: 7 },
  );
  await Promise.all([legitimateTraffic(attack), attack]);
  assert.ok((statuses.get(400) ?? 0) > 100, JSON.stringify([...statuses]));
  // Specific malformed shapes with a clear reason.
  const noTeam = await post('commands', new URLSearchParams({ channel_id: channel, user_id: 'U1', command: '/rank' }).toString());
  assert.equal(noTeam.status, 400);
  assert.match(JSON.parse(noTeam.body).detail, /team_id/);
  const injected = await post('commands', rank('U1', { channel_id: 'C1.>' }));
  assert.equal(injected.status, 400);
  const badJson = await post('interactivity', `payload=${encodeURIComponent('{not json')}`);
  assert.deepEqual([badJson.status, JSON.parse(badJson.body).detail], [400, 'payload is not JSON']);
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
});

test('security - a flooding user is rate limited with a friendly ephemeral, others are unaffected', async () => {
  const flood = Promise.all(Array.from({ length: 40 }, () => post('commands', rank('UFLOOD'))));
  const [answered, replies] = await Promise.all([legitimateTraffic(flood), flood]);
  const texts = replies.map((r) => {
    assert.equal(r.status, 200);
    return JSON.parse(r.body) as { response_type: string; text: string };
  });
  assert.equal(texts.filter((t) => t.text === 'rank for UFLOOD').length, USER_LIMIT);
  const limited = texts.filter((t) => t.text !== 'rank for UFLOOD');
  assert.equal(limited.length, 40 - USER_LIMIT);
  assert.ok(limited.every((t) => t.response_type === 'ephemeral' && t.text.includes('너무 빨라요')), JSON.stringify(limited[0]));
  assert.ok(answered >= 3);
});

test('security - tokens in Redis are not plaintext', async () => {
  const raw = JSON.stringify(await infra.redisClient().hgetall(`${infra.subjects.prefix}:tokens`));
  assert.ok(raw.length > 100);
  for (const t of sandbox.info.teams) {
    assert.ok(!raw.includes(t.botToken) && !raw.includes(t.appToken), 'plaintext token at rest');
  }
  assert.ok(!/xox[bp]-|xapp-/.test(raw));
});

/** A GET with the path sent byte for byte (fetch would resolve `..` before sending). */
function rawGet(origin: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once('error', reject);
    req.end();
  });
}

test('security - path traversal: dotted and encoded paths on ingress and the sandbox are 404, never a file', async () => {
  const probes = ['/assets/../../package.json', '/assets/..%2f..%2fpackage.json', '/assets/%2e%2e/%2e%2e/package.json', '/u/..%2f..%2f/package.json', '/u/T1/..%2f..%2fetc%2fpasswd', '/..%2fpackage.json', '//etc/passwd', '/assets/pages.css/../../../../etc/passwd'];
  for (const origin of [base, sandbox.url]) {
    for (const path of probes) {
      const res = await rawGet(origin, path);
      assert.ok(res.status === 404 || res.status === 400, `${origin}${path} → ${res.status}`);
      assert.doesNotMatch(res.body, /"name":\s*"surfinger"|root:x:0:0/, `${origin}${path} leaked a file`);
    }
  }
  // The assets themselves are served (the probes failed on the path, not a dead server).
  assert.equal((await rawGet(base, '/assets/pages.css')).status, 200);
});
