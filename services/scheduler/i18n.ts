import { defineCatalog } from '../../actors/i18n/index.ts';

/** Texts the scheduler posts, in Korean and English, through the project's `defineCatalog`. */
const ko = {
  remindUsers: '👋 {mentions} 요즘 타자 연습 안 하셨죠? 손가락이 굳기 전에 `/start` 로 한 판 어때요?',
  remindTeam: '⌨️ 이 팀이 일주일 넘게 SurFinger를 안 했어요! {mentions} `/start` 로 다시 경주해 봐요.',
  optOutHint: '알림을 그만 받으려면 관리자에게 알려 주세요.',
  noticeHeader: '📢 SurFinger 공지',
} as const;

const en: Record<keyof typeof ko, string> = {
  remindUsers: "👋 {mentions} haven't typed with us lately! Warm up your fingers with `/start`?",
  remindTeam: "⌨️ This team hasn't raced in SurFinger for over a week! {mentions} start one with `/start`.",
  optOutHint: 'To stop these reminders, ask your admin to opt out.',
  noticeHeader: '📢 SurFinger notice',
};

export const st = defineCatalog<keyof typeof ko>({ ko, en });
