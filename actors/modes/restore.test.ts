import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DUEL_ACTIONS, TEAMS_JOIN_ACTION } from '../render.ts';
import { createDriver, restoreBeforeEachStep } from '../test-support.ts';

/**
 * Every phase the new modes snapshot (a duel's challenge, the robot's pending answer, a team
 * battle's join and teams) restores without replay: round-tripping the state through JSON before
 * every step plays the game out exactly like the uninterrupted one.
 */
function play(restore: boolean) {
  const d = createDriver({ missionProbability: 0.5 }, 11);
  if (restore) restoreBeforeEachStep(d);
  d.send({ type: 'command', user: 'U1', command: 'duel', text: '<@U2> 3', lang: 'ko' });
  d.advance(10_000);
  d.send({ type: 'click', user: 'U2', actionId: DUEL_ACTIONS.accept, value: '', messageTs: '1' });
  while (d.state.game !== null) {
    d.toPrompt();
    if (d.state.game === null) break;
    d.advance(3_000);
    d.say('U1', d.target().slice(1));
    d.say('U2', d.target());
  }
  d.start('robot hard');
  for (let n = 0; n < 3 && d.state.game !== null; n++) {
    d.toPrompt();
    d.advance(2_000);
    d.say('U1', d.target());
    d.advance(40_000);
  }
  d.start('teams 2');
  d.send({ type: 'click', user: 'U2', actionId: TEAMS_JOIN_ACTION, value: 'join', messageTs: '1' });
  d.say('U3', 'join');
  while (d.state.game !== null) {
    d.toPrompt();
    if (d.state.game === null) break;
    d.advance(3_000);
    for (const u of ['U1', 'U2', 'U3']) d.say(u, d.target());
  }
  return d;
}

test('modes - duel, robot and team games restored from JSON at every step play out like the uninterrupted ones', () => {
  const a = play(false);
  const b = play(true);
  assert.deepEqual(b.effects, a.effects);
  assert.deepEqual(b.state, a.state);
  const finals = a.published().filter((r) => r.resultId.endsWith(':final'));
  assert.deepEqual(finals.map((r) => r.type === 'surfinger.result.v1.game' && r.mode), ['duel', 'robot', 'teams']);
});
