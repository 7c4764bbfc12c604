import { ErrorCode as SlackErrorCode, LogLevel as SlackLogLevel, type Logger as SlackLogger } from '@slack/web-api';
import type { Logger } from './logger.ts';

/**
 * Adapts pino to the Slack SDKs' logger. Their debug level prints raw request and WebSocket
 * payloads (tokens, message text), so debug is dropped here rather than trusted to a level setting.
 */
export function slackSdkLogger(log: Logger): SlackLogger {
  const line = (msg: unknown[]) => msg.map((m) => (typeof m === 'string' ? m : String(m))).join(' ');
  return {
    debug: () => undefined,
    info: (...msg) => log.debug({ sdk: 'slack' }, line(msg)),
    warn: (...msg) => log.warn({ sdk: 'slack' }, line(msg)),
    error: (...msg) => log.error({ sdk: 'slack' }, line(msg)),
    setLevel: () => undefined,
    getLevel: () => SlackLogLevel.INFO,
    setName: () => undefined,
  };
}

/** Slack's `error` string when the Web API answered ok:false (`channel_not_found`, `token_expired`…), else undefined. */
export function platformError(err: unknown): string | undefined {
  return (err as { code?: string }).code === SlackErrorCode.PlatformError ? (err as { data: { error: string } }).data.error : undefined;
}
