import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NatsConnection } from 'nats';
import { codecs, MessageTypes, type TournamentRequest, type TournamentSpec } from '../../protocol/index.ts';
import { request } from '../common/nats.ts';
import { startInfra, type Infra } from '../../test/support/harness.ts';
import { parseActorKey, tournamentIdOf, tournamentKey } from './records.ts';
import type { RunningActorHost } from './service.ts';
import { recordingEgress, type RecordedEgress, startTestHost, waitFor } from './testing.ts';

const infra: Infra = await startInfra({ redis: false });

const spec = (over: Partial<TournamentSpec> = {}): TournamentSpec => ({
  id: 'cup',
  name: 'Cup',
  lang: 'en',
  channels: [
    { team: 'T1', channel: 'C1' },
    { team: 'T2', channel: 'C9' },
  ],
  rounds: 2,
  // Far ahead: these tests are about requests, not rounds (the e2e plays rounds).
  startsAt: Date.now() + 3_600_000,
  roundGapMs: 60_000,
  collectMs: 30_000,
  createdBy: 'admin',
  ...over,
});

describe('tournament actors on the actor host', () => {
  let nc: NatsConnection;
  let egress: RecordedEgress[];
  let host: RunningActorHost;

  before(async () => {
    nc = await infra.natsClient();
    egress = recordingEgress(nc, infra.subjects);
    host = await startTestHost(infra, 'th1');
  });
  after(async () => {
    await host.stop();
  });

  const ask = (req: Omit<TournamentRequest, 'type'>) => request(nc, infra.subjects.tournamentAdmin(), codecs.tournamentRequest, { type: MessageTypes.tournamentRequest, ...req }, codecs.tournamentReply, 5_000);

  it('a tournament key is never read as a channel actor key (the orphan scan must not activate a game for it)', () => {
    assert.equal(parseActorKey(tournamentKey('cup')), null);
    assert.equal(tournamentIdOf(tournamentKey('cup')), 'cup');
    assert.deepEqual(parseActorKey('T1.C1'), { team: 'T1', channel: 'C1' });
    assert.equal(tournamentIdOf('T1.C1'), null);
  });

  it('create announces it in every channel of both workspaces; list and show read it back', async () => {
    const created = await ask({ op: 'create', spec: spec() });
    assert.equal(created.tournaments[0]!.phase, 'scheduled');
    await waitFor('announcements', () => ['C1', 'C9'].every((c) => egress.some((e) => e.channel === c && e.op === 'post' && e.text.includes('Cup'))));
    assert.equal(host.tournaments.size, 1);
    assert.deepEqual((await ask({ op: 'list' })).tournaments.map((t) => t.id), ['cup']);
    assert.equal((await ask({ op: 'show', id: 'cup' })).tournaments[0]!.rounds, 2);
  });

  it('refuses a second tournament with the same id, a bad spec and unknown ids with clear codes', async () => {
    await assert.rejects(ask({ op: 'create', spec: spec() }), { code: 'SF_ERR_TOURNAMENT_EXISTS' });
    await assert.rejects(ask({ op: 'create', spec: spec({ id: 'one', channels: [{ team: 'T1', channel: 'C1' }, { team: 'T1', channel: 'C1' }] }) }), { code: 'SF_ERR_TOURNAMENT_INVALID', message: 'a channel is listed twice' });
    await assert.rejects(ask({ op: 'create', spec: spec({ id: 'slow', collectMs: 60_000 }) }), { code: 'SF_ERR_TOURNAMENT_INVALID' });
    await assert.rejects(ask({ op: 'show', id: 'nope' }), { code: 'SF_ERR_TOURNAMENT_NOT_FOUND' });
    await assert.rejects(ask({ op: 'cancel', id: 'nope' }), { code: 'SF_ERR_TOURNAMENT_NOT_FOUND' });
    await assert.rejects(ask({ op: 'show' }), { code: 'SF_ERR_TOURNAMENT_INVALID' });
  });

  it('cancel reaches the actor, edits the standings everywhere, and the finished actor lets go of its lease', async () => {
    const cancelled = await ask({ op: 'cancel', id: 'cup', by: 'ops' });
    assert.equal(cancelled.tournaments[0]!.phase, 'cancelled');
    await waitFor('cancel edits', () => ['C1', 'C9'].every((c) => egress.some((e) => e.channel === c && e.op === 'update' && e.text.includes('cancelled'))));
    await waitFor('actor stopped', () => host.tournaments.size === 0);
    // Over: show reads the snapshot, and cancelling again is a no-op answer, not an error.
    assert.equal((await ask({ op: 'cancel', id: 'cup' })).tournaments[0]!.phase, 'cancelled');
    assert.equal(host.tournaments.size, 0);
  });
});
