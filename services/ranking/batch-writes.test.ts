import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BatchWrites } from './batch-writes.ts';

describe('batch writes - merged per key', () => {
  test('adds to one sorted set become one ZADD and one trim', () => {
    const w = new BatchWrites();
    w.zadd('top', 3, 'a', { keep: 2 });
    w.zadd('best', 5, 'U1', { gt: true });
    w.zadd('top', 1.5, 'b', { keep: 2 });
    w.zadd('best', 4, 'U1', { gt: true });
    assert.deepEqual(w.list(), [
      ['ZADD', 'top', '3', 'a', '1.5', 'b'],
      ['ZREMRANGEBYRANK', 'top', '0', '-3'],
      ['ZADD', 'best', 'GT', '5', 'U1', '4', 'U1'],
    ]);
  });

  test('increments of one field add up; fields in the order of their first increment', () => {
    const w = new BatchWrites();
    w.hincrby('totals', 'rounds', 1);
    w.hincrby('totals', 'answers', 4);
    w.zincrby('games', 'T1:C1', 1);
    w.hincrby('totals', 'rounds', 1);
    w.zincrby('games', 'T1:C1', 1);
    assert.deepEqual(w.list(), [
      ['HINCRBY', 'totals', 'rounds', '2'],
      ['HINCRBY', 'totals', 'answers', '4'],
      ['ZINCRBY', 'games', '2', 'T1:C1'],
    ]);
  });

  test('plain commands come first, in order, with numbers as decimal strings', () => {
    const w = new BatchWrites();
    w.zadd('z', 1, 'm');
    w.command('HSET', 'u', 'answers', 3, 'lastChannel', 'C1');
    w.append('SADD', 'applied', ['g1:1', 'g1:final']);
    assert.deepEqual(w.list(), [
      ['HSET', 'u', 'answers', '3', 'lastChannel', 'C1'],
      ['SADD', 'applied', 'g1:1', 'g1:final'],
      ['ZADD', 'z', '1', 'm'],
    ]);
  });

  test('big variadic writes are split below what the apply script can unpack, in order', () => {
    const w = new BatchWrites();
    const ids = Array.from({ length: 2_500 }, (_, i) => `g${i}:1`);
    w.append('SADD', 'applied', ids);
    ids.forEach((id, i) => w.zadd('top', i, id));
    const commands = w.list();
    assert.ok(commands.every((c) => c.length <= 2_003));
    assert.deepEqual(commands.filter((c) => c[0] === 'SADD').flatMap((c) => c.slice(2)), ids);
    assert.deepEqual(
      commands.filter((c) => c[0] === 'ZADD').flatMap((c) => c.slice(2).filter((_, i) => i % 2 === 1)),
      ids,
    );
    assert.deepEqual(w.list(), commands, 'listing twice gives the same commands');
  });

  test('nothing to write is an empty list', () => {
    assert.deepEqual(new BatchWrites().list(), []);
  });
});
