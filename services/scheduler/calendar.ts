import { CommonErrorCodes, SurfingerError } from '../../protocol/index.ts';

/**
 * When jobs are due, as pure functions of `now` (ms) and the configured local offset. Slack has no
 * workspace time zone in the events we get, so one offset (default KST, UTC+9, where the game was
 * born) defines "local" for quiet hours and run times.
 */

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

export interface CalendarConfig {
  /** Minutes east of UTC. */
  utcOffsetMin: number;
  /** Local hours with no reminders: [from, to) wrapping midnight, e.g. 21 → 9. */
  quietFrom: number;
  quietTo: number;
}

export function localHour(now: number, cfg: CalendarConfig): number {
  return new Date(now + cfg.utcOffsetMin * 60_000).getUTCHours();
}

/** Local calendar date, YYYY-MM-DD. */
export function localDay(now: number, cfg: CalendarConfig): string {
  return new Date(now + cfg.utcOffsetMin * 60_000).toISOString().slice(0, 10);
}

export function isQuietHour(h: number, cfg: CalendarConfig): boolean {
  return cfg.quietFrom <= cfg.quietTo ? h >= cfg.quietFrom && h < cfg.quietTo : h >= cfg.quietFrom || h < cfg.quietTo;
}

export function isQuiet(now: number, cfg: CalendarConfig): boolean {
  return isQuietHour(localHour(now, cfg), cfg);
}

/** The daily job runs from `fromHour` to midnight outside quiet hours; false if that is never. */
export function hasRunWindow(fromHour: number, cfg: CalendarConfig): boolean {
  for (let h = fromHour; h < 24; h++) if (!isQuietHour(h, cfg)) return true;
  return false;
}

/** The local date of this week's Monday: the weekly period key. */
export function localWeek(now: number, cfg: CalendarConfig): string {
  const local = new Date(now + cfg.utcOffsetMin * 60_000);
  const sinceMonday = (local.getUTCDay() + 6) % 7;
  return new Date(local.getTime() - sinceMonday * DAY_MS).toISOString().slice(0, 10);
}

/** Hours since local Monday 00:00. */
export function hourOfWeek(now: number, cfg: CalendarConfig): number {
  const local = new Date(now + cfg.utcOffsetMin * 60_000);
  return ((local.getUTCDay() + 6) % 7) * 24 + local.getUTCHours();
}

/** Parses "21-9" into quiet hours. */
export function parseQuietHours(spec: string): { quietFrom: number; quietTo: number } {
  const match = /^(\d{1,2})-(\d{1,2})$/.exec(spec.trim());
  const from = Number(match?.[1]);
  const to = Number(match?.[2]);
  if (!match || from > 23 || to > 23) throw new SurfingerError(CommonErrorCodes.CONFIG, `quiet hours must look like 21-9, got ${JSON.stringify(spec)}`);
  return { quietFrom: from, quietTo: to };
}
