import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LogLevel, WebClient } from '@slack/web-api';
import { eventually, platformError, recordingApp, testSandbox } from './test-support.ts';

const quiet = { logLevel: LogLevel.ERROR };
const blocks = [
  { type: 'section', text: { type: 'mrkdwn', text: '*Your stats*' } },
  { type: 'actions', block_id: 'home-lang', elements: [{ type: 'button', action_id: 'home_lang_en', value: 'en', text: { type: 'plain_text', text: 'English' } }] },
];

describe('sandbox - App Home tab', async () => {
  const app = await recordingApp();
  const sandbox = await testSandbox({ appUrl: app.url });
  const team = sandbox.info.teams[0]!;
  const client = new WebClient(team.botToken, { slackApiUrl: sandbox.info.apiUrl, ...quiet });
  const driver = (path: string, body?: unknown) =>
    fetch(`${sandbox.url}sandbox/v1/${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
      async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }),
    );

  test('opening the Home tab delivers app_home_opened; views.publish shows the view to that user only', async () => {
    const opened = await driver('home_open', { team_id: team.teamId, user_id: 'U0ALICE001' });
    assert.deepEqual(opened.body, { ok: true, via: 'http' });
    const event = await eventually(() => app.requests.find((r) => r.path === '/slack/events' && r.body.includes('app_home_opened')));
    const payload = JSON.parse(event.body) as { team_id: string; event: { type: string; user: string; tab: string; channel: string; view?: unknown } };
    assert.deepEqual([payload.team_id, payload.event.user, payload.event.tab, payload.event.view], [team.teamId, 'U0ALICE001', 'home', undefined], 'no view yet: none published');
    assert.match(payload.event.channel, /^D/);

    const published = await client.views.publish({ user_id: 'U0ALICE001', view: { type: 'home', blocks: blocks as never } });
    assert.equal(published.view?.type, 'home');
    const home = await driver(`home?team_id=${team.teamId}&user_id=U0ALICE001`);
    assert.deepEqual((home.body['view'] as { blocks: unknown }).blocks, blocks);
    assert.equal((await driver(`home?team_id=${team.teamId}&user_id=U0BOB00001`)).body['view'], null, "bob does not see alice's Home");
    const republished = await client.views.publish({ user_id: 'U0ALICE001', view: { type: 'home', blocks: blocks.slice(0, 1) as never } });
    assert.equal(republished.view?.id, published.view?.id, 'a re-publish replaces the same view');
  });

  test('views.publish refuses what Slack refuses', async () => {
    assert.equal(await platformError(client.views.publish({ user_id: 'U0NOBODY01', view: { type: 'home', blocks: [] } })), 'user_not_found');
    assert.equal(await platformError(client.views.publish({ user_id: 'U0ALICE001', view: { type: 'modal', blocks: [] } as never })), 'invalid_arguments');
    const tooMany = Array.from({ length: 101 }, () => ({ type: 'divider' }));
    assert.equal(await platformError(client.views.publish({ user_id: 'U0ALICE001', view: { type: 'home', blocks: tooMany as never } })), 'invalid_blocks');
  });

  test('a Home tab button sends block_actions from the view, without a channel', async () => {
    await client.views.publish({ user_id: 'U0BOB00001', view: { type: 'home', blocks: blocks as never } });
    const clicked = await driver('home_click', { team_id: team.teamId, user_id: 'U0BOB00001', action_id: 'home_lang_en' });
    assert.equal(clicked.body['ok'], true);
    const req = await eventually(() => app.requests.find((r) => r.path === '/slack/interactivity'));
    const payload = JSON.parse(new URLSearchParams(req.body).get('payload')!) as Record<string, unknown> & { view: { type: string }; actions: Array<{ action_id: string; value: string }> };
    assert.equal(payload['channel'], undefined);
    assert.equal(payload.view.type, 'home');
    assert.deepEqual([payload.actions[0]?.action_id, payload.actions[0]?.value], ['home_lang_en', 'en']);
    const missing = await driver('home_click', { team_id: team.teamId, user_id: 'U0BOB00001', action_id: 'nope' });
    assert.deepEqual([missing.status, missing.body['error']], [400, 'action_not_found']);
  });
});
