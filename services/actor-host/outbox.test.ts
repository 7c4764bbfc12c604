import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deferEdit, superseded } from './outbox.ts';
import type { OutboxEntry } from './records.ts';

let id = 0;
const post = (key: string): OutboxEntry => ({ kind: 'egress', id: id++, op: 'post', key, text: `post ${key}`, idempotencyKey: `p${id}` });
const edit = (key: string, text = 'edit'): OutboxEntry => ({ kind: 'egress', id: id++, op: 'update', key, text, idempotencyKey: `u${id}` });
const eph = (): OutboxEntry => ({ kind: 'egress', id: id++, op: 'ephemeral', key: null, text: 'psst', user: 'U1', idempotencyKey: `e${id}` });
const publish = (): OutboxEntry => ({ kind: 'publish', id: id++, result: {} as never });

test('outbox - an edit followed by a newer edit of the same message is superseded', () => {
  const q = [edit('prompt', '3'), edit('live'), edit('prompt', '2'), edit('prompt', '1')];
  assert.deepEqual(q.map((_, i) => superseded(q, i)), [true, false, true, false]);
});

test('outbox - posts, ephemerals, results and an edit before a re-post of its key are never superseded', () => {
  const q = [post('prompt'), edit('prompt', 'closed'), post('prompt'), edit('prompt', 'new'), eph(), publish()];
  assert.deepEqual(q.map((_, i) => superseded(q, i)), [false, false, false, false, false, false]);
});

test('outbox - a busy edit steps behind the game\'s other effects and does not wait', () => {
  const e = edit('live');
  const rest = [publish(), post('results')];
  const { pending, wait } = deferEdit(rest, e);
  assert.deepEqual(pending, [...rest, e]);
  assert.equal(wait, false);
});

test('outbox - a busy edit stays before a re-post of its key, and waits when nothing else can go first', () => {
  const e = edit('prompt', 'closed');
  const next = post('prompt');
  const blocked = deferEdit([next, publish()], e);
  assert.deepEqual(blocked.pending.slice(0, 2), [e, next]);
  assert.equal(blocked.wait, true);
  const alone = deferEdit([edit('other')], e);
  assert.equal(alone.wait, true, 'only edits left: wait for the budget instead of spinning');
  assert.equal(deferEdit([publish(), next], e).wait, false);
});
