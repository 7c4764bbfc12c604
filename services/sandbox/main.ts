import { readFile } from 'node:fs/promises';
import { pino } from 'pino';
import { SurfingerError, asSurfingerError } from '../../protocol/errors.ts';
import { createLogger } from '../common/logger.ts';
import { SandboxErrorCodes } from './errors.ts';
import { startSandbox, type SandboxOptions } from './server.ts';
import { WorkspaceFile, generateTeams, type DeliveryMode, type GenerateSpec } from './workspace.ts';

export interface SandboxProcessOptions {
  port: number;
  host: string;
  appUrl?: string;
  generate: GenerateSpec;
  /** Path of a JSON workspace file (`{ "teams": [...] }`); replaces the generated teams. */
  workspaceFile?: string;
  rateLimit: boolean;
  logLevel: string;
  delivery?: DeliveryMode;
  tokenRotation?: boolean;
  tokenLifetimeSeconds?: number;
}

/**
 * The `surfinger sandbox` process: exactly one JSON start line on stdout (the contract tools
 * parse), logs on stderr, a clean close on SIGINT/SIGTERM.
 */
export async function runSandbox(opts: SandboxProcessOptions): Promise<void> {
  const logger = createLogger('sandbox', { level: opts.logLevel, destination: pino.destination(2) });
  let options: SandboxOptions;
  try {
    options = {
      port: opts.port,
      host: opts.host,
      logger,
      teams: opts.workspaceFile ? await loadWorkspaceFile(opts.workspaceFile) : generateTeams(opts.generate),
      ...(opts.appUrl ? { appUrl: opts.appUrl } : {}),
      ...(opts.rateLimit ? {} : { rateLimit: false as const }),
      ...(opts.delivery ? { delivery: opts.delivery } : {}),
      ...(opts.tokenRotation ? { tokenRotation: true } : {}),
      ...(opts.tokenLifetimeSeconds ? { tokenLifetimeSeconds: opts.tokenLifetimeSeconds } : {}),
    };
  } catch (err) {
    throw asSurfingerError(err, SandboxErrorCodes.BAD_OPTIONS);
  }
  const sandbox = await startSandbox(options);
  process.stdout.write(`${JSON.stringify(sandbox.info)}\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info({ signal }, 'stopping');
      sandbox.close().then(resolve, (err: unknown) => {
        logger.error({ err: asSurfingerError(err) }, 'close failed');
        resolve();
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

async function loadWorkspaceFile(path: string): Promise<NonNullable<SandboxOptions['teams']>> {
  const parsed = WorkspaceFile.safeParse(JSON.parse(await readFile(path, 'utf8')));
  if (!parsed.success) {
    throw new SurfingerError(SandboxErrorCodes.BAD_OPTIONS, `${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data.teams;
}
