import { SlackId, SurfingerError, TournamentErrorCodes } from '../../protocol/index.ts';

/**
 * Tournament channels as people write them (CLI flags, the admin form): `TEAM:CHANNEL` Slack ids,
 * separated by commas, spaces or lines; a bare channel id takes `team`. One parser for both edges.
 */
export function parseTournamentChannels(text: string, team?: string): Array<{ team: string; channel: string }> {
  return text
    .split(/[\s,]+/)
    .filter((w) => w.length > 0)
    .map((word) => {
      const [a, b, ...rest] = word.split(':');
      const pair = b === undefined ? { team, channel: a } : { team: a, channel: b };
      if (rest.length > 0 || !SlackId.safeParse(pair.team).success || !SlackId.safeParse(pair.channel).success) {
        throw new SurfingerError(TournamentErrorCodes.INVALID, `a tournament channel is TEAM:CHANNEL (Slack ids), or CHANNEL with a team; got ${JSON.stringify(word)}`);
      }
      return pair as { team: string; channel: string };
    });
}
