import type { Lang } from '../../protocol/index.ts';

/**
 * Every text the ranking service shows, in Korean and English. The `en` catalog is typed from the
 * `ko` one, so a key missing in either language is a compile error.
 */

const ko = {
  rankTitle: '🏆 채널 랭킹 (최근 기록)',
  rankRule: (games: number, days: number) => `각 플레이어의 최근 ${days}일 안 마지막 ${games}판 중 최고 점수로 순위를 매겨요.`,
  rankEmpty: '아직 이 채널에 최근 기록이 없어요. `/start` 로 한 판 해 보세요!',
  scoreTitle: '📜 채널 최고 기록',
  scoreEmpty: '아직 이 채널에 기록이 없어요. `/start` 로 첫 기록을 남겨 보세요!',
  myTitle: '🙋 내 기록',
  myRank: (rank: number, of: number) => `이 채널 최근 순위: *${rank}위* / ${of}명`,
  myUnranked: '최근 30일 안에 이 채널 기록이 없어 순위가 없어요.',
  myBests: '역대 최고 점수',
  myChannel: '이 채널',
  myTeam: '우리 팀',
  myGlobal: '전체',
  myRecent: '이 채널 최근 기록',
  myStats: (games: number, answers: number, avg: number, perfects: number) =>
    `게임 ${games}판 · 답변 ${answers}번 · 평균 정확도 ${avg}% · 100% ${perfects}번`,
  myPage: '내 공개 랭킹 페이지',
  myNone: '아직 기록이 없어요. `/start` 로 시작해 보세요!',
  points: '점',
  perMinute: '타/분',
  wpm: 'WPM',
  nth: (rank: number) => `${rank}위`,
  badgeTitle: '🏅 배지',
  badgeMine: (count: number, total: number) => `내 배지 ${count}/${total}`,
  badgeTeam: (count: number, total: number) => `팀 배지 ${count}/${total}`,
  badgeNext: '다음 목표',
  badgeNone: '아직 배지가 없어요.',
  badgeAnnounce: (who: string, emoji: string, name: string, description: string) => `🎊 ${who} 님이 배지 ${emoji} *${name}* 를 얻었어요! — ${description}`,
  badgeAnnounceTeam: (emoji: string, name: string, description: string) => `🎊 우리 팀이 배지 ${emoji} *${name}* 를 얻었어요! — ${description}`,
  badge: {
    first_game: ['첫 게임', '첫 게임을 마쳤어요.'],
    games_10: ['열 판', '게임 10판을 했어요.'],
    games_100: ['백 판', '게임 100판을 했어요.'],
    first_win: ['첫 승리', '라운드에서 처음 1등을 했어요.'],
    perfect: ['백발백중', '정확도 100%로 답했어요.'],
    perfect_10: ['명사수', '정확도 100%를 10번 기록했어요.'],
    speed_300: ['속도 브론즈', '정확도 90% 이상으로 분당 300타를 넘었어요.'],
    speed_500: ['속도 실버', '정확도 90% 이상으로 분당 500타를 넘었어요.'],
    speed_700: ['속도 골드', '정확도 90% 이상으로 분당 700타를 넘었어요.'],
    marathon: ['마라톤', '라운드 모드에서 10라운드 이상 완주했어요.'],
    kok_crown: ['키보드의 왕', '키보드의 왕 모드에서 끝까지 살아남았어요.'],
    mission_specialist: ['미션 전문가', '미션 라운드에서 5번 이겼어요.'],
    comeback: ['컴백', '2주 넘게 쉬었다가 돌아왔어요.'],
    first_exit: ['비상구', '처음으로 /exit 로 게임을 멈췄어요.'],
    team_games_10: ['팀 워밍업', '팀에서 게임 10판을 했어요.'],
    team_games_200: ['팀 경기장', '팀에서 게임 200판을 했어요.'],
    team_players_5: ['다섯 손가락', '팀에서 5명 이상이 게임에 참여했어요.'],
    team_crown: ['왕이 있는 팀', '팀에서 처음으로 키보드의 왕이 나왔어요.'],
  } as Record<string, readonly [string, string]>,
};

