import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Blocks } from '../protocol/messages.ts';
import { missionFromBanner, missionText, renderHelp, renderLangPicker, renderPrompt, renderResults } from './render.ts';
import { MISSIONS } from './missions.ts';

const blocksText = (blocks: Blocks) => blocks.map((b) => JSON.stringify(b)).join('\n').replace(/\\n/g, '\n');

const actionIds = (blocks: Blocks) =>
  blocks.flatMap((b) => (Array.isArray(b.elements) ? (b.elements as Array<{ action_id?: string }>).flatMap((e) => (e.action_id ? [e.action_id] : [])) : []));

test('render - help lists every command in both languages', () => {
  for (const lang of ['ko', 'en'] as const) {
    const { text, blocks } = renderHelp(lang);
    for (const cmd of ['/helpgame', '/lang', '/start', '/exit', '/myscore', '/rank', '/score', '/badge']) assert.equal(text.includes(cmd), true, `${lang} ${cmd}`);
    Blocks.parse(blocks);
  }
});

test('render - the language picker has 한국어 and English buttons', () => {
  const { blocks } = renderLangPicker('en');
  assert.deepEqual(actionIds(blocks), ['lang_ko', 'lang_en']);
  assert.equal(JSON.stringify(blocks).includes('한국어'), true);
});

test('render - the prompt block holds exactly the shown sentence', () => {
  const { blocks } = renderPrompt('ko', { round: 2, shown: 'a\u200Bb', mission: { id: 'reverse', args: null }, timeLimitMs: 6_000, answered: 0 });
  const prompt = blocks.find((b) => typeof b.block_id === 'string' && b.block_id.startsWith('prompt'));
  assert.deepEqual(prompt?.text, { type: 'plain_text', text: 'a\u200Bb', emoji: false });
  assert.equal(blocks.some((b) => b.block_id === 'mission'), true);
});

test('render - results list ranked, pasted and missed players, marking the eliminated', () => {
  const base = { text: 'x', elapsedMs: 1_000, wpm: null, pasted: false, flagged: false, eliminated: false };
  const r = renderResults('en', {
    round: 1,
    mission: null,
    entries: [
      { ...base, user: 'U1', accuracy: 100, speed: 300, score: 300, rank: 1 },
      { ...base, user: 'U2', accuracy: 100, speed: 300, score: 0, rank: null, pasted: true },
    ],
    missed: ['U3'],
    eliminated: ['U3'],
    winners: ['U1'],
    condition: null,
    standing: null,
    fullTableUrl: null,
  });
  const shown = blocksText(r.blocks);
  assert.match(shown, /1\. <@U1> — 100%/);
  assert.match(shown, /<@U2> — pasted/);
  assert.match(shown, /<@U3> — missed ✖ out/);
  assert.match(r.text, /Winner: <@U1>/);
});

test('render - every mission banner reads back as its mission and arguments', () => {
  for (const lang of ['ko', 'en'] as const) {
    for (const id of MISSIONS) {
      const args = id === 'consonant-replace' ? (lang === 'ko' ? { from: 'ㄷ', to: 'ㅋ' } : { from: 't', to: 'p' }) : null;
      assert.deepEqual(missionFromBanner(lang, `*${missionText(lang, { id, args })}*`), { id, args }, `${lang} ${id}`);
    }
    assert.equal(missionFromBanner(lang, 'no mission here'), null);
  }
});
