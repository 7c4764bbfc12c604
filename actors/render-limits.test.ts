import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { tableUrl } from '../services/common/page-links.ts';
import { messageLimitError } from '../services/sandbox/message-limits.ts';
import type { Effect } from './contract.ts';
import { MISSIONS } from './missions.ts';
import { renderResults, renderTotals } from './render.ts';
import { createDriver } from './test-support.ts';

/** Every message a step produced, as Slack would receive it. */
function overLimit(effects: readonly Effect[]): string[] {
  const problems: string[] = [];
  for (const e of effects) {
    if (e.type !== 'post' && e.type !== 'update' && e.type !== 'ephemeral' && e.type !== 'reply') continue;
    const error = messageLimitError({ text: e.text, ...(e.blocks ? { blocks: e.blocks } : {}) });
    if (error !== null) problems.push(`${e.type} ${'key' in e ? e.key : ''}: ${JSON.stringify(error).slice(0, 300)}`);
  }
  return problems;
}

/** The link the actor host passes in: a real signed one, as long as production's. */
const tableLink = (ref: Parameters<typeof tableUrl>[2]) => tableUrl('https://surfinger.example', 'a-test-secret-of-at-least-32-characters', ref);

/** Slack ids up to the 64 characters the game accepts: the widest mentions a table can hold. */
const userId = (i: number, width: number) => `U${String(i).padStart(Math.max(1, width - 1), '0')}`;

test('render limits - any game of 1–500 players, any mode and language, renders only messages Slack accepts', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 500 }),
      fc.constantFrom('normal', 'round 2', 'kok'),
      fc.constantFrom('ko' as const, 'en' as const),
      fc.integer({ min: 9, max: 64 }),
      fc.integer({ min: 0, max: 2 ** 31 }),
      (players, mode, lang, width, seed) => {
        const d = createDriver({ missionProbability: 1, tableLink }, seed);
        const users = Array.from({ length: players }, (_, i) => userId(i, width));
        d.start(`${mode} easy`, users[0], lang);
        if (mode === 'kok') {
          for (const u of users.slice(1)) d.send({ type: 'click', user: u, actionId: 'kok_join', value: 'join', messageTs: '1' });
        }
        for (let guard = 0; d.state.game !== null && guard < 12; guard++) {
          d.toPrompt();
          if (d.state.game === null) break;
          const target = d.target();
          // Everyone answers, a third of them with a typo, so tables have every kind of row.
          users.forEach((u, i) => {
            d.advance(3);
            d.say(u, i % 3 === 0 ? `${target}x` : target);
          });
          d.toDeadline();
          d.advance(10_000);
        }
        assert.deepEqual(overLimit(d.effects), []);
      },
    ),
    { numRuns: 12 },
  );
});

test('render limits - a 500-row table shows what fits and links the rest', () => {
  const entries = Array.from({ length: 500 }, (_, i) => ({
    user: userId(i, 64),
    text: 'x',
    accuracy: 99,
    speed: 400,
    wpm: 80,
    score: 390,
    elapsedMs: 4_000,
    pasted: false,
    flagged: false,
    rank: i + 1,
    eliminated: false,
  }));
  for (const lang of ['ko', 'en'] as const) {
    const r = renderResults(lang, { round: 1, mission: { id: MISSIONS[0], args: null }, entries, missed: [], eliminated: [], winners: entries.map((e) => e.user), condition: null, standing: null, fullTableUrl: 'https://x.example/r/T/g/1' });
    assert.equal(messageLimitError(r), null);
    const more = r.blocks.find((b) => b.block_id === 'results-more');
    assert.match(JSON.stringify(more), /https:\/\/x\.example\/r\/T\/g\/1/);
    assert.match(JSON.stringify(more), lang === 'en' ? /and \d+ more/ : /외 \d+명/);
    const totals = renderTotals(lang, entries.map((e) => ({ user: e.user, score: 1, rounds: 1, avgAccuracy: 99 })), entries[0]!.user, false, null);
    assert.equal(messageLimitError(totals), null);
  }
});

test('render limits - a 300-player round names what fits and links its whole table, and the totals link theirs', () => {
  const d = createDriver({ missionProbability: 0, tableLink }, 7);
  const users = Array.from({ length: 300 }, (_, i) => userId(i, 11));
  d.start('round 1 easy', users[0], 'en');
  d.toPrompt();
  const target = d.target();
  const gameId = d.state.game!.id;
  for (const u of users) {
    d.advance(5);
    d.say(u, target);
  }
  d.toDeadline();
  const posts = d.effects.filter((e) => e.type === 'post');
  const blocksOf = (key: string) => JSON.stringify(posts.find((e) => e.key === key)?.blocks ?? []);
  const results = blocksOf(`${gameId}:result:1`);
  assert.match(results, /and \d+ more/);
  assert.ok(results.includes(tableLink({ team: d.state.team, channel: d.state.channel, gameId, part: '1' })), 'the round links its own table');
  assert.ok(blocksOf(`${gameId}:final`).includes(tableLink({ team: d.state.team, channel: d.state.channel, gameId, part: 'final' })), 'the totals link the final table');
  assert.deepEqual(overLimit(d.effects), []);
});
