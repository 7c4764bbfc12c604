import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { createGameLogic } from '../../actors/index.ts';
import { CommonEnv, connectionDeps, parseEnv } from '../common/config.ts';
import { loadCorpus } from '../common/corpus.ts';
import { parsePageLinkSecret, tableUrl } from '../common/page-links.ts';
import { runMain } from '../common/main-kit.ts';
import { fileHistory } from './history.ts';
import { start } from './service.ts';

/** Host ids are subject tokens (`placement.activate.<hostId>`), so a hostname's dots become dashes. */
const defaultHostId = `${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64);

const env = parseEnv(
  CommonEnv.extend({
    /** This host's id in membership, placement and logs. */
    SF_HOST_ID: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).default(defaultHostId),
    /** Idle actors (no game running) are dropped from memory after this long without a message. */
    SF_PASSIVATE_MS: z.coerce.number().int().min(100).default(300_000),
    /** Membership lease TTL; a killed host's running games move within about this long. */
    SF_LEASE_TTL_MS: z.coerce.number().int().min(300).default(2_000),
    /**
     * Budget of running games on this host (docs/runtime.md, "Admission control"): a new game beyond
     * it goes to a host with room, or is refused with "busy, try again in a minute". 0 = no budget.
     * 1,000 is what one host on 2 cores runs within the answer-latency goal (bench answer-latency).
     */
    SF_HOST_MAX_GAMES: z.coerce.number().int().min(0).default(1_000),
    /** Corpus directory (data/corpus when unset). */
    SF_CORPUS_DIR: z.string().optional(),
    /** Share of rounds that draw a mission (0–1); tests that check exact scores set 0. */
    SF_MISSION_RATE: z.coerce.number().min(0).max(1).default(0.3),
    /** Test only: append this host's lease/commit/answer history to <dir>/<host id>.jsonl (history checker). */
    SF_HISTORY_DIR: z.string().optional(),
    /** The public pages (ingress): a result table too long for Slack links its whole table there. */
    SF_PUBLIC_URL: z.string().url().optional(),
    /** Signs those links, as ranking signs the /u/ links (at least 32 characters; required in production). */
    SF_PAGE_LINK_SECRET: z.string().optional(),
    NODE_ENV: z.string().default('development'),
  }),
  process.env,
);

const publicUrl = env.SF_PUBLIC_URL;
const pageLinkSecret = parsePageLinkSecret(env.SF_PAGE_LINK_SECRET, env.NODE_ENV === 'production' && publicUrl !== undefined);
const tableLink = publicUrl === undefined ? null : (ref: Parameters<typeof tableUrl>[2]) => tableUrl(publicUrl, pageLinkSecret, ref);

await runMain('actor-host', env.SF_LOG_LEVEL, async (log) =>
  start({
    log,
    ...connectionDeps(env),
    hostId: env.SF_HOST_ID,
    logic: createGameLogic(await loadCorpus(env.SF_CORPUS_DIR), { missionProbability: env.SF_MISSION_RATE, tableLink }),
    passivateMs: env.SF_PASSIVATE_MS,
    leaseTtlMs: env.SF_LEASE_TTL_MS,
    ...(env.SF_HOST_MAX_GAMES > 0 ? { maxGames: env.SF_HOST_MAX_GAMES } : {}),
    metricsPort: env.SF_METRICS_PORT,
    metricsHost: env.SF_METRICS_HOST,
    ...(env.SF_HISTORY_DIR ? { history: fileHistory(join(env.SF_HISTORY_DIR, `${env.SF_HOST_ID}.jsonl`), env.SF_HOST_ID) } : {}),
  }),
);
