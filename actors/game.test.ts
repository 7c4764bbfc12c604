import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GameResult, RoundResult } from '../protocol/messages.ts';
import { createDriver, T0 } from './test-support.ts';

describe('normal mode', () => {
  test('start → countdown → prompt → answers → deadline → results and published records', () => {
    const d = createDriver();
    const started = d.start('normal easy');
    assert.equal(started[0]?.type, 'reply');
    assert.equal(started[1]?.type, 'post');
    d.toPrompt();
    const target = d.target();
    d.advance(4_000);
    d.say('U1', target);
    d.advance(500);
    d.say('U2', target.slice(0, -1));
    d.toDeadline();
    const [round, final] = d.published();
    const r = RoundResult.parse(round);
    assert.equal(r.entries[0]?.user, 'U1');
    assert.equal(r.entries[0]?.accuracy, 100);
    assert.ok((r.entries[1]?.accuracy ?? 100) < 100);
    assert.deepEqual(r.winners, ['U1']);
    const g = GameResult.parse(final);
    assert.equal(g.champion, 'U1');
    assert.equal(g.resultId, `${r.gameId}:final`);
    assert.equal(r.resultId, `${r.gameId}:1`);
    assert.ok(d.logic.isIdle(d.state));
    assert.equal(d.logic.nextDeadline(d.state), null);
    assert.ok(d.now > T0);
  });
});
