import { type NatsConnection } from 'nats';
import { codecs, type Lang, type ResultMessage, type Subjects } from '../../../protocol/index.ts';
import { gameStartedAt } from '../../../actors/game.ts';
import type { TableRef } from '../../common/page-links.ts';
import { html } from './html.ts';
import { pageTexts } from './i18n.ts';
import { layout } from './layout.ts';

/**
 * The whole result table of one round (or a game's totals), for a Slack message that had to stop
 * at "… and 37 more". The results stream is the record of every result (kept 90 days), so the page
 * reads it there instead of keeping a copy: the channel's results from the game's start on, until
 * the one asked for — or the game's last — comes by.
 */

/** Clocks of the actor host and NATS may differ: start reading a little before the game did. */
const CLOCK_SLACK_MS = 60_000;
/** A channel plays one game at a time, so its results come right after its start; this bounds a bad link. */
const MAX_SCANNED = 2_000;
const FETCH_EXPIRES_MS = 1_000;

export async function findResult(nc: NatsConnection, subjects: Subjects, ref: TableRef): Promise<ResultMessage | null> {
  const startedAt = gameStartedAt(ref.gameId);
  if (startedAt === null) return null;
  const wanted = `${ref.gameId}:${ref.part}`;
  const last = `${ref.gameId}:final`;
  const consumer = await nc.jetstream().consumers.get(subjects.streams.results, {
    filterSubjects: subjects.results(ref.team, ref.channel),
    opt_start_time: new Date(Math.max(0, startedAt - CLOCK_SLACK_MS)).toISOString(),
  });
  try {
    for (let scanned = 0; scanned < MAX_SCANNED; ) {
      const batch = await consumer.fetch({ max_messages: 256, expires: FETCH_EXPIRES_MS });
      let got = 0;
      for await (const m of batch) {
        got += 1;
        let result: ResultMessage;
        try {
          result = codecs.result.decode(m.data);
        } catch {
          continue;
        }
        if (result.resultId === wanted) return result;
        if (result.resultId === last) return null;
        if (m.info.pending === 0) return null;
      }
      if (got === 0) return null;
      scanned += got;
    }
    return null;
  } finally {
    await consumer.delete().catch(() => undefined);
  }
}

function when(lang: Lang, at: number): string {
  return new Date(at).toLocaleString(lang === 'ko' ? 'ko-KR' : 'en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }) + ' UTC';
}

export function resultsPage(lang: Lang, ref: TableRef, signature: string, result: ResultMessage): string {
  const t = pageTexts(lang);
  const title = result.type === 'surfinger.result.v1.round' ? t('tableRoundTitle', { round: result.round }) : t('tableFinalTitle');
  const at = result.type === 'surfinger.result.v1.round' ? result.startedAt : result.finishedAt;
  const table =
    result.type === 'surfinger.result.v1.round'
      ? html`<table data-table="round"><thead><tr><th class="num">${t('colRank')}</th><th>${t('colPlayer')}</th><th class="num">${t('colAccuracy')}</th><th class="num">${t('colSpeed')}</th><th class="num">${t('colScore')}</th><th>${t('colNote')}</th></tr></thead><tbody>
      ${result.entries.map(
        (e) =>
          html`<tr data-user="${e.user}"><td class="num">${e.rank ?? '–'}</td><td>${e.user}</td><td class="num">${e.accuracy}%</td><td class="num">${Math.round(e.speed)}${t('perMinute')}</td><td class="num"><b>${Math.round(e.score)}</b></td><td>${[e.pasted ? t('notePasted') : '', e.flagged ? t('noteFlagged') : '', e.eliminated ? t('noteEliminated') : ''].filter(Boolean).join(', ')}</td></tr>`,
      )}
      ${result.missed.map((u) => html`<tr data-user="${u}"><td class="num">–</td><td>${u}</td><td></td><td></td><td></td><td>${t('noteMissed')}</td></tr>`)}
      </tbody></table>`
      : html`<table data-table="final"><thead><tr><th class="num">${t('colRank')}</th><th>${t('colPlayer')}</th><th class="num">${t('colScore')}</th><th class="num">${t('colRounds')}</th><th class="num">${t('colAccuracy')}</th></tr></thead><tbody>
      ${result.totals.map((row, i) => html`<tr data-user="${row.user}"><td class="num">${i + 1}</td><td>${row.user}</td><td class="num"><b>${Math.round(row.score)}</b></td><td class="num">${row.rounds}</td><td class="num">${Math.floor(row.avgAccuracy)}%</td></tr>`)}
      </tbody></table>`;
  const body = html`
<div class="wrap">
  <div class="page-head"><h1>${title}</h1><p>${t('tableGame', { game: ref.gameId, channel: ref.channel, when: when(lang, at) })}</p></div>
  <div class="panel">${table}</div>
</div>`;
  const path = `/r/${[ref.team, ref.channel, ref.gameId, ref.part].map(encodeURIComponent).join('/')}?k=${encodeURIComponent(signature)}`;
  return layout({ lang, title: `${title} — SurFinger`, body, path });
}
