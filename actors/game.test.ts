import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { GameResult, MessageTypes, RoundResult, isSubjectToken } from '../protocol/index.ts';
import type { ActorEvent, Effect } from './contract.ts';
import { makeGameId, slackTsAfter } from './game.ts';
import type { GameOptions } from './game.ts';
import { MISSIONS, reverseText } from './missions.ts';
import type { MissionId } from './missions.ts';
import { t } from './i18n/index.ts';
import { toJamo } from './scoring.ts';
import type { GameState } from './state.ts';
import { CORPUS, T0, createDriver, restoreBeforeEachStep } from './test-support.ts';
import { timeLimitMs } from './timing.ts';

type Driver = ReturnType<typeof createDriver>;

const rounds = (d: Driver) => d.published().filter((r) => r.type === MessageTypes.roundResult).map((r) => RoundResult.parse(r));
const finals = (d: Driver) => d.published().filter((r) => r.type === MessageTypes.gameResult).map((r) => GameResult.parse(r));
const ofType = <T extends Effect['type']>(fx: readonly Effect[], type: T) => fx.filter((e): e is Extract<Effect, { type: T }> => e.type === type);
const promptBlock = (e: Effect) => ('blocks' in e ? e.blocks : undefined)?.find((b) => typeof b.block_id === 'string' && b.block_id.startsWith('prompt'));

/** Plays a normal game where each [user, text, delay] answers after `delay` ms; returns the round result. */
function playNormal(answers: Array<[string, (target: string) => string, number]>, options: Partial<GameOptions> = {}) {
  const d = createDriver(options);
  d.start('');
  d.toPrompt();
  for (const [user, text, delay] of answers) {
    d.advance(delay);
    d.say(user, text(d.target()));
  }
  d.toDeadline();
  return { d, round: rounds(d)[0]!, final: finals(d)[0]! };
}

const exact = (t: string) => t;

