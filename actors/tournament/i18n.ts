import { defineCatalog } from '../i18n/index.ts';

/** Every text of a tournament (standings, announcements), in Korean and English. */
const ko = {
  announce: '🏟️ *{name}* 토너먼트가 시작돼요! 채널 {channels}곳에서 {rounds}라운드를 동시에 겨뤄요. 첫 라운드: <!date^{at}^{time}|{fallback}>',
  standingsTitle: '🏟️ {name} — 순위표',
  afterRound: '{round}/{rounds} 라운드 후',
  waiting: '첫 라운드를 기다리는 중',
  finished: '🏁 토너먼트 종료! 우승: {winners}',
  finishedNobody: '🏁 토너먼트 종료. 아무도 기록을 남기지 않았어요.',
  cancelled: '🛑 토너먼트가 취소되었어요.',
  row: '{place} <@{user}> ({channel}) — *{points}*점 · {played}라운드',
  rowWithdrawn: '↩️ <@{user}> ({channel}) — {points}점 · 기권',
  noPlayers: '아직 기록이 없어요.',
  channelsTitle: '채널별',
  channelRow: '<#{channel}> — 참가 {players}명 · 라운드 {played}/{closed}',
  channelSkipped: '<#{channel}> — 이번 라운드 기록 없음',
};

const en: Record<keyof typeof ko, string> = {
  announce: '🏟️ The *{name}* tournament begins! {channels} channels race {rounds} rounds at the same moment. First round: <!date^{at}^{time}|{fallback}>',
  standingsTitle: '🏟️ {name} — standings',
  afterRound: 'after round {round} of {rounds}',
  waiting: 'waiting for the first round',
  finished: '🏁 Tournament over! Winner: {winners}',
  finishedNobody: '🏁 Tournament over. Nobody set a record.',
  cancelled: '🛑 The tournament was cancelled.',
  row: '{place} <@{user}> ({channel}) — *{points}* pts · {played} rounds',
  rowWithdrawn: '↩️ <@{user}> ({channel}) — {points} pts · withdrew',
  noPlayers: 'No records yet.',
  channelsTitle: 'Channels',
  channelRow: '<#{channel}> — {players} players · rounds {played}/{closed}',
  channelSkipped: '<#{channel}> — no record this round',
};

export type TournamentKey = keyof typeof ko;
export const tt = defineCatalog<TournamentKey>({ ko, en });
