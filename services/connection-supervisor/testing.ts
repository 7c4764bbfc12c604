import type { Sandbox } from '../sandbox/index.ts';
import { quiet } from '../../test/security/edge-kit.ts';
import type { Infra } from '../../test/support/harness.ts';
import type { SupervisorOptions } from './service.ts';

/** Helpers shared by the supervisor tests. */

/**
 * Options for an in-process supervisor on the harness' NATS and Redis against the sandbox; each
 * test sets only what it is about (its id, delivery mode, heartbeat and membership TTL).
 */
export function supervisorOptions(
  infra: Infra,
  slack: { sandbox: Sandbox; tokenKeys: string },
  own: Pick<SupervisorOptions, 'supervisorId' | 'heartbeatMs' | 'memberTtlMs'> & Partial<Pick<SupervisorOptions, 'delivery' | 'appToken' | 'socketConnections'>>,
): SupervisorOptions {
  return {
    log: quiet,
    natsUrl: infra.nats.url,
    redisUrl: infra.redis.url,
    prefix: infra.subjects.prefix,
    slackApiUrl: slack.sandbox.info.apiUrl,
    tokenKeys: slack.tokenKeys,
    production: true,
    metricsPort: 0,
    metricsHost: '127.0.0.1',
    delivery: 'workspace-apps',
    ...own,
  };
}