describe('game - normal mode', () => {
  test('start → countdown → prompt → answers → deadline → results and published records', () => {
    const { d, round, final } = playNormal([
      ['U1', exact, 4_000],
      ['U2', (t) => t.slice(0, -1), 500],
    ]);
    assert.equal(round.entries[0]?.user, 'U1');
    assert.equal(round.entries[0]?.accuracy, 100);
    assert.equal(round.entries[1]!.accuracy < 100, true);
    assert.deepEqual(round.winners, ['U1']);
    assert.equal(round.resultId, `${round.gameId}:1`);
    assert.equal(round.mode, 'normal');
    assert.equal(round.mission, null);
    assert.equal(final.resultId, `${round.gameId}:final`);
    assert.equal(final.champion, 'U1');
    assert.equal(final.rounds, 1);
    assert.equal(d.logic.isIdle(d.state), true);
    assert.equal(d.logic.nextDeadline(d.state), null);
    assert.equal(d.logic.gameId(d.state), round.gameId);
  });

  test('the countdown edits one message 3, 2, 1, then the prompt is posted with its markers', () => {
    const d = createDriver();
    d.start('');
    const gameId = d.logic.gameId(d.state)!;
    d.toPrompt();
    const keyed = d.effects.filter((e) => e.type === 'post' || e.type === 'update').map((e) => `${e.type} ${'key' in e ? e.key : ''}`);
    assert.deepEqual(keyed, [
      `post ${gameId}:countdown:1`,
      `update ${gameId}:countdown:1`,
      `update ${gameId}:countdown:1`,
      `post ${gameId}:prompt:1`,
    ]);
    const countdowns = d.effects.filter((e) => 'key' in e && e.key.includes('countdown')).map((e) => ('text' in e ? e.text : ''));
    assert.deepEqual(countdowns.map((t) => t.match(/(\d)…/)?.[1]), ['3', '2', '1']);
    const prompt = d.effects.at(-1)!;
    const block = promptBlock(prompt) as { text: { text: string } };
    const round = d.state.game!.round!;
    assert.equal(block.text.text, round.shown);
    assert.notEqual(round.shown, round.sentence);
    assert.equal(round.shown.replace(/[\u200B\u200C\u200D\u2060\u200A]/g, ''), round.sentence);
    assert.equal(d.logic.nextDeadline(d.state), d.now + timeLimitMs(round.target));
  });

  test('the game id is derived from team, channel and start time, and is a subject token', () => {
    const d = createDriver();
    d.start('');
    assert.equal(d.logic.gameId(d.state), makeGameId('T1', 'C1', T0));
    assert.equal(isSubjectToken(makeGameId('T1', 'C1', T0)), true);
    assert.equal(isSubjectToken(makeGameId('T.x*>', 'C 1', T0)), true);
  });

  test('/start while a game runs says so and changes nothing', () => {
    const d = createDriver();
    d.start('');
    const before = JSON.stringify(d.state);
    const fx = d.start('round 3', 'U2', 'en');
    assert.equal(fx.length, 1);
    assert.equal(fx[0]?.type, 'reply');
    assert.match((fx[0] as { text: string }).text, /already running/);
    assert.equal(JSON.stringify(d.state), before);
  });

  test('bad arguments get the usage line, in the command language, and no game', () => {
    const d = createDriver();
    const [fx] = d.start('round 99', 'U1', 'ko');
    assert.equal(fx?.type, 'reply');
    assert.match((fx as { text: string }).text, /사용법/);
    assert.equal(d.logic.isIdle(d.state), true);
  });

  test('a language without sentences is answered politely', () => {
    const d = createDriver({}, 1, { ko: CORPUS.ko, en: [] });
    const [fx] = d.start('', 'U1', 'en');
    assert.match((fx as { text: string }).text, /no sentences/);
    assert.equal(d.logic.isIdle(d.state), true);
  });

  test('prompts come from the difficulty levels and the language', () => {
    for (const [difficulty, levels] of [['easy', [1, 2]], ['normal', [2, 3, 4]], ['hard', [4, 5]]] as const) {
      for (let seed = 0; seed < 20; seed++) {
        const d = createDriver({}, seed);
        d.start(difficulty, 'U1', 'en');
        const round = d.state.game!.round!;
        assert.equal((levels as readonly number[]).includes(round.level), true, `${difficulty} drew level ${round.level}`);
        assert.equal(round.promptId.startsWith('en-'), true);
      }
    }
  });

  test('a late answer, after the deadline but before its tick, is ignored', () => {
    const d = createDriver();
    d.start('');
    d.toPrompt();
    d.now = d.state.game!.wakeAt;
    assert.deepEqual(d.say('U1', d.target()), []);
    d.send({ type: 'tick' });
    assert.deepEqual(rounds(d)[0]!.entries, []);
  });

  test('edits and messages after the round are ignored', () => {
    const { d } = playNormal([['U1', exact, 3_000]]);
    d.advance(500);
    assert.deepEqual(d.say('U1', 'edited text'), []);
    assert.deepEqual(d.say('U9', 'hello'), []);
  });

  test('only the first answer per user counts; an edit is a second answer', () => {
    const { round } = playNormal([
      ['U1', (t) => t.slice(1), 3_000],
      ['U1', exact, 500],
    ]);
    assert.equal(round.entries.length, 1);
    assert.equal(round.entries[0]!.accuracy < 100, true);
  });

  test('any user may answer a normal game, even one never seen before', () => {
    const { round } = playNormal([['UNEW', exact, 3_000]]);
    assert.deepEqual(round.winners, ['UNEW']);
    assert.deepEqual(round.missed, []);
  });

  test('empty and whitespace answers are not attempts', () => {
    const { round } = playNormal([
      ['U1', () => '   ', 1_000],
      ['U1', () => '\u200B', 500],
      ['U1', exact, 2_000],
    ]);
    assert.equal(round.entries.length, 1);
    assert.equal(round.entries[0]!.accuracy, 100);
    assert.equal(round.entries[0]!.pasted, false);
  });

  test('an answer over 4,000 characters is rejected with a notice and does not use up the turn', () => {
    const d = createDriver();
    d.start('');
    d.toPrompt();
    d.advance(2_000);
    const fx = d.say('U1', 'x'.repeat(4_001));
    assert.equal(fx.length, 1);
    assert.equal(fx[0]?.type, 'ephemeral');
    assert.match((fx[0] as { text: string }).text, /4,000/);
    d.advance(2_000);
    d.say('U1', d.target());
    d.toDeadline();
    assert.equal(rounds(d)[0]!.entries[0]!.accuracy, 100);
  });

  test('an answer typed in time but delivered after the round closed is not counted, and its player is told once', () => {
    const d = createDriver({ missionProbability: 0 });
    d.start('round 2');
    d.toPrompt();
    d.advance(2_000);
    const typedAt = d.now;
    const target = d.target();
    d.say('U2', target);
    d.toDeadline();
    assert.equal(d.state.game?.phase, 'pause', 'the round is closed, the game goes on');
    // Slack held U1's message (typed at `typedAt`) for its next retry: it arrives now.
    const slackTs = (ms: number) => (ms / 1_000).toFixed(6);
    const late = d.send({ type: 'message', user: 'U1', text: target, ts: slackTs(typedAt), eventId: 'Elate' });
    assert.deepEqual(late, [{ type: 'ephemeral', user: 'U1', text: t('ko', 'lateDelivery', { round: 1 }) }]);
    // Chat typed after the round, and a late copy of an answer that counted, get no notice.
    assert.deepEqual(d.send({ type: 'message', user: 'U3', text: 'gg', ts: slackTs(d.now), eventId: 'Echat' }), []);
    assert.deepEqual(d.send({ type: 'message', user: 'U2', text: target, ts: slackTs(typedAt), eventId: 'Eagain' }), []);
    const [r] = rounds(d);
    assert.deepEqual(r!.entries.map((e) => e.user), ['U2']);
  });

  test('pasted answer scores zero, is not ranked and gets a gentle notice', () => {
    const d = createDriver();
    d.start('');
    d.toPrompt();
    d.advance(3_000);
    const fx = d.say('U1', d.state.game!.round!.shown);
    assert.equal(fx[0]?.type, 'ephemeral');
    assert.match((fx[0] as { text: string }).text, /붙여넣/);
    d.advance(1_000);
    d.say('U2', d.target().slice(2));
    d.toDeadline();
    const [r] = rounds(d);
    const pasted = r!.entries.find((e) => e.user === 'U1')!;
    assert.deepEqual([pasted.pasted, pasted.score, pasted.rank], [true, 0, null]);
    assert.equal(pasted.text, r!.prompt, 'stored without its markers');
    assert.deepEqual(r!.winners, ['U2']);
  });

  test('implausibly fast answers are flagged and not ranked', () => {
    const { round, final } = playNormal([['U1', exact, 100]]);
    const e = round.entries[0]!;
    assert.equal(e.speed > 1_500, true);
    assert.deepEqual([e.flagged, e.rank], [true, null]);
    assert.deepEqual(round.winners, []);
    assert.equal(final.champion, null);
  });

  test('English caps at 250 WPM and shows WPM', () => {
    const d = createDriver({ maxEnWpm: 250 });
    d.start('', 'U1', 'en');
    d.toPrompt();
    const target = d.target();
    const fastMs = Math.floor((target.length / 5 / 300) * 60_000);
    d.advance(fastMs);
    d.say('U1', target);
    d.advance(3_000);
    d.say('U2', target);
    d.toDeadline();
    const [r] = rounds(d);
    assert.equal(r!.entries.find((e) => e.user === 'U1')!.flagged, true);
    const u2 = r!.entries.find((e) => e.user === 'U2')!;
    assert.equal(u2.flagged, false);
    assert.equal(u2.wpm !== null && u2.wpm > 0, true);
  });

  test('nobody answering ends the game with no champion', () => {
    const { round, final, d } = playNormal([]);
    assert.deepEqual(round.entries, []);
    assert.equal(final.champion, null);
    assert.equal(d.effects.some((e) => e.type === 'post' && /Nobody|아무도/.test(e.text)), true);
  });

  test('the "N answered" line updates at most once a second, and a pending count is flushed by a tick', () => {
    const d = createDriver();
    d.start('');
    d.toPrompt();
    const liveUpdates = () => ofType(d.effects, 'update').filter((e) => e.key.endsWith(':prompt:1'));
    d.advance(1_500);
    d.say('U1', d.target());
    assert.equal(liveUpdates().length, 1);
    d.advance(100);
    d.say('U2', d.target());
    d.advance(100);
    d.say('U3', d.target());
    assert.equal(liveUpdates().length, 1, 'throttled');
    assert.equal(d.logic.nextDeadline(d.state), d.now - 200 + 1_000);
    d.advance(800);
    assert.equal(liveUpdates().length, 2);
    assert.match(liveUpdates()[1]!.text + JSON.stringify(liveUpdates()[1]!.blocks), /3명 입력 완료/);
    assert.equal(d.logic.nextDeadline(d.state), d.state.game!.wakeAt);
  });
});

