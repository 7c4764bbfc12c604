import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALL_BADGES } from './badges.ts';
import { EMPTY_TEAM, EMPTY_USER } from './model.ts';
import { badgeReply } from './replies.ts';

test('/badge - the count of every badge collected says what it counts, in both languages', () => {
  const owned = { user: new Map([['first_game', 1], ['perfect', 2]]), team: new Map([['team_games_10', 3]]) };
  for (const [lang, label] of [['en', 'Badges collected (mine + team)'], ['ko', '모은 배지 (내 배지 + 팀 배지)']] as const) {
    const last = JSON.stringify(badgeReply(lang, owned, { user: EMPTY_USER, team: EMPTY_TEAM }).blocks?.at(-1));
    assert.ok(last.includes(`${label} 3/${ALL_BADGES.length}`), last);
  }
});
