import { test } from 'node:test';
import assert from 'node:assert/strict';
import { t } from '../../actors/i18n/index.ts';
import { KOK_JOIN_ACTION } from '../../actors/render.ts';
import { listedAsPasted, newEvents, tsMillis } from './reading.ts';
import type { ChannelMessage } from './driver.ts';

const bot = (ts: string, blocks: ChannelMessage['blocks']): ChannelMessage => ({ ts, user: 'UBOT', bot_id: 'B1', text: '', ...(blocks ? { blocks } : {}) });
const prompt = bot('1700000001.000100', [{ type: 'section', block_id: 'prompt-1', text: { type: 'plain_text', text: '다\u200B람' } }]);
const results = bot('1700000012.000100', [{ type: 'section', block_id: 'results', text: { type: 'mrkdwn', text: 'body' } }]);
const totals = bot('1700000030.000100', [{ type: 'section', block_id: 'totals', text: { type: 'mrkdwn', text: '' } }]);

test('reading - prompt text is taken exactly as shown, markers included', () => {
  const events = newEvents([prompt], new Set());
  assert.deepEqual(events, [{ kind: 'prompt', ts: prompt.ts, shown: '다\u200B람' }]);
});

test('reading - a message already seen (e.g. the prompt edited by the live line) is not new', () => {
  const seen = new Set<string>();
  assert.equal(newEvents([prompt, results], seen).length, 2);
  assert.deepEqual(newEvents([prompt, results, totals], seen), [{ kind: 'totals', ts: totals.ts }]);
});

test('reading - players and ephemerals are ignored', () => {
  const human: ChannelMessage = { ts: '1700000002.000000', user: 'U1', text: 'hi', blocks: prompt.blocks! };
  const ephemeral = { ...results, ts: '1700000013.000000', ephemeral_to: 'U1' };
  assert.deepEqual(newEvents([human, ephemeral], new Set()), []);
});

test('reading - the King of the Keyboard join button is found', () => {
  const join = bot('1700000000.500000', [
    { type: 'section', block_id: 'kok-join', text: { type: 'mrkdwn', text: 'join!' } },
    { type: 'actions', block_id: 'kok-join-actions', elements: [{ type: 'button', action_id: KOK_JOIN_ACTION, value: 'join' }] },
  ]);
  assert.deepEqual(newEvents([join], new Set()), [{ kind: 'join', ts: join.ts, actionId: KOK_JOIN_ACTION, value: 'join' }]);
});

test('reading - Slack ts becomes milliseconds', () => {
  assert.equal(tsMillis('1700000001.000100'), 1_700_000_001_000);
});

test('reading - the pasted line is recognised for the right user in both languages', () => {
  for (const lang of ['ko', 'en'] as const) {
    const body = `${t(lang, 'resultPasted', { user: '<@U2>' })}\n`;
    assert.equal(listedAsPasted(body, 'U2'), true);
    assert.equal(listedAsPasted(body, 'U1'), false);
  }
});