describe('game - exit', () => {
  test('the starter stops the game: a final record with exitedBy, and the channel is idle', () => {
    const d = createDriver();
    d.start('round 3');
    d.toPrompt();
    const fx = d.send({ type: 'command', user: 'U1', command: 'exit', text: '', lang: 'en' });
    assert.equal(fx[0]?.type, 'reply');
    assert.match((fx[0] as { text: string }).text, /stopped/);
    const [final] = finals(d);
    assert.deepEqual([final!.exitedBy, final!.rounds, final!.champion], ['U1', 0, null]);
    assert.equal(d.logic.isIdle(d.state), true);
    assert.equal(rounds(d).length, 0, 'the unfinished round is not recorded');
  });

  test('someone else cannot stop it, and /exit with no game says so', () => {
    const d = createDriver();
    const [none] = d.send({ type: 'command', user: 'U2', command: 'exit', text: '', lang: 'en' });
    assert.match((none as { text: string }).text, /No game/);
    d.start('');
    const [denied] = d.send({ type: 'command', user: 'U2', command: 'exit', text: '', lang: 'ko' });
    assert.match((denied as { text: string }).text, /<@U1>님만/);
    assert.equal(d.logic.isIdle(d.state), false);
  });

  test('a new game can start after one ends', () => {
    const { d } = playNormal([['U1', exact, 3_000]]);
    d.advance(1);
    d.start('');
    assert.equal(d.logic.isIdle(d.state), false);
    assert.notEqual(d.logic.gameId(d.state), finals(d)[0]!.gameId);
  });
});

