import type { Redis } from 'ioredis';
import type { NatsConnection } from 'nats';
import { createLogger, type Logger } from './logger.ts';
import { closeNats } from './nats.ts';
import { asSurfingerError } from '../../protocol/errors.ts';

export interface RunningService {
  /** Undoes start() in reverse order; resolves when the process may exit. */
  stop(): Promise<void>;
  /** Facts printed in the `ready` log line (URLs, ids) for `surfinger up` and operators. */
  info?: Record<string, unknown>;
}

/**
 * For a main.ts that opened the connections a `start(deps)` runs on: the service stops first, then
 * the connections it used close (Redis politely if it answers, NATS drained within a bound).
 */
export function ownedConnections(running: RunningService, conns: { nc: NatsConnection; redis?: Redis }): RunningService {
  return {
    ...(running.info ? { info: running.info } : {}),
    async stop() {
      await running.stop();
      if (conns.redis) await conns.redis.quit().catch(() => conns.redis?.disconnect());
      await closeNats(conns.nc);
    },
  };
}

/**
 * The process shell every services/<name>/main.ts uses: a logger, one `ready` line, signal
 * handling with a bounded graceful stop, and a last-resort handler for our own bugs.
 * `surfinger up` waits for the `"msg":"ready"` line on stdout.
 */
export async function runMain(svc: string, level: string, start: (log: Logger) => Promise<RunningService>, stopTimeoutMs = 25_000): Promise<void> {
  const log = createLogger(svc, { level });
  process.on('unhandledRejection', (reason) => {
    // A promise nobody awaited failed: our bug, but not a reason to drop every game on this process.
    log.error({ err: asSurfingerError(reason) }, 'unhandled rejection');
  });
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception; exiting');
    process.exit(1);
  });
  let running: RunningService;
  try {
    running = await start(log);
  } catch (err) {
    const e = asSurfingerError(err);
    log.fatal({ code: e.code, err: e }, `failed to start: ${e.message}`);
    process.exit(1);
  }
  // The ready line is a contract (`surfinger up` waits for it), so it is printed at any log level.
  log.child({}, { level: 'info' }).info({ ready: true, ...running.info }, 'ready');
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    const timer = setTimeout(() => {
      log.error({ stopTimeoutMs }, 'graceful stop timed out; exiting');
      process.exit(1);
    }, stopTimeoutMs);
    timer.unref();
    running
      .stop()
      .then(() => {
        log.info('stopped');
        log.flush?.();
        process.exit(0);
      })
      .catch((err: unknown) => {
        log.error({ err: asSurfingerError(err) }, 'stop failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
