import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebClient } from '@slack/web-api';
import { codecs, EgressErrorCodes, MessageTypes, type EgressReply, type EgressRequest } from '../../protocol/index.ts';
import { startInfra } from '../../test/support/harness.ts';
import { messages, quiet, startSlack } from '../../test/security/edge-kit.ts';
import { request } from '../common/nats.ts';
import { start } from './service.ts';

const infra = await startInfra();
// Slack's per-channel posting limit, tightened so a test can hit it quickly.
const { sandbox, tokenKeys } = await startSlack(infra, { rateLimit: { postMessagePerSecond: 1, postMessageBurst: 2 }, generate: { teams: 1, channels: 5 } });
const options = {
  log: quiet,
  natsUrl: infra.nats.url,
  redisUrl: infra.redis.url,
  prefix: infra.subjects.prefix,
  slackApiUrl: sandbox.info.apiUrl,
  tokenKeys,
  production: true,
  pace: { ratePerSec: 1, burst: 2 },
  maxRetries: 3,
  metricsPort: 0,
  metricsHost: '127.0.0.1',
};
// Two replicas in the queue group: idempotency must hold across them.
const [one, two] = await Promise.all([start(options), start(options)]);
after(() => Promise.all([one.stop(), two.stop()]));
const nc = await infra.natsClient();
const team = sandbox.info.teams[0]!;
const [general, random, third] = team.channels;

let seq = 0;
function send(req: Partial<EgressRequest> & { channel: string }, timeoutMs = 15_000): Promise<EgressReply> {
  const full: EgressRequest = { type: MessageTypes.egressRequest, team: team.teamId, op: 'post', text: 'hi', idempotencyKey: `k${++seq}`, ...req };
  return request(nc, infra.subjects.egress('game', full.team, full.channel), codecs.egressRequest, full, codecs.egressReply, timeoutMs);
}
const botPosts = async (channel: string) => (await messages(sandbox, team.teamId, channel)).filter((m) => m.user === team.botUserId && m.ephemeral_to === undefined);

test('egress - post, update, ephemeral and delete reach Slack', async () => {
  const posted = await send({ channel: general!.id, text: 'first' });
  assert.equal(posted.ok, true);
  assert.ok(posted.ts);
  assert.equal((await send({ channel: general!.id, op: 'update', ts: posted.ts!, text: 'edited' })).ok, true);
  assert.equal((await send({ channel: general!.id, op: 'ephemeral', user: team.users[0]!.id, text: 'just you' })).ok, true);
  const shown = await messages(sandbox, team.teamId, general!.id);
  assert.equal(shown.find((m) => m.ts === posted.ts)?.text, 'edited');
  assert.ok(shown.some((m) => m.text === 'just you' && m.ephemeral_to === team.users[0]!.id));
  assert.equal((await send({ channel: general!.id, op: 'delete', ts: posted.ts! })).ok, true);
  assert.equal((await messages(sandbox, team.teamId, general!.id)).some((m) => m.ts === posted.ts), false);
});

test('egress - a retried request (same idempotency key, any replica) posts once', async () => {
  const replies = await Promise.all(Array.from({ length: 6 }, () => send({ channel: random!.id, text: 'only once', idempotencyKey: 'same-key' })));
  const again = await send({ channel: random!.id, text: 'only once', idempotencyKey: 'same-key' });
  assert.ok(replies.every((r) => r.ok && r.ts === replies[0]!.ts), JSON.stringify(replies));
  assert.equal(again.ts, replies[0]!.ts);
  assert.equal((await botPosts(random!.id)).filter((m) => m.text === 'only once').length, 1);
});

test('egress - posts to one channel are paced (burst, then about one per second)', async () => {
  const started = Date.now();
  const replies = await Promise.all(Array.from({ length: 4 }, (_, i) => send({ channel: third!.id, text: `paced ${i}` })));
  const elapsed = Date.now() - started;
  assert.ok(replies.every((r) => r.ok));
  // burst 2 at once, then 1/s: the 4th goes out ~2 s later.
  assert.ok(elapsed >= 1_800 && elapsed < 4_000, `elapsed ${elapsed}`);
  const metrics = (await one.registry.metrics()) + (await two.registry.metrics());
  assert.match(metrics, /sf_egress_requests_total\{[^}]*op="post"[^}]*outcome="ok"/);
});