describe('game - round mode', () => {
  test('N prompts in a row with a table each, then totals; no sentence repeats', () => {
    const d = createDriver({ missionProbability: 0 });
    d.start('round 3');
    for (let n = 1; n <= 3; n++) {
      d.toPrompt();
      d.advance(4_000);
      d.say('U1', d.target());
      if (n !== 2) d.say('U2', d.target().slice(1));
      d.toDeadline();
    }
    const rs = rounds(d);
    assert.deepEqual(rs.map((r) => r.round), [1, 2, 3]);
    assert.equal(new Set(rs.map((r) => r.promptId)).size, 3);
    assert.deepEqual(rs[1]!.missed, ['U2'], 'a player of an earlier round who skipped this one is marked missed');
    const [final] = finals(d);
    assert.equal(final!.rounds, 3);
    assert.equal(final!.champion, 'U1');
    assert.deepEqual(final!.totals.map((x) => [x.user, x.rounds]), [['U1', 3], ['U2', 2]]);
    const u1 = rs.reduce((sum, r) => sum + r.entries.find((e) => e.user === 'U1')!.score, 0);
    assert.equal(Math.abs(final!.totals[0]!.score - u1) < 0.2, true);
    assert.equal(d.effects.some((e) => e.type === 'post' && e.key.endsWith(':final')), true);
  });

  test('rounds are separated by a pause before the next countdown', () => {
    const d = createDriver({ pauseMs: 5_000 });
    d.start('round 2');
    d.toPrompt();
    d.toDeadline();
    assert.equal(d.state.game!.phase, 'pause');
    assert.equal(d.logic.nextDeadline(d.state), d.now + 5_000);
    d.advance(5_000);
    assert.equal(d.state.game!.phase, 'countdown');
    assert.equal(d.state.game!.round!.n, 2);
  });
});

// ---- King of the Keyboard ---------------------------------------------------------------------

function kok(players: string[], options: Partial<GameOptions> = {}, seed = 42) {
  const d = createDriver({ missionProbability: 0, ...options }, seed);
  d.start('kok', players[0]);
  for (const [i, p] of players.slice(1).entries()) {
    if (i % 2 === 0) d.send({ type: 'click', user: p, actionId: 'kok_join', value: 'join', messageTs: '1' });
    else d.say(p, '참가');
  }
  return d;
}

/** One kok round: each user answers the target cut by `cut` characters after `delay` ms. */
function kokRound(d: Driver, plays: Array<[string, number, number]>) {
  d.toPrompt();
  for (const [user, cut, delay] of plays) {
    d.advance(delay);
    d.say(user, d.target().slice(0, d.target().length - cut));
  }
  if (d.state.game?.phase === 'answering') d.toDeadline();
}

