import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, LogLevel, WebClient, type WebAPIPlatformError } from '@slack/web-api';
import { messageLimitError, SLACK_LIMITS } from './message-limits.ts';
import { testSandbox } from './test-support.ts';

/** The platform error's body (error name and detail) of a call that must fail. */
async function refused(promise: Promise<unknown>): Promise<{ error: string; errors?: string[]; response_metadata?: { messages?: string[] } }> {
  try {
    await promise;
  } catch (err) {
    const e = err as WebAPIPlatformError;
    assert.equal(e.code, ErrorCode.PlatformError, String(err));
    return e.data as never;
  }
  assert.fail('call succeeded');
}

const x = (n: number) => 'x'.repeat(n);
const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

describe('message limits - the sandbox refuses what Slack refuses, through the real WebClient', async () => {
  const sandbox = await testSandbox({ rateLimit: false });
  const team = sandbox.info.teams[0]!;
  const client = new WebClient(team.botToken, { slackApiUrl: sandbox.info.apiUrl, logLevel: LogLevel.ERROR, retryConfig: { retries: 0 } });
  const channel = 'C0RANDOM01';
  const post = (blocks: unknown[], text = 'fallback') => client.chat.postMessage({ channel, text, blocks: blocks as never });

  async function invalid(blocks: unknown[], pointer: string, message: string): Promise<void> {
    const body = await refused(post(blocks));
    assert.equal(body.error, 'invalid_blocks');
    assert.ok(body.errors?.includes(`${message} [json-pointer:${pointer}]`), JSON.stringify(body));
    assert.ok(body.response_metadata?.messages?.includes(`[ERROR] ${message} [json-pointer:${pointer}]`), JSON.stringify(body));
  }

  test('section text: 3,000 characters pass, 3,001 are invalid_blocks with a json-pointer', async () => {
    assert.equal((await post([section(x(SLACK_LIMITS.sectionText))])).ok, true);
    await invalid([section('ok'), section(x(3_001))], '/blocks/1/text/text', 'must be less than 3001 characters');
  });

  test('fifty blocks pass, fifty-one are invalid_blocks', async () => {
    assert.equal((await post(Array.from({ length: 50 }, () => section('row')))).ok, true);
    assert.equal((await refused(post(Array.from({ length: 51 }, () => section('row'))))).error, 'invalid_blocks');
    assert.match(String(messageLimitError({ text: '', blocks: Array.from({ length: 51 }, () => section('r')) })?.['errors']), /must contain less than 51 items \[json-pointer:\/blocks\]/);
  });

  test('header text over 150 characters, or mrkdwn, is refused', async () => {
    assert.equal((await post([{ type: 'header', text: { type: 'plain_text', text: x(150) } }])).ok, true);
    await invalid([{ type: 'header', text: { type: 'plain_text', text: x(151) } }], '/blocks/0/text/text', 'must be less than 151 characters');
    await invalid([{ type: 'header', text: { type: 'mrkdwn', text: 'bold' } }], '/blocks/0/text/type', 'must be one of plain_text');
  });

  test('context holds at most 10 elements', async () => {
    const el = { type: 'mrkdwn', text: 'c' };
    assert.equal((await post([{ type: 'context', elements: Array(10).fill(el) }])).ok, true);
    await invalid([{ type: 'context', elements: Array(11).fill(el) }], '/blocks/0/elements', 'must contain less than 11 items');
  });

  test('button text is at most 75 characters', async () => {
    const button = (text: string) => ({ type: 'actions', elements: [{ type: 'button', action_id: 'a', value: 'v', text: { type: 'plain_text', text } }] });
    assert.equal((await post([button(x(75))])).ok, true);
    await invalid([button(x(76))], '/blocks/0/elements/0/text/text', 'must be less than 76 characters');
  });

  test('section fields: at most 10, each at most 2,000 characters', async () => {
    const fields = (n: number, len: number) => ({ type: 'section', fields: Array.from({ length: n }, () => ({ type: 'mrkdwn', text: x(len) })) });
    assert.equal((await post([fields(10, 1_000)])).ok, true);
    await invalid([fields(11, 5)], '/blocks/0/fields', 'must contain less than 11 items');
    await invalid([fields(2, 2_001)], '/blocks/0/fields/1/text', 'must be less than 2001 characters');
  });

  test('an empty text object is refused', async () => {
    await invalid([section('')], '/blocks/0/text/text', 'must be more than 0 characters');
  });

  test('all the text of the blocks together is limited: msg_blocks_too_long', async () => {
    const blocks = Array.from({ length: 5 }, () => section(x(2_500)));
    assert.equal((await refused(post(blocks))).error, 'msg_blocks_too_long');
    assert.equal((await post(blocks.slice(0, 4))).ok, true);
  });

  test('text over 40,000 characters is msg_too_long', async () => {
    assert.equal((await refused(client.chat.postMessage({ channel, text: x(40_001) }))).error, 'msg_too_long');
  });

  test('chat.update and chat.postEphemeral enforce the same limits', async () => {
    const posted = await client.chat.postMessage({ channel, text: 'short' });
    assert.equal((await refused(client.chat.update({ channel, ts: posted.ts!, text: 't', blocks: [section(x(3_001))] as never }))).error, 'invalid_blocks');
    assert.equal((await refused(client.chat.postEphemeral({ channel, user: 'U0BOB00001', text: 't', blocks: [section(x(3_001))] as never }))).error, 'invalid_blocks');
  });
});