test('egress - a 429 from Slack is waited out (Retry-After) and the post lands exactly once', async () => {
  // Someone else spends the channel's allowance, so egress's next post gets 429.
  const other = new WebClient(team.botToken, { slackApiUrl: sandbox.info.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
  const channel = team.channels[3]!.id;
  await other.chat.postMessage({ channel, text: 'x1' });
  await other.chat.postMessage({ channel, text: 'x2' });
  const reply = await send({ channel, text: 'after the limit' });
  assert.equal(reply.ok, true);
  assert.equal((await botPosts(channel)).filter((m) => m.text === 'after the limit').length, 1);
  const limited = (await one.registry.getSingleMetricAsString('sf_egress_429_total')) + (await two.registry.getSingleMetricAsString('sf_egress_429_total'));
  assert.match(limited, /sf_egress_429_total\{[^}]*method="chat.postMessage"[^}]*\} [1-9]/);
});

test('egress - unknown teams and bad requests answer with a code, and the service keeps serving', async () => {
  const unknown = await send({ team: 'TNOPE', channel: general!.id });
  assert.deepEqual([unknown.ok, unknown.code], [false, EgressErrorCodes.NOT_INSTALLED]);
  const noTs = await send({ channel: general!.id, op: 'update' });
  assert.deepEqual([noTs.ok, noTs.code], [false, EgressErrorCodes.INVALID]);
  const slackError = await send({ channel: 'CNOSUCH', text: 'nowhere' });
  assert.deepEqual([slackError.ok, slackError.code, slackError.error], [false, EgressErrorCodes.SLACK, 'channel_not_found']);
  await assert.rejects(request(nc, infra.subjects.egress('game', team.teamId, general!.id), { encode: () => new Uint8Array([1, 2, 3]), decode: () => null }, null, codecs.egressReply), { code: 'SF_ERR_PROTOCOL_DECODE' });
  assert.equal((await send({ channel: general!.id, text: 'still here' })).ok, true);
});

test('egress - an edit that cannot go within its maxWaitMs is refused busy, unsent, and spends no budget', async () => {
  const channel = team.channels[4]!.id;
  const posted = await send({ channel, text: 'countdown 3' });
  // Spend the channel's burst (2) with the post above and one more edit.
  assert.equal((await send({ channel, op: 'update', ts: posted.ts!, text: 'countdown 2' })).ok, true);
  const busy = await send({ channel, op: 'update', ts: posted.ts!, text: 'countdown 1', maxWaitMs: 100 });
  assert.deepEqual([busy.ok, busy.code], [false, EgressErrorCodes.BUSY]);
  assert.ok(busy.retryAfterMs! > 100 && busy.retryAfterMs! <= 1_100, `retry after ${busy.retryAfterMs}`);
  assert.equal((await messages(sandbox, team.teamId, channel)).find((m) => m.ts === posted.ts)?.text, 'countdown 2');
  // The refused edit took no slot: a patient edit right after waits one slot (~1 s), not two.
  const started = Date.now();
  assert.equal((await send({ channel, op: 'update', ts: posted.ts!, text: 'go' })).ok, true);
  assert.ok(Date.now() - started < 1_700, `waited ${Date.now() - started} ms`);
});

test('egress - publish sets a player’s Home tab (views.publish) on the reply kind only, and needs a user', async () => {
  const user = team.users[1]!.id;
  const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Home*' } }];
  const publish = (kind: 'reply' | 'game', over: Partial<EgressRequest> = {}) =>
    request(nc, infra.subjects.egress(kind, team.teamId, user), codecs.egressRequest, { type: MessageTypes.egressRequest, team: team.teamId, channel: user, op: 'publish', user, text: 'Home', blocks, idempotencyKey: `home${++seq}`, ...over }, codecs.egressReply);
  const refused = await publish('game');
  assert.deepEqual([refused.ok, refused.code], [false, EgressErrorCodes.SCOPE], 'a game actor cannot publish anyone’s Home');
  const invalid = await request(nc, infra.subjects.egress('reply', team.teamId, user), codecs.egressRequest, { type: MessageTypes.egressRequest, team: team.teamId, channel: user, op: 'publish', text: 'Home', blocks, idempotencyKey: `home${++seq}` }, codecs.egressReply);
  assert.deepEqual([invalid.ok, invalid.code], [false, EgressErrorCodes.INVALID]);
  const published = await publish('reply');
  assert.equal(published.ok, true, JSON.stringify(published));
  assert.deepEqual(sandbox.workspace.home(sandbox.workspace.teams.get(team.teamId)!, user)?.blocks, blocks);
});