describe('game - King of the Keyboard', () => {
  test('join by button or by typing, duplicates ignored; the join message updates', () => {
    const d = kok(['U1', 'U2', 'U3']);
    d.say('U2', 'join');
    d.send({ type: 'click', user: 'U3', actionId: 'kok_join', value: 'join', messageTs: '1' });
    assert.deepEqual(d.state.game!.players, ['U1', 'U2', 'U3']);
    assert.equal(d.effects.filter((e) => e.type === 'update' && e.key.endsWith(':join')).length, 2);
    assert.equal(d.logic.nextDeadline(d.state), T0 + 20_000);
  });

  test('fewer than two players: cancelled politely, recorded with no rounds', () => {
    const d = kok(['U1']);
    d.advance(20_000);
    assert.equal(d.effects.some((e) => e.type === 'post' && /최소 2명/.test(e.text)), true);
    const [final] = finals(d);
    assert.deepEqual([final!.rounds, final!.champion, final!.mode], [0, null, 'kok']);
    assert.equal(d.logic.isIdle(d.state), true);
  });

  test('the lowest scorer and the missed are out each round; the last one standing is crowned', () => {
    const d = kok(['U1', 'U2', 'U3', 'U4']);
    d.advance(20_000);
    kokRound(d, [['U1', 0, 3_000], ['U2', 1, 200], ['U3', 3, 200]]);
    let [r1] = rounds(d);
    assert.deepEqual(r1!.missed, ['U4']);
    assert.deepEqual(r1!.entries.filter((e) => e.eliminated).map((e) => e.user), ['U3']);
    assert.deepEqual(d.state.game!.players, ['U1', 'U2']);
    d.advance(5_000);
    kokRound(d, [['U2', 0, 3_000], ['U1', 2, 200]]);
    const [final] = finals(d);
    assert.equal(final!.champion, 'U2');
    assert.equal(final!.rounds, 2);
    assert.equal(d.effects.some((e) => e.type === 'post' && e.text.includes('<@U2>님이 키보드의 왕')), true);
    r1 = rounds(d)[1];
    assert.deepEqual(r1!.entries.map((e) => [e.user, e.eliminated]), [['U2', false], ['U1', true]]);
  });

  test('the round closes as soon as every standing player answered', () => {
    const d = kok(['U1', 'U2']);
    d.advance(20_000);
    d.toPrompt();
    const deadline = d.state.game!.wakeAt;
    d.advance(3_000);
    d.say('U1', d.target());
    d.say('U2', d.target().slice(1));
    assert.equal(rounds(d).length, 1);
    assert.equal(d.now < deadline, true);
  });

  test('non-players and eliminated players cannot answer', () => {
    const d = kok(['U1', 'U2', 'U3']);
    d.advance(20_000);
    kokRound(d, [['U1', 0, 3_000], ['U2', 0, 0], ['UX', 0, 0]]);
    assert.deepEqual(rounds(d)[0]!.entries.map((e) => e.user).sort(), ['U1', 'U2']);
    d.advance(5_000);
    d.toPrompt();
    d.advance(3_000);
    assert.deepEqual(d.say('U3', d.target()), []);
  });

  test('all answerers tied: nobody is out by score and the game goes on', () => {
    const d = kok(['U1', 'U2']);
    d.advance(20_000);
    d.toPrompt();
    d.advance(3_000);
    // Same text at the same instant: identical scores.
    d.say('U1', d.target());
    d.say('U2', d.target());
    assert.deepEqual(rounds(d)[0]!.entries.map((e) => e.eliminated), [false, false]);
    assert.deepEqual(rounds(d)[0]!.winners, ['U1', 'U2']);
    assert.equal(d.state.game!.phase, 'pause');
  });

  test('everyone missed: nobody is eliminated and the game ends without a king', () => {
    const d = kok(['U1', 'U2', 'U3']);
    d.advance(20_000);
    kokRound(d, []);
    const [final] = finals(d);
    assert.equal(final!.champion, null);
    assert.deepEqual(rounds(d)[0]!.missed, ['U1', 'U2', 'U3']);
    assert.equal(d.effects.some((e) => e.type === 'post' && e.text.includes('왕 없이')), true);
  });

  test('at the round cap the standing player with the best total is crowned', () => {
    const d = kok(['U1', 'U2'], { kokMaxRounds: 2 });
    d.advance(20_000);
    kokRound(d, [['U1', 0, 3_000], ['U2', 0, 0]]);
    d.advance(5_000);
    d.toPrompt();
    d.advance(3_000);
    d.say('U2', d.target());
    d.advance(10);
    d.say('U1', d.target());
    // U1 answered 10 ms later: lower score, eliminated; U2 is the last one standing anyway.
    assert.equal(finals(d)[0]!.champion, 'U2');
    const d2 = kok(['U1', 'U2'], { kokMaxRounds: 1 });
    d2.advance(20_000);
    kokRound(d2, [['U1', 0, 3_000], ['U2', 0, 0]]);
    assert.equal(finals(d2)[0]!.champion, 'U1', 'a tie at the cap goes to the earliest joiner');
  });
});

// ---- missions ---------------------------------------------------------------------------------

/** A normal game whose only round carries `mission` (the first seed that draws it). */
function withMission(mission: MissionId) {
  for (let seed = 0; seed < 500; seed++) {
    const d = createDriver({ missionProbability: 1, missionFirstRound: 1 }, seed);
    d.start('');
    if (d.state.game?.round?.mission === mission) return d;
  }
  throw new Error(`no seed draws ${mission}`);
}

