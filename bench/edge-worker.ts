import { openGameDoor } from '../services/actor-host/client.ts';
import { parentPort, workerData } from 'node:worker_threads';
import { Redis } from 'ioredis';
import { createSubjects } from '../protocol/index.ts';
import { createLogger } from '../services/common/logger.ts';
import { connectNats } from '../services/common/nats.ts';
import { edgeText, SlackRouter } from '../services/common/slack-routing.ts';
import { TeamSettingsStore } from '../services/common/team-settings.ts';
import { parseTokenKeys, TokenStore } from '../services/common/token-store.ts';

/**
 * The Slack edge of a bench, in its own thread: the real SlackRouter answers slash commands as
 * ingress and the supervisor do, on its own event loop, so the host's loop carries only what a host
 * carries in production (the edge is another process there).
 */

export interface EdgeStart {
  i: number;
  team: string;
  channel: string;
  text: string;
}
/** What the player saw: the game's in-channel answer, the busy text, or anything else. */
export interface EdgeAnswer {
  i: number;
  outcome: 'admitted' | 'busy' | 'other';
}

const { natsUrl, redisUrl, prefix } = workerData as { natsUrl: string; redisUrl: string; prefix: string };
const subjects = createSubjects(prefix);
const nc = await connectNats(natsUrl, 'bench-edge');
const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
const router = new SlackRouter({
  nc,
  subjects,
  redis,
  settings: await TeamSettingsStore.open(nc, subjects),
  tokens: new TokenStore(redis, parseTokenKeys(undefined, false), prefix),
  games: await openGameDoor(nc, subjects),
  log: createLogger('bench-edge', { level: 'silent' }),
});
const busy = edgeText('ko', 'busy');
parentPort!.on('message', (m: EdgeStart) => {
  void router.command({ team_id: m.team, channel_id: m.channel, user_id: 'U0', command: '/start', text: m.text }).then((res) => {
    const answer: EdgeAnswer = { i: m.i, outcome: res.response_type === 'in_channel' ? 'admitted' : res.text === busy ? 'busy' : 'other' };
    parentPort!.postMessage(answer);
  });
});
parentPort!.postMessage('ready');
