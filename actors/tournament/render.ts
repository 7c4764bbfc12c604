import type { Blocks } from '../../protocol/index.ts';
import { tt } from './i18n.ts';
import type { Standings, TournamentState } from './tournament.ts';

const MEDALS = ['🥇', '🥈', '🥉'];
const SHOWN_ROWS = 20;

/** Slack has no table block every client renders: one mrkdwn line per row, place or medal first. */
export function renderStandings(state: TournamentState, s: Standings, announce: boolean): { text: string; blocks: Blocks } {
  const { spec } = state;
  const lang = spec.lang;
  const closed = state.rounds.filter((r) => r.closedAt !== null);
  const title = tt(lang, 'standingsTitle', { name: spec.name });
  const rows = s.ranked.slice(0, SHOWN_ROWS).map((p) =>
    tt(lang, 'row', { place: MEDALS[p.place - 1] ?? `${p.place}.`, user: p.user, channel: `<#${p.channel}>`, points: p.points, played: p.played }),
  );
  rows.push(...s.withdrawn.map((p) => tt(lang, 'rowWithdrawn', { user: p.user, channel: `<#${p.channel}>`, points: p.points })));
  const players = Object.values(state.players);
  const channelRows = spec.channels.map((c) => {
    const key = `${c.team}:${c.channel}`;
    const played = closed.filter((r) => key in r.reported).length;
    const last = closed[closed.length - 1];
    if (last && last.skipped.includes(key)) return tt(lang, 'channelSkipped', { channel: c.channel });
    return tt(lang, 'channelRow', { channel: c.channel, players: players.filter((p) => p.team === c.team && p.channel === c.channel).length, played, closed: closed.length });
  });
  const status =
    state.phase === 'cancelled'
      ? tt(lang, 'cancelled')
      : state.phase === 'finished'
        ? s.winners.length > 0
          ? tt(lang, 'finished', { winners: s.winners.map((w) => `<@${w.user}>`).join(', ') })
          : tt(lang, 'finishedNobody')
        : closed.length === 0
          ? tt(lang, 'waiting')
          : tt(lang, 'afterRound', { round: closed.length, rounds: spec.rounds });
  const blocks: Blocks = [{ type: 'header', text: { type: 'plain_text', text: title, emoji: true } }];
  if (announce) {
    const at = Math.floor(spec.startsAt / 1000);
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: tt(lang, 'announce', { name: spec.name, channels: spec.channels.length, rounds: spec.rounds, at, fallback: new Date(spec.startsAt).toISOString().slice(11, 16) + ' UTC' }) } });
  }
  blocks.push(
    { type: 'section', block_id: 'tournament-standings', text: { type: 'mrkdwn', text: rows.length > 0 ? rows.join('\n') : tt(lang, 'noPlayers') } },
    { type: 'section', block_id: 'tournament-channels', text: { type: 'mrkdwn', text: `*${tt(lang, 'channelsTitle')}*\n${channelRows.join('\n')}` } },
    { type: 'context', block_id: 'tournament-status', elements: [{ type: 'mrkdwn', text: status }] },
  );
  return { text: `${title} — ${status}`, blocks };
}
