import type { Scenario } from '../types.ts';
import { actorThroughput } from './actor-throughput.ts';
import { answerLatency } from './answer-latency.ts';
import { endToEnd } from './end-to-end.ts';
import { failover } from './failover.ts';
import { gamesPerHost } from './games-per-host.ts';
import { jetstreamDurability } from './jetstream-durability.ts';
import { natsBaseline } from './nats-baseline.ts';
import { overload } from './overload.ts';
import { rankingIngest } from './ranking-ingest.ts';
import { resultsPublish } from './results-publish.ts';
import { scoring } from './scoring.ts';
import { sockets } from './sockets.ts';

/** Every scenario in the order `npm run bench` runs them (baselines first, then the cluster). */
export const scenarios: readonly Scenario[] = [natsBaseline, scoring, resultsPublish, jetstreamDurability, rankingIngest, actorThroughput, answerLatency, overload, gamesPerHost, failover, sockets, endToEnd];
