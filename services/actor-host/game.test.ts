import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { createGameLogic } from '../../actors/index.ts';
import type { GameLogic } from '../../actors/contract.ts';
import { MessageTypes } from '../../protocol/index.ts';
import { REPO_ROOT } from '../local/cluster.ts';
import { loadCorpus } from '../common/corpus.ts';
import { startInfra } from '../../test/support/harness.ts';
import { replayGame } from './replay.ts';
import { chat, command, readResults, recordingEgress, resultsOf, send, startTestHost, waitFor } from './testing.ts';

const run = promisify(execFile);
const infra = await startInfra({ redis: false });
// Default options, as `surfinger replay` uses them.
// No missions: a mission twists the target, and this test checks that the exact sentence scores 100%.
const logic = createGameLogic(await loadCorpus(), { missionProbability: 0 }) as GameLogic<unknown>;

describe('actor host with the real game core', () => {
  it('a normal game: prompt posted, answers scored at the deadline, `surfinger replay` reproduces the results', async () => {
    const nc = await infra.natsClient();
    const egress = recordingEgress(nc, infra.subjects);
    const host = await startTestHost(infra, 'g1', { logic });
    after(() => host.stop());

    const reply = await send(nc, infra.subjects, command('T1', 'C1', ''));
    assert.equal(reply?.ok, true);
    const prompt = await waitFor('prompt', () => egress.find((e) => e.blocks?.some((b) => String(b.block_id).startsWith('prompt'))));
    const section = prompt.blocks!.find((b) => String(b.block_id).startsWith('prompt')) as { text: { text: string } };
    // What a person sees and retypes: the sentence without the invisible anti-paste markers.
    const sentence = section.text.text.replace(/[\u200A-\u200D\u2060\uFEFF]/gu, '');
    await send(nc, infra.subjects, chat('T1', 'C1', sentence, 'U1'));
    await send(nc, infra.subjects, chat('T1', 'C1', `${sentence}x`, 'U2'));
    const final = await waitFor('game result', async () => (await readResults(nc, infra.subjects)).find((r) => r.type === MessageTypes.gameResult), 60_000);
    const results = (await resultsOf(nc, infra.subjects, final.gameId))!;
    assert.equal(results.length, 2);
    const round = results.find((r) => r.type === MessageTypes.roundResult);
    assert.ok(round && round.type === MessageTypes.roundResult);
    assert.deepEqual(round.entries.map((e) => [e.user, e.accuracy === 100]), [['U1', true], ['U2', false]]);
    assert.deepEqual(await replayGame(nc, infra.subjects, logic, final.gameId), results);
    const cli = await run(process.execPath, ['bin/surfinger.mjs', 'replay', final.gameId, '--json'], {
      cwd: REPO_ROOT,
      env: { ...process.env, SF_NATS_URL: infra.nats.url, SF_PREFIX: infra.subjects.prefix, SF_LOG_LEVEL: 'warn', SF_MISSION_RATE: '0' },
    });
    const out = JSON.parse(cli.stdout.trim().split('\n').at(-1)!) as { matches: boolean; results: unknown };
    assert.equal(out.matches, true);
    assert.deepEqual(out.results, results);
  });
});
