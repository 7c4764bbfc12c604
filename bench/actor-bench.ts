import { performance } from 'node:perf_hooks';
import type { NatsConnection } from 'nats';
import { createGameLogic, type GameOptions } from '../actors/index.ts';
import { codecs, createSubjects, MessageTypes, type GameInbound, type Reply, type Subjects } from '../protocol/index.ts';
import { sendToGame } from '../services/actor-host/client.ts';
import { start as startActorHost, type RunningActorHost } from '../services/actor-host/service.ts';
import { loadCorpus } from '../services/common/corpus.ts';
import { startNatsServer, type NatsServer } from '../services/local/local-infra.ts';
import { createLogger } from '../services/common/logger.ts';
import { connectNats } from '../services/common/nats.ts';

/**
 * An actor host on a real nats-server for the actor scenarios, with the game logic and corpus it
 * runs in production. Slack is out of scope here, so a stand-in answers egress requests on NATS
 * (instantly, like a Slack that never rate-limits) and notes when each game's prompt went out.
 */

export interface PromptPosted {
  shown: string;
  /** performance.now() when the actor asked egress to post it. */
  at: number;
}

export interface ActorBench {
  nats: NatsServer;
  /** The client side (ingress's role). */
  nc: NatsConnection;
  subjects: Subjects;
  host: RunningActorHost;
  /** Prompts posted, by `team/channel`. */
  prompts: Map<string, PromptPosted>;
  /** Called as each prompt is posted, so answers can be timed from that moment. */
  onPrompt(listener: (team: string, channel: string, prompt: PromptPosted) => void): void;
  send(msg: GameInbound): Promise<Reply | null>;
  /** `/start <text>` in a channel, as ingress would send it. */
  startGame(team: string, channel: string, user: string, text: string): Promise<Reply | null>;
  /** A channel message (an answer, or chat), as the socket path delivers it. */
  say(team: string, channel: string, user: string, text: string, seq: number): Promise<Reply | null>;
  /** Resolves with the number of prompts posted, once it reaches `count` or `timeoutMs` passed. */
  waitForPrompts(count: number, timeoutMs: number): Promise<number>;
  /** `crash`: drop the host without handing thousands of actors over (nobody needs them after). */
  stop(opts?: { crash?: boolean }): Promise<void>;
}

type PromptListener = (team: string, channel: string, prompt: PromptPosted) => void;

/** Serves `subjects.allEgress()` like the egress service would, minus Slack. */
export function egressStandIn(nc: NatsConnection, subjects: Subjects, prompts: Map<string, PromptPosted>, listeners: PromptListener[] = []): void {
  let ts = 0;
  nc.subscribe(subjects.allEgress(), {
    queue: subjects.queues.egress,
    callback: (_err, msg) => {
      const req = codecs.egressRequest.decode(msg.data);
      const prompt = req.blocks?.find((b) => typeof b.block_id === 'string' && b.block_id.startsWith('prompt'));
      if (req.op === 'post' && prompt) {
        const posted = { shown: String((prompt.text as { text?: unknown } | undefined)?.text ?? ''), at: performance.now() };
        prompts.set(`${req.team}/${req.channel}`, posted);
        for (const listener of listeners) listener(req.team, req.channel, posted);
      }
      msg.respond(codecs.egressReply.encode({ type: MessageTypes.egressReply, ok: true, ts: `1700000000.${String(++ts).padStart(6, '0')}` }));
    },
  });
}

export async function startActorBench(
  opts: { hostId?: string; leaseTtlMs?: number; nats?: NatsServer; game?: Partial<GameOptions>; /** The host's game budget (SF_HOST_MAX_GAMES); none by default. */ maxGames?: number } = {},
): Promise<ActorBench> {
  const nats = opts.nats ?? (await startNatsServer());
  const prefix = 'bench';
  const subjects = createSubjects(prefix);
  const host = await startActorHost({
    log: createLogger('actor-host', { level: 'silent' }),
    natsUrl: nats.url,
    prefix,
    hostId: opts.hostId ?? 'bench-host',
    logic: createGameLogic(await loadCorpus(), opts.game),
    passivateMs: 600_000,
    leaseTtlMs: opts.leaseTtlMs ?? 2_500,
    metricsPort: 0,
    ...(opts.maxGames === undefined ? {} : { maxGames: opts.maxGames }),
  });
  const nc = await connectNats(nats.url, 'bench-client');
  const stand = await connectNats(nats.url, 'bench-egress');
  const prompts = new Map<string, PromptPosted>();
  const listeners: PromptListener[] = [];
  egressStandIn(stand, subjects, prompts, listeners);
  await stand.flush();
  // Bounded retries: an answer still unanswered after 15 s is an error, and the suite keeps its budget.
  const send = (msg: GameInbound) => sendToGame(nc, subjects, msg, { activate: true, timeoutMs: 5_000, budgetMs: 15_000 });
  return {
    nats,
    nc,
    subjects,
    host,
    prompts,
    onPrompt: (listener) => listeners.push(listener),
    send,
    startGame: (team, channel, user, text) =>
      send({ type: MessageTypes.gameCommand, team, channel, user, command: 'start', text, lang: 'ko', receivedAt: Date.now() }),
    say: (team, channel, user, text, seq) =>
      send({ type: MessageTypes.gameMessage, team, channel, user, text, ts: `1700000000.${String(seq).padStart(6, '0')}`, eventId: `Ev${seq}`, receivedAt: Date.now() }),
    async waitForPrompts(count, timeoutMs) {
      const until = performance.now() + timeoutMs;
      while (prompts.size < count && performance.now() < until) await new Promise((r) => setTimeout(r, 20));
      return prompts.size;
    },
    async stop(stopOpts = {}) {
      await (stopOpts.crash ? host.crash() : host.stop()).catch(() => undefined);
      await Promise.all([nc.close(), stand.close()]);
      if (!opts.nats) await nats.stop();
    },
  };
}

/** Channel ids for game `i`: 100 channels per team, like a cluster of many small workspaces. */
export function channelOf(i: number): { team: string; channel: string } {
  return { team: `T${Math.floor(i / 100)}`, channel: `C${i}` };
}

