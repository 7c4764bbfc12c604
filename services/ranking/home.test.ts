import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HOME_LANG_ACTIONS } from '../common/app-home.ts';
import { homeView, sparkline, type HomeData } from './home.ts';
import { EMPTY_USER, type RecordEntry } from './model.ts';

const record = (speed: number, at: number): RecordEntry => ({
  r: `g:${at}`,
  t: 'T1',
  c: 'C1',
  u: 'U1',
  score: speed / 2,
  acc: 97,
  speed,
  wpm: null,
  prompt: '다람쥐 헌 쳇바퀴에 타고파',
  promptId: 'p1',
  lang: 'ko',
  mode: 'normal',
  at,
});

const data = (recent: RecordEntry[], badges: string[] = []): HomeData => ({
  user: 'U1',
  stats: { ...EMPTY_USER, games: 4, answers: 5, ranked: 5, sumAccuracy: 480, bestScore: 210.5, bestSpeed: 430, perfects: 1 },
  bests: { team: { score: 210.5, rank: 2 }, global: { score: 210.5, rank: 7 } },
  badges: new Map(badges.map((b) => [b, 1])),
  teamBadges: new Map(),
  recent,
});

const text = (blocks: unknown[]): string => JSON.stringify(blocks);
const block = (blocks: unknown[], id: string) => blocks.find((b) => (b as { block_id?: string }).block_id === id) as Record<string, unknown> | undefined;

describe('home - App Home view', () => {
  test('sparkline scales between the lowest and highest value, one bar each; flat data sits mid-height', () => {
    assert.equal(sparkline([100, 200, 300]), '▁▅█');
    assert.equal(sparkline([5, 5, 5]), '▄▄▄');
    assert.equal(sparkline([]), '');
  });

  test('the chart reads oldest to newest although the store keeps records newest first', () => {
    const newestFirst = [record(400, 3_000), record(300, 2_000), record(200, 1_000)];
    const view = homeView('en', data(newestFirst));
    const chart = block(view.blocks!, 'home-chart');
    assert.match(text([chart]), /▁▅█/, 'rising speeds draw a rising line');
    assert.match(text(view.blocks!), /low 200 · high 400 · latest 400\/min/);
  });

  test('stats, ranks, recent games and owned badges are shown, in Korean and English', () => {
    const recent = [record(430, 2_000_000), record(380, 1_000_000)];
    const en = text(homeView('en', data(recent, ['first_game', 'perfect'])).blocks!);
    for (const expected of ['Games*\\n4', 'Average accuracy*\\n96%', 'Best speed*\\n430/min', 'Team rank*\\n#2', 'Global rank*\\n#7', 'Bullseye', 'Badges 2/', 'Recent games', '<!date^2000^']) assert.ok(en.includes(expected), `en view has ${expected}`);
    const ko = text(homeView('ko', data(recent, ['first_game'])).blocks!);
    for (const expected of ['게임*\\n4', '평균 정확도*\\n96%', '430타/분', '2위', '첫 게임', '속도 추이']) assert.ok(ko.includes(expected), `ko view has ${expected}`);
  });

  test('one record gives no chart yet but says when one appears', () => {
    const view = homeView('en', data([record(300, 1_000)]));
    assert.match(text([block(view.blocks!, 'home-chart')]), /appears once you have two records/);
    assert.doesNotMatch(text(view.blocks!), /[▁▂▃▄▅▆▇█]/);
  });

  test('the language toggle offers both languages and marks the one shown', () => {
    const toggle = (lang: 'ko' | 'en') => (block(homeView(lang, data([])).blocks!, 'home-lang')!['elements'] as Array<{ action_id: string; style?: string }>);
    assert.deepEqual(toggle('ko').map((b) => [b.action_id, b.style]), [[HOME_LANG_ACTIONS.ko, 'primary'], [HOME_LANG_ACTIONS.en, undefined]]);
    assert.deepEqual(toggle('en').map((b) => b.style), [undefined, 'primary']);
  });
});