type RankingTexts = typeof ko;

const en: RankingTexts = {
  rankTitle: '🏆 Channel ranking (recent records)',
  rankRule: (games, days) => `Each player is ranked by their best score among their last ${games} games in the past ${days} days.`,
  rankEmpty: 'No recent records in this channel yet. Try `/start`!',
  scoreTitle: '📜 Top records in this channel',
  scoreEmpty: 'No records in this channel yet. Set the first one with `/start`!',
  myTitle: '🙋 My records',
  myRank: (rank, of) => `Recent rank in this channel: *#${rank}* of ${of}`,
  myUnranked: 'No records in this channel in the last 30 days, so no rank yet.',
  myBests: 'All-time best scores',
  myChannel: 'This channel',
  myTeam: 'Team',
  myGlobal: 'Everyone',
  myRecent: 'My recent records here',
  myStats: (games, answers, avg, perfects) => `${games} games · ${answers} answers · ${avg}% average accuracy · ${perfects}× 100%`,
  myPage: 'My public ranking page',
  myNone: 'No records yet. Start one with `/start`!',
  points: 'pts',
  perMinute: '/min',
  wpm: 'WPM',
  nth: (rank) => `#${rank}`,
  badgeTitle: '🏅 Badges',
  badgeMine: (count, total) => `My badges ${count}/${total}`,
  badgeTeam: (count, total) => `Team badges ${count}/${total}`,
  badgeNext: 'Next goals',
  badgeNone: 'No badges yet.',
  badgeAnnounce: (who, emoji, name, description) => `🎊 ${who} earned the ${emoji} *${name}* badge! — ${description}`,
  badgeAnnounceTeam: (emoji, name, description) => `🎊 This team earned the ${emoji} *${name}* badge! — ${description}`,
  badge: {
    first_game: ['First game', 'Finished a first game.'],
    games_10: ['Ten games', 'Played 10 games.'],
    games_100: ['Hundred games', 'Played 100 games.'],
    first_win: ['First win', 'Won a round for the first time.'],
    perfect: ['Bullseye', 'Answered with 100% accuracy.'],
    perfect_10: ['Sharpshooter', 'Hit 100% accuracy 10 times.'],
    speed_300: ['Speed bronze', 'Beat 300 keystrokes a minute at 90%+ accuracy.'],
    speed_500: ['Speed silver', 'Beat 500 keystrokes a minute at 90%+ accuracy.'],
    speed_700: ['Speed gold', 'Beat 700 keystrokes a minute at 90%+ accuracy.'],
    marathon: ['Marathon', 'Finished 10+ rounds of a round-mode game.'],
    kok_crown: ['King of the Keyboard', 'Last one standing in King of the Keyboard.'],
    mission_specialist: ['Mission specialist', 'Won 5 mission rounds.'],
    comeback: ['Comeback', 'Came back after more than two weeks away.'],
    first_exit: ['Emergency exit', 'Stopped a game with /exit for the first time.'],
    team_games_10: ['Team warm-up', 'The team played 10 games.'],
    team_games_200: ['Team arena', 'The team played 200 games.'],
    team_players_5: ['High five', '5 or more people in the team have played.'],
    team_crown: ['Royal team', 'The team crowned its first King of the Keyboard.'],
  },
};

const catalogs: Record<Lang, RankingTexts> = { ko, en };

export function rankingTexts(lang: Lang): RankingTexts {
  return catalogs[lang];
}

/** Name and description of a badge; the id itself if a catalog lacks it (a test forbids that). */
export function badgeText(lang: Lang, id: string): { name: string; description: string } {
  const [name, description] = catalogs[lang].badge[id] ?? [id, ''];
  return { name, description };
}
