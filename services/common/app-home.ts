import type { Lang } from '../../protocol/index.ts';

/**
 * What the App Home tab shares between the edge that publishes it (SlackRouter) and ranking, which
 * renders it: the language toggle's action ids and where a player's choice of Home language lives.
 */

/** Buttons of the Home tab's language toggle (block_actions from a `home` view). */
export const HOME_LANG_ACTIONS = { ko: 'home_lang_ko', en: 'home_lang_en' } as const satisfies Record<Lang, string>;

/** The Home tab's language is the player's own choice (the team language until they pick one). */
export function homeLangKey(prefix: string, team: string, user: string): string {
  return `${prefix}:home-lang:${team}:${user}`;
}

export function homeLangOf(actionId: string): Lang | null {
  return actionId === HOME_LANG_ACTIONS.ko ? 'ko' : actionId === HOME_LANG_ACTIONS.en ? 'en' : null;
}
