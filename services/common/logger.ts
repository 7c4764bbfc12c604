import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * Paths pino blanks out wherever they appear: tokens, secrets and raw Slack auth never reach a
 * log line, even when a whole object is logged by mistake. A test asserts this.
 */
export const REDACT_PATHS = [
  'token',
  'botToken',
  'appToken',
  'accessToken',
  'access_token',
  'signingSecret',
  'clientSecret',
  'client_secret',
  'password',
  'secret',
  'authorization',
  'headers.authorization',
  'headers["x-slack-signature"]',
  '*.token',
  '*.botToken',
  '*.appToken',
  '*.access_token',
  '*.signingSecret',
  '*.password',
  '*.secret',
  '*.authorization',
];

export function createLogger(svc: string, options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { svc, pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}
