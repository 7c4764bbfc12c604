import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageTypes } from '../../protocol/index.ts';
import { BlockActions, edgeText, EventCallback, fromReply, SlashCommand, windowOf, withBudget, withinLimits } from './slack-routing.ts';

test('routing - slash command payloads: ids must be subject-safe, extra fields are ignored', () => {
  const hook = 'https://hooks.slack.com/commands/T1/1/abc';
  const ok = SlashCommand.safeParse({ team_id: 'T1', channel_id: 'C1', user_id: 'U1', command: '/start', text: 'round 3', response_url: hook, trigger_id: 'x' });
  assert.deepEqual(ok.success && ok.data, { team_id: 'T1', channel_id: 'C1', user_id: 'U1', command: '/start', text: 'round 3', response_url: hook });
  // Over-long text parses: the router answers it with the usage line instead of a raw 400.
  assert.equal(SlashCommand.safeParse({ team_id: 'T1', channel_id: 'C1', user_id: 'U1', command: '/start', text: 'x'.repeat(1_001) }).success, true);
  for (const bad of [{ channel_id: 'C1.>' }, { team_id: 'T*' }, { command: 'start' }]) {
    assert.equal(SlashCommand.safeParse({ team_id: 'T1', channel_id: 'C1', user_id: 'U1', command: '/start', ...bad }).success, false, JSON.stringify(bad));
  }
});

test('routing - block actions from ephemeral messages carry the ts in the container', () => {
  const parsed = BlockActions.parse({ type: 'block_actions', team: { id: 'T1' }, user: { id: 'U1' }, channel: { id: 'C1' }, container: { message_ts: '1.2' }, actions: [{ action_id: 'lang_en', value: 'en' }] });
  assert.equal(parsed.container?.message_ts, '1.2');
  assert.equal(BlockActions.safeParse({ type: 'block_actions', team: { id: 'T1' }, user: { id: 'U1' }, channel: { id: 'C1' }, actions: [] }).success, false);
});

test('routing - event callbacks keep the event open-ended but require ids', () => {
  assert.equal(EventCallback.safeParse({ type: 'event_callback', team_id: 'T1', event_id: 'Ev1', event: { type: 'message', anything: 1 } }).success, true);
  assert.equal(EventCallback.safeParse({ type: 'event_callback', team_id: 'T1', event: { type: 'message' } }).success, false);
});

test('routing - a Reply becomes Slack’s response body; "none" acks silently', () => {
  assert.deepEqual(fromReply({ type: MessageTypes.reply, ok: true, responseType: 'none', text: 'hidden' }), {});
  assert.deepEqual(fromReply({ type: MessageTypes.reply, ok: true, responseType: 'in_channel', text: 'hi' }), { response_type: 'in_channel', text: 'hi' });
});

test('routing - slow work is answered by the fallback within the budget', async () => {
  const slow = new Promise<string>((r) => setTimeout(() => r('late'), 200));
  assert.equal(await withBudget(slow, 20, () => 'still working'), 'still working');
  assert.equal(await withBudget(Promise.resolve('fast'), 20, () => 'still working'), 'fast');
});

test('routing - fixed-window rate limits', () => {
  assert.equal(windowOf(119_999), 1);
  assert.equal(windowOf(120_000), 2);
  const limits = { userPerMinute: 3, teamPerMinute: 10 };
  assert.equal(withinLimits({ userCount: 3, teamCount: 10 }, limits), true);
  assert.equal(withinLimits({ userCount: 4, teamCount: 5 }, limits), false);
  assert.equal(withinLimits({ userCount: 1, teamCount: 11 }, limits), false);
});

test('routing - every edge text exists in Korean and English', () => {
  for (const key of ['stillWorking', 'rateLimited', 'unknownCommand', 'langChanged', 'unavailable', 'installed', 'installFailed'] as const) {
    assert.notEqual(edgeText('ko', key), edgeText('en', key), key);
  }
  assert.match(edgeText('en', 'unknownCommand', { command: '/x' }), /\/x/);
});

