import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { codecs, EgressErrorCodes, MessageTypes, type EgressRequest } from '../../protocol/index.ts';
import { request } from '../../services/common/nats.ts';
import { start } from '../../services/egress/service.ts';
import { startInfra } from '../support/harness.ts';
import { messages, quiet, startSlack } from './edge-kit.ts';

/**
 * Issue 15 item 4: the egress subject names who asks (`egress.<kind>.<team>.<channel>`) and NATS
 * permissions give each service one kind; egress itself refuses a payload that claims more than
 * its subject allows, so a reply-only edge cannot post as the bot by lying in the payload.
 */
const infra = await startInfra();
const { sandbox, tokenKeys } = await startSlack(infra);
const egress = await start({ log: quiet, natsUrl: infra.nats.url, redisUrl: infra.redis.url, prefix: infra.subjects.prefix, slackApiUrl: sandbox.info.apiUrl, tokenKeys, production: true, pace: { ratePerSec: 50, burst: 50 }, maxRetries: 1, metricsPort: 0, metricsHost: '127.0.0.1' });
after(() => egress.stop());
const nc = await infra.natsClient();
const team = sandbox.info.teams[0]!;
const channel = team.channels[0]!.id;
const other = team.channels[1]!.id;
const user = team.users[0]!.id;
let seq = 0;

function ask(kind: 'game' | 'reply' | 'announce', req: Partial<EgressRequest>, subjectChannel = channel) {
  const full: EgressRequest = { type: MessageTypes.egressRequest, team: team.teamId, channel, op: 'post', text: `scope ${++seq}`, idempotencyKey: `scope-${seq}`, ...req };
  return request(nc, infra.subjects.egress(kind, team.teamId, subjectChannel), codecs.egressRequest, full, codecs.egressReply, 10_000);
}

test('egress scope - a reply may only be ephemeral; an announce only a new post; payload must match the subject', async () => {
  const before = (await messages(sandbox, team.teamId, channel)).length;
  for (const [kind, req] of [
    ['reply', { op: 'post' }],
    ['reply', { op: 'update', ts: '1.1' }],
    ['reply', { op: 'delete', ts: '1.1' }],
    ['announce', { op: 'ephemeral', user }],
    ['announce', { op: 'update', ts: '1.1' }],
  ] as const) {
    const reply = await ask(kind, req);
    assert.equal(reply.ok, false, `${kind} ${req.op}`);
    assert.equal(reply.code, EgressErrorCodes.SCOPE, `${kind} ${req.op}`);
  }
  // A payload naming another channel than the subject is refused too.
  assert.equal((await ask('announce', { channel: other }, channel)).code, EgressErrorCodes.SCOPE);
  assert.equal((await messages(sandbox, team.teamId, channel)).length, before, 'nothing reached Slack');

  assert.equal((await ask('reply', { op: 'ephemeral', user })).ok, true);
  assert.equal((await ask('announce', { op: 'post' })).ok, true);
  assert.equal((await ask('game', { op: 'post' })).ok, true);
});
