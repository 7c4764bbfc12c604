import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { LANG_ACTIONS } from '../../actors/render.ts';
import { startCluster, type Cluster } from '../../services/local/cluster.ts';
import type { Delivery } from '../../services/common/config.ts';
import { edgeText } from '../../services/common/slack-routing.ts';
import { Channel, messageText } from '../support/cluster-play.ts';

/**
 * Issue 17, admission control, on a real cluster: one actor host with a budget of two running
 * games. The third `/start` is refused with the translated "busy" answer through the mode's own
 * reply path (ingress over HTTP, the supervisor over Socket Mode) and counted; once a game has
 * finished, a new one is admitted.
 */

const BUDGET = 2;
/** A human pace: faster than ~1,500 keystrokes a minute is flagged and left out of rankings. */
const HUMAN_PACE_MS = 5_000;

async function refusedOnHosts(cluster: Cluster): Promise<number> {
  let sum = 0;
  for (const p of cluster.processes.filter((x) => x.name === 'actor-host')) {
    const text = await (await fetch(`${String(p.ready.metricsUrl)}/metrics`)).text();
    for (const line of text.split('\n')) if (line.startsWith('sf_admission_refused_total{') && line.includes('code="SF_ERR_CLUSTER_FULL"')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

const MODES: Array<{ delivery: Delivery; lang: 'ko' | 'en' }> = [
  { delivery: 'http', lang: 'ko' },
  // English here: the team switches language first, so both translations are seen by a player.
  { delivery: 'socket', lang: 'en' },
];

for (const { delivery, lang } of MODES) {
  describe(`admission over ${delivery}`, () => {
    let cluster: Cluster;

    before(async () => {
      cluster = await startCluster({
        delivery,
        hosts: 1,
        supervisors: 1,
        sandbox: { teams: 1, channels: BUDGET + 1 },
        logLevel: 'info',
        env: { SF_MISSION_RATE: '0' },
        serviceEnv: { 'actor-host': { SF_HOST_MAX_GAMES: String(BUDGET) } },
      });
    });
    after(async () => {
      await cluster?.stop();
    });

    test(`${delivery} - a host with a budget of ${BUDGET} refuses the next game with "busy" (${lang}); after a game finishes one is admitted`, async () => {
      const team = cluster.sandbox.teams[0]!;
      const [alice, bob] = team.users;
      const channels = team.channels.slice(0, BUDGET + 1).map((c) => new Channel(cluster, team.teamId, c.id));
      const last = channels[BUDGET]!;
      if (lang === 'en') {
        const ch = channels[0]!;
        await ch.command(alice!.id, '/lang');
        const picker = await ch.waitFor('the language picker', (ms) => ms.findLast((m) => m.blocks?.some((b) => b.block_id === 'lang-actions')));
        await ch.driver.click(team.teamId, ch.channel, alice!.id, picker.ts, LANG_ACTIONS.en, 'en');
        await ch.waitFor('the language change', (ms) => ms.find((m) => messageText(m).includes(edgeText('en', 'langNowEn', { user: `<@${alice!.id}>` }))), 10_000);
      }
      const prompts = [];
      for (const ch of channels.slice(0, BUDGET)) {
        await ch.command(alice!.id, '/start', 'round 1 easy');
        prompts.push(await ch.waitForPrompt('0', 40_000));
      }
      const refusedBefore = await refusedOnHosts(cluster);
      await last.command(bob!.id, '/start', 'round 1 easy');
      const busy = edgeText(lang, 'busy');
      const seen = await last.waitFor('the busy answer', (ms) => ms.find((m) => m.ephemeral_to === bob!.id && messageText(m).includes(busy)), 10_000);
      assert.ok(seen, 'bob was told the cluster is busy');
      assert.equal((await last.messages()).filter((m) => m.blocks?.some((b) => (b.block_id ?? '').startsWith('prompt'))).length, 0, 'no game started in the refused channel');
      assert.equal((await refusedOnHosts(cluster)) - refusedBefore, 1, 'the refusal is counted once');

      // Finish the first game: one answer, then its results.
      await sleep(HUMAN_PACE_MS);
      await channels[0]!.say(alice!.id, prompts[0]!.typed);
      await channels[0]!.waitForBlock('results', prompts[0]!.ts, 60_000);
      let admitted = false;
      for (let attempt = 0; attempt < 20 && !admitted; attempt++) {
        if (attempt > 0) await sleep(1_500);
        await last.command(bob!.id, '/start', 'round 1 easy');
        admitted = await last
          .waitForPrompt('0', 3_000)
          .then(() => true)
          .catch(() => false);
      }
      assert.ok(admitted, 'a game started once a slot was free');
      const unavailable = (await last.messages()).filter((m) => messageText(m).includes(edgeText(lang, 'unavailable')));
      assert.equal(unavailable.length, 0, 'no start was answered "unavailable" (a fault) instead of "busy"');
    });
  });
}
