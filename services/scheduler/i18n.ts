import type { Lang } from '../../protocol/index.ts';

/** Texts the scheduler posts, in Korean and English (`en` is typed from `ko`). */
const ko = {
  remindUsers: (mentions: string) => `👋 ${mentions} 요즘 타자 연습 안 하셨죠? 손가락이 굳기 전에 \`/start\` 로 한 판 어때요?`,
  remindTeam: (mentions: string) => `⌨️ 이 팀이 일주일 넘게 SurFinger 를 안 했어요! ${mentions} \`/start\` 로 다시 경주해 봐요.`,
  optOutHint: '알림을 그만 받으려면 관리자에게 알려 주세요.',
  noticeHeader: '📢 SurFinger 공지',
};

const en: typeof ko = {
  remindUsers: (mentions) => `👋 ${mentions} haven't typed with us lately! Warm up your fingers with \`/start\`?`,
  remindTeam: (mentions) => `⌨️ This team hasn't raced in SurFinger for over a week! ${mentions} start one with \`/start\`.`,
  optOutHint: 'To stop these reminders, ask your admin to opt out.',
  noticeHeader: '📢 SurFinger notice',
};

const catalogs: Record<Lang, typeof ko> = { ko, en };

export function schedulerTexts(lang: Lang): typeof ko {
  return catalogs[lang];
}
