import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveMembers, ownerOf } from './sharding.ts';

const teams = Array.from({ length: 1_000 }, (_, i) => `T${i.toString().padStart(5, '0')}`);

test('sharding - every replica computes the same owner regardless of member order', () => {
  for (const team of teams.slice(0, 50)) assert.equal(ownerOf(team, ['a', 'b', 'c']), ownerOf(team, ['c', 'a', 'b']));
  assert.equal(ownerOf('T1', []), null);
});

test('sharding - teams spread roughly evenly over replicas', () => {
  const counts = new Map<string, number>();
  for (const team of teams) {
    const owner = ownerOf(team, ['sup-1', 'sup-2'])!;
    counts.set(owner, (counts.get(owner) ?? 0) + 1);
  }
  for (const n of counts.values()) assert.ok(n > 400 && n < 600, `uneven split ${[...counts]}`);
});

test('sharding - when a member leaves only its teams move', () => {
  for (const team of teams) {
    const before = ownerOf(team, ['sup-1', 'sup-2', 'sup-3'])!;
    const after = ownerOf(team, ['sup-1', 'sup-3'])!;
    if (before !== 'sup-2') assert.equal(after, before);
  }
});

test('sharding - members with stale heartbeats are not live', () => {
  assert.deepEqual(liveMembers([{ id: 'b', at: 1_500 }, { id: 'a', at: 2_500 }, { id: 'c', at: 100 }], 3_000, 2_000), ['a', 'b']);
});