describe('game - missions', () => {
  test('a mission may twist round 1 of the very first game, normal mode included', () => {
    const drawn = new Set<string>();
    for (let seed = 0; seed < 50; seed++) {
      const d = createDriver({ missionProbability: 1 }, seed);
      d.start('');
      assert.equal(d.state.game!.mode, 'normal');
      assert.notEqual(d.state.game!.round!.mission, null);
      drawn.add(d.state.game!.round!.mission!);
    }
    assert.ok(drawn.size >= 4, [...drawn].join());
  });

  test('missions come at the configured rate: about 30 % of normal games by default', () => {
    let withMission = 0;
    const games = 400;
    for (let seed = 0; seed < games; seed++) {
      const d = createDriver({}, seed);
      d.start('');
      if (d.state.game!.round!.mission !== null) withMission++;
    }
    assert.ok(withMission > games * 0.22 && withMission < games * 0.38, `${withMission} of ${games}`);
    const d = createDriver({ missionProbability: 0 }, 1);
    d.start('');
    assert.equal(d.state.game!.round!.mission, null, 'rate 0: never');
  });

  test('missionFirstRound: 2 keeps round 1 plain', () => {
    for (let seed = 0; seed < 20; seed++) {
      const d = createDriver({ missionProbability: 1, missionFirstRound: 2 }, seed);
      d.start('');
      assert.equal(d.state.game!.round!.mission, null);
    }
  });

  test('every mission is drawn for some seed, with a banner on the countdown and the prompt', () => {
    for (const mission of MISSIONS) {
      const d = withMission(mission);
      assert.equal(d.effects.some((e) => e.type === 'post' && e.blocks?.some((b) => b.block_id === 'mission')), true);
      d.toPrompt();
      assert.equal(ofType(d.effects, 'post').at(-1)!.blocks!.some((b) => b.block_id === 'mission'), true);
    }
  });

  test('mission probability is honoured from round 2 of a round game', () => {
    let seen = 0;
    for (let seed = 0; seed < 40; seed++) {
      const d = createDriver({ missionProbability: 0.5, pauseMs: 0 }, seed);
      d.start('round 2');
      d.toPrompt();
      d.toDeadline();
      d.advance(1);
      if (d.state.game?.round?.mission) seen++;
    }
    assert.equal(seen > 5 && seen < 35, true, `missions in ${seen} of 40`);
  });

  test('reverse: typing the sentence backwards is 100%, typing it forwards is not', () => {
    const d = withMission('reverse');
    d.toPrompt();
    const round = d.state.game!.round!;
    assert.equal(round.target, reverseText(round.sentence));
    d.advance(4_000);
    d.say('U1', round.target);
    d.say('U2', round.sentence);
    d.toDeadline();
    const [r] = rounds(d);
    assert.equal(r!.mission, 'reverse');
    assert.deepEqual(r!.entries.map((e) => [e.user, e.accuracy === 100]), [['U1', true], ['U2', false]]);
  });

  test('initials-swap: the swapped sentence is the target', () => {
    const d = withMission('initials-swap');
    d.toPrompt();
    const round = d.state.game!.round!;
    assert.notEqual(round.target, round.sentence);
    assert.equal(toJamo(round.target).length, toJamo(round.sentence).length);
    d.advance(4_000);
    d.say('U1', round.target);
    d.toDeadline();
    assert.equal(rounds(d)[0]!.entries[0]!.accuracy, 100);
  });

  test('second-best: the runner-up wins the round and ranks first', () => {
    const d = withMission('second-best');
    d.toPrompt();
    d.advance(4_000);
    d.say('U1', d.target());
    d.say('U2', d.target().slice(1));
    d.say('U3', d.target().slice(3));
    d.toDeadline();
    const [r] = rounds(d);
    assert.deepEqual(r!.winners, ['U2']);
    assert.deepEqual(r!.entries.map((e) => [e.user, e.rank]), [['U2', 1], ['U1', 2], ['U3', 3]]);
  });

  test('fastest-correct: only the fastest 100% answer wins; imperfect ones are unranked', () => {
    const d = withMission('fastest-correct');
    d.toPrompt();
    d.advance(3_000);
    d.say('U1', d.target().slice(1));
    d.advance(1_000);
    d.say('U2', d.target());
    d.advance(1_000);
    d.say('U3', d.target());
    d.toDeadline();
    const [r] = rounds(d);
    assert.deepEqual(r!.winners, ['U2']);
    assert.deepEqual(r!.entries.map((e) => [e.user, e.rank]), [['U2', 1], ['U3', 2], ['U1', null]]);
  });
});

// ---- robustness: restore, determinism, totality -------------------------------------------------

/** A scripted round game with three players and a paste; `restore` round-trips the state through JSON before every step. */
function script(restore: boolean) {
  const d = createDriver({ missionProbability: 0.5 }, 7);
  if (restore) restoreBeforeEachStep(d);
  d.start('round 3');
  for (let n = 1; n <= 3; n++) {
    d.toPrompt();
    d.advance(2_500);
    d.say('U1', d.target());
    d.advance(700);
    d.say('U2', d.target().slice(2));
    d.say('U3', d.state.game!.round!.shown);
    d.toDeadline();
  }
  return d;
}

