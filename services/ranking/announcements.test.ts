import assert from 'node:assert/strict';
import { test } from 'node:test';
import { messageLimitError } from '../sandbox/message-limits.ts';
import { dueAnnouncements, gamesIn, STALE_GAME_MS, type Pending } from './announcements.ts';
import type { BadgeAnnouncement } from './batch.ts';
import { gameBadgesMessage } from './replies.ts';

const T0 = 1_800_000_000_000;

function queued(gameId: string | undefined, user: string | null, badge: string, at = T0): Pending {
  const a: BadgeAnnouncement = { key: `badge:T1:${user ?? '*'}:${badge}`, team: 'T1', channel: 'C1', lang: 'en', user, badge, ...(gameId === undefined ? {} : { gameId, at }) };
  return { raw: JSON.stringify(a), announcement: a };
}

test('announcements - a game that is over is one message, its badges grouped by player in the order earned', () => {
  const pending = [queued('g1', 'U1', 'first_game'), queued('g1', 'U2', 'first_game'), queued('g1', 'U1', 'first_win'), queued('g1', null, 'team_players_5'), queued('g1', 'U1', 'perfect')];
  const due = dueAnnouncements(pending, new Set(['g1']), T0);
  assert.equal(due.length, 1);
  assert.deepEqual(due[0]!.holders, [
    { user: 'U1', badges: ['first_game', 'first_win', 'perfect'] },
    { user: 'U2', badges: ['first_game'] },
    { user: null, badges: ['team_players_5'] },
  ]);
  assert.deepEqual(due[0]!.raws, pending.map((p) => p.raw), 'settles every entry of the game');
});

test('announcements - a game still running waits; a game that never ended goes out once stale', () => {
  const pending = [queued('g1', 'U1', 'first_game', T0), queued('g2', 'U2', 'first_game', T0)];
  assert.deepEqual(gamesIn(pending), ['g1', 'g2']);
  assert.deepEqual(dueAnnouncements(pending, new Set(), T0 + 1_000), []);
  assert.deepEqual(dueAnnouncements(pending, new Set(['g2']), T0 + 1_000).map((a) => a.holders[0]!.user), ['U2']);
  assert.equal(dueAnnouncements(pending, new Set(), T0 + STALE_GAME_MS).length, 2);
});

test('announcements - entries queued before games were grouped go out alone, under their old key', () => {
  const old = queued(undefined, 'U1', 'perfect');
  const due = dueAnnouncements([old], new Set(), T0);
  assert.equal(due.length, 1);
  assert.equal(due[0]!.key, old.announcement.key);
});

test('announcements - three badges read as one message naming each; a lone badge keeps its sentence', () => {
  const three = gameBadgesMessage('en', [{ user: 'U1', badges: ['first_game', 'first_win', 'perfect'] }]);
  const text = JSON.stringify(three.blocks);
  for (const name of ['First game', 'First win']) assert.ok(text.includes(name), name);
  assert.match(three.text, /3 badges/);
  const one = gameBadgesMessage('ko', [{ user: 'U1', badges: ['first_game'] }]);
  assert.match(one.text, /<@U1> 님이 배지 🎮 \*첫 게임을\* 얻었어요/);
});

test('announcements - 500 players who each earned badges still make one message Slack accepts', () => {
  for (const lang of ['ko', 'en'] as const) {
    const holders = Array.from({ length: 500 }, (_, i) => ({ user: `U${String(i).padStart(63, '0')}`, badges: ['first_game', 'first_win', 'perfect', 'speed_300'] }));
    const message = gameBadgesMessage(lang, holders);
    assert.equal(messageLimitError(message), null);
    assert.match(JSON.stringify(message.blocks.at(-1)), lang === 'en' ? /and \d+ more players/ : /외 \d+명/);
  }
});