describe('game - robustness', () => {
  test('a state restored from JSON at any step plays out exactly like the uninterrupted game', () => {
    const a = script(false);
    const b = script(true);
    assert.deepEqual(b.effects, a.effects);
    assert.deepEqual(b.state, a.state);
    assert.equal(finals(a).length, 1);
  });

  test('a restored state mid-round re-runs nothing: the next step emits only its own effects', () => {
    const d = createDriver();
    d.start('');
    d.toPrompt();
    const restored = JSON.parse(JSON.stringify(d.state)) as GameState;
    const r = d.logic.step(restored, { type: 'message', user: 'U1', text: 'x', ts: '1', eventId: 'e' }, d.now + 1_500);
    assert.deepEqual(r.effects.map((e) => e.type), ['update']);
  });

  test('the same seed plays the same game', () => {
    assert.deepEqual(script(false).effects, script(false).effects);
  });

  test('step never mutates the state it is given (the driver deep-freezes every input)', () => {
    const d = script(false);
    assert.equal(Object.isFrozen(d.state), false, 'the latest state is fresh');
    assert.equal(d.effects.filter((e) => e.type === 'post' && e.key.endsWith(':broken')).length, 0);
    assert.equal(finals(d).length, 1);
  });

  test('step never throws, and the state stays JSON-safe, whatever the events', () => {
    const user = fc.constantFrom('U1', 'U2', 'U3', '', '__proto__');
    const event: fc.Arbitrary<ActorEvent> = fc.oneof(
      fc.record({ type: fc.constant('command' as const), user, command: fc.constantFrom('start' as const, 'exit' as const), text: fc.oneof(fc.constantFrom('', 'round 2', 'kok', 'hard', 'round 11'), fc.string()), lang: fc.constantFrom('ko' as const, 'en' as const) }),
      fc.record({ type: fc.constant('message' as const), user, text: fc.oneof(fc.string(), fc.constantFrom('join', '참가', '가나다')), ts: fc.string(), eventId: fc.string() }),
      fc.record({ type: fc.constant('click' as const), user, actionId: fc.constantFrom('kok_join', 'lang_ko', 'x'), value: fc.string(), messageTs: fc.string() }),
      fc.constant({ type: 'tick' as const }),
      fc.anything() as fc.Arbitrary<ActorEvent>,
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(event, fc.nat(30_000)), { maxLength: 60 }), fc.nat(), (events, seed) => {
        const d = createDriver({}, seed);
        for (const [e, gap] of events) {
          d.now += gap;
          d.send(e);
          assert.deepEqual(JSON.parse(JSON.stringify(d.state)), d.state);
          for (const p of d.published()) (p.type === MessageTypes.roundResult ? RoundResult : GameResult).parse(p);
        }
        assert.equal(d.state.broken, null);
      }),
      { numRuns: 200 },
    );
  });

  test('a step that fails internally becomes a broken phase, not a throw', () => {
    const d = createDriver();
    d.start('round 2');
    d.toPrompt();
    d.toDeadline();
    const corrupt = { ...d.state, game: { ...d.state.game!, usedPrompts: null as unknown as string[] } };
    const r = d.logic.step(corrupt, { type: 'tick' }, d.now + 10_000);
    assert.equal(r.state.game, null);
    assert.equal(r.state.broken?.code, 'SF_ERR_GAME_BROKEN');
    assert.equal(d.logic.isIdle(r.state), true);
    assert.equal(r.effects[0]?.type, 'post');
    const again = d.logic.step(r.state, { type: 'command', user: 'U1', command: 'start', text: '', lang: 'en' }, d.now + 11_000);
    assert.equal(again.state.broken, null);
    assert.equal(d.logic.isIdle(again.state), false);
  });
});

describe('game - redelivered answers', () => {
  test('a redelivery of an answer an earlier round counted is not an answer in the next round', () => {
    const d = createDriver();
    d.start('round 2');
    d.toPrompt();
    d.advance(2_000);
    const ts = String(d.now);
    d.send({ type: 'message', user: 'U1', text: d.target(), ts, eventId: 'EvFirst' });
    d.toDeadline();
    d.toPrompt();
    d.advance(1_000);
    // Slack resends the round-1 event (its ack was lost): same ts, same event id.
    d.send({ type: 'message', user: 'U1', text: 'stale round one text', ts, eventId: 'EvFirst' });
    assert.equal(d.state.game?.round?.answers.length, 0);
    d.say('U1', d.target());
    assert.equal(d.state.game?.round?.answers.length, 1);
    assert.equal(d.state.game?.round?.answers[0]?.accuracy, 100);
  });

  test('Slack ts compare as seconds then fraction; an unknown format never drops an answer', () => {
    assert.equal(slackTsAfter('1700000000.000200', '1700000000.000100'), true);
    assert.equal(slackTsAfter('1700000000.0001', '1700000000.000100'), false);
    assert.equal(slackTsAfter('999999999.9', '1700000000.1'), false);
    assert.equal(slackTsAfter('1700000001', '1700000000.999999'), true);
    assert.equal(slackTsAfter('not-a-ts', '1700000000.1'), true);
  });
});

// ---- issue 16: what a player would notice ------------------------------------------------------

const joinUpdates = (d: Driver) => ofType(d.effects, 'update').filter((e) => e.key.endsWith(':join'));
const hasJoinButton = (e: Effect) => ('blocks' in e ? (e.blocks ?? []) : []).some((b) => b.type === 'actions');

describe('game - King of the Keyboard as players see it', () => {
  test('the Join button is removed when the game starts', () => {
    const d = kok(['U1', 'U2']);
    d.advanceTo(d.state.game!.wakeAt);
    const last = joinUpdates(d).at(-1)!;
    assert.equal(hasJoinButton(last), false);
    assert.match(last.text, /U1/);
    assert.equal(d.state.game!.phase, 'countdown');
  });

  test('the Join button is removed when the game is cancelled or stopped', () => {
    const cancelled = kok(['U1']);
    cancelled.advanceTo(cancelled.state.game!.wakeAt);
    assert.equal(cancelled.state.game, null);
    assert.equal(hasJoinButton(joinUpdates(cancelled).at(-1)!), false);
    const stopped = kok(['U1', 'U2']);
    stopped.send({ type: 'command', user: 'U1', command: 'exit', text: '', lang: 'ko' });
    assert.equal(hasJoinButton(joinUpdates(stopped).at(-1)!), false);
  });

  test('a late Join click gets a private answer instead of silence', () => {
    const d = kok(['U1', 'U2']);
    d.advanceTo(d.state.game!.wakeAt);
    const fx = d.send({ type: 'click', user: 'U9', actionId: 'kok_join', value: 'join', messageTs: '1' });
    assert.deepEqual(fx, [{ type: 'ephemeral', user: 'U9', text: t('ko', 'kokJoinLate') }]);
    assert.equal(d.state.game!.players.includes('U9'), false);
  });

  test('the results say who is still standing (kokLeft)', () => {
    const d = kok(['U1', 'U2', 'U3', 'U4']);
    kokRound(d, [
      ['U1', 0, 5_000],
      ['U2', 1, 500],
      ['U3', 5, 500],
    ]);
    const result = ofType(d.effects, 'post').find((e) => e.key.endsWith(':result:1'))!;
    const left = result.blocks!.find((b) => b.block_id === 'kok-left');
    assert.ok(left, 'a kok-left block');
    assert.match(JSON.stringify(left), new RegExp(t('ko', 'kokLeft', { players: '<@U1>, <@U2>' }).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  });

  test('an early close (everyone answered) leaves the "N answered" line true', () => {
    const d = kok(['U1', 'U2', 'U3'], { liveThrottleMs: 60_000 });
    d.toPrompt();
    d.advance(1_500);
    for (const u of ['U1', 'U2', 'U3']) d.say(u, d.target());
    assert.equal(d.state.game!.phase, 'pause', 'closed early');
    const live = ofType(d.effects, 'update').filter((e) => e.key.endsWith(':prompt:1')).at(-1)!;
    assert.match(JSON.stringify(live.blocks), new RegExp(t('ko', 'answered', { n: 3 })));
  });
});

describe('game - wording', () => {
  test('/start names mode and difficulty without repeating a word', () => {
    const d = createDriver({ missionProbability: 0 });
    const [started] = d.start('', 'U1', 'en');
    assert.equal((started as { text: string }).text, '<@U1> started a one-sentence game (difficulty: normal). Get ready!');
  });

  test('English speed reads keystrokes/min, like the badges', () => {
    assert.match(t('en', 'resultRow', { speed: 1 }), /keystrokes\/min/);
    assert.doesNotMatch(t('en', 'resultFlagged', {}), /chars/);
  });
});

describe('game - condition missions', () => {
  const conditionRound = (mission: MissionId, texts: Array<(target: string) => string>) => {
    const d = withMission(mission);
    d.toPrompt();
    texts.forEach((text, i) => {
      d.advance(1_000);
      d.say(`U${i + 1}`, text(d.target()));
    });
    d.toDeadline();
    return ofType(d.effects, 'post').find((e) => e.key.endsWith(':result:1'))!;
  };
  const outcome = (e: Effect) => JSON.stringify(('blocks' in e ? e.blocks : [])?.find((b) => b.block_id === 'mission-outcome'));

  test('all-perfect: accomplished when everyone typed it at 100 %, failed otherwise', () => {
    assert.match(outcome(conditionRound('all-perfect', [exact, exact])), new RegExp(t('ko', 'missionAllPerfectMet')));
    assert.match(outcome(conditionRound('all-perfect', [exact, (s) => s.slice(0, -2)])), new RegExp(t('ko', 'missionAllPerfectMissed')));
  });

  test('average-95: the average accuracy decides, and the message shows it', () => {
    const met = outcome(conditionRound('average-95', [exact, exact]));
    assert.match(met, /100%/);
    assert.match(met, new RegExp(t('ko', 'missionAverageMet', { average: 100, goal: 95 }).slice(0, 8)));
    assert.match(outcome(conditionRound('average-95', [exact, (s) => s.slice(0, 3)])), new RegExp(t('ko', 'missionAverageMissed', { average: 0, goal: 95 }).slice(0, 8)));
  });

  test('consonant-replace: the banner names X and Y, and only the transformed sentence scores 100 %', () => {
    const d = withMission('consonant-replace');
    const round = d.state.game!.round!;
    assert.ok(round.missionArgs, 'X and Y are drawn');
    assert.notEqual(round.target, round.sentence);
    const banner = JSON.stringify(d.effects.find((e) => e.type === 'post')!.blocks!.find((b) => b.block_id === 'mission'));
    assert.ok(banner.includes(round.missionArgs!.from) && banner.includes(round.missionArgs!.to), banner);
    d.toPrompt();
    d.advance(1_000);
    d.say('U1', round.target);
    d.say('U2', round.sentence);
    d.toDeadline();
    const [r] = rounds(d);
    assert.equal(r!.mission, 'consonant-replace');
    assert.equal(r!.entries.find((e) => e.user === 'U1')!.accuracy, 100);
    assert.ok(r!.entries.find((e) => e.user === 'U2')!.accuracy < 100);
  });
});
