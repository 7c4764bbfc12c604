import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, test } from 'node:test';
import { chromium } from 'playwright-core';
import { eventually, recordingApp, testSandbox } from './test-support.ts';

const OUT = new URL('../../test-output/', import.meta.url);

test('ui - type a message, see it appear, click a button the app receives; screenshot', async () => {
  const app = await recordingApp((req) => (req.path === '/slack/commands' ? { type: 'application/json', body: JSON.stringify({ response_type: 'in_channel', text: '*Round mode* starting: 3 prompts. Get ready…' }) } : {}));
  const sandbox = await testSandbox({ appUrl: app.url });
  const team = sandbox.info.teams[0]!;
  // A game-like bot post: header, prompt section, fields, context and buttons.
  const blocks = [
    { type: 'header', text: { type: 'plain_text', text: 'Round 1 of 3' } },
    { type: 'section', block_id: 'prompt-r1', text: { type: 'mrkdwn', text: '다람쥐 헌 쳇바퀴에 타고파' } },
    { type: 'section', fields: [{ type: 'mrkdwn', text: '*Mode*\nround' }, { type: 'mrkdwn', text: '*Time limit*\n12 s' }] },
    { type: 'context', elements: [{ type: 'mrkdwn', text: 'Type the sentence above as fast as you can' }] },
    { type: 'actions', block_id: 'lang', elements: [
      { type: 'button', action_id: 'lang_ko', value: 'ko', style: 'primary', text: { type: 'plain_text', text: '한국어' } },
      { type: 'button', action_id: 'lang_en', value: 'en', text: { type: 'plain_text', text: 'English' } },
    ] },
  ];
  const posted = await fetch(`${sandbox.info.apiUrl}chat.postMessage`, {
    method: 'POST',
    headers: { authorization: `Bearer ${team.botToken}`, 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ channel: 'C0GENERAL1', text: 'Round 1', blocks }),
  }).then((r) => r.json() as Promise<{ ok: boolean; ts: string }>);
  assert.ok(posted.ok);

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'] });
  after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1100, height: 720 } });
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`${sandbox.info.uiUrl}?team=T0DEMO0001&channel=C0GENERAL1&user=U0ALICE001`);

  await page.locator(`[data-ts="${posted.ts}"] [data-block-id^="prompt"]`).waitFor();
  await page.fill('#text', 'hello from the browser');
  await page.press('#text', 'Enter');
  await page.locator('.msg', { hasText: 'hello from the browser' }).waitFor();
  const stored = sandbox.workspace.teams.get('T0DEMO0001')!.channels.get('C0GENERAL1')!.messages.find((m) => m.text === 'hello from the browser');
  assert.equal(stored?.user, 'U0ALICE001');

  await page.click('button[data-action-id="lang_en"]');
  const click = await eventually(() => app.requests.find((r) => r.path === '/slack/interactivity'));
  const payload = JSON.parse(new URLSearchParams(click.body).get('payload')!) as { actions: Array<{ action_id: string; value: string }>; user: { id: string } };
  assert.equal(payload.actions[0]?.action_id, 'lang_en');
  assert.equal(payload.actions[0]?.value, 'en');
  assert.equal(payload.user.id, 'U0ALICE001');

  // Slash commands from the composer go to the app; an edit made by the app shows live.
  await page.fill('#text', '/start round 3');
  await page.press('#text', 'Enter');
  const command = await eventually(() => app.requests.find((r) => r.path === '/slack/commands'));
  assert.equal(new URLSearchParams(command.body).get('text'), 'round 3');
  await fetch(`${sandbox.info.apiUrl}chat.update`, { method: 'POST', headers: { authorization: `Bearer ${team.botToken}` }, body: new URLSearchParams({ channel: 'C0GENERAL1', ts: posted.ts, text: 'Round 1', blocks: JSON.stringify([...blocks.slice(0, 3), { type: 'context', elements: [{ type: 'mrkdwn', text: '8 s left · 2 answers so far' }] }, blocks[4]]) }) });
  await page.locator(`[data-ts="${posted.ts}"][data-edited="true"]`).waitFor();
  await fetch(`${sandbox.info.apiUrl}chat.postEphemeral`, { method: 'POST', headers: { authorization: `Bearer ${team.botToken}` }, body: new URLSearchParams({ channel: 'C0GENERAL1', user: 'U0ALICE001', text: 'Only you can see your *best*: 312 타/분' }) });
  await page.locator('.msg.ephemeral').waitFor();

  await mkdir(OUT, { recursive: true });
  await page.screenshot({ path: new URL('sandbox-ui.png', OUT).pathname });
  await page.setViewportSize({ width: 390, height: 760 });
  await page.screenshot({ path: new URL('sandbox-ui-phone.png', OUT).pathname });
  // Bob must not see Alice's ephemeral message.
  await page.goto(`${sandbox.info.uiUrl}?team=T0DEMO0001&channel=C0GENERAL1&user=U0BOB00001`);
  await page.locator('.msg', { hasText: 'hello from the browser' }).waitFor();
  assert.equal(await page.locator('.msg.ephemeral').count(), 0);
  // /invite is Slack's own command: the bot joins #lounge and the app hears nothing of it.
  await page.goto(`${sandbox.info.uiUrl}?team=T0DEMO0001&channel=C0LOUNGE01&user=U0BOB00001`);
  await page.fill('#text', '/invite @surfinger');
  await page.press('#text', 'Enter');
  await eventually(() => (sandbox.workspace.teams.get('T0DEMO0001')!.channels.get('C0LOUNGE01')!.members.has(team.botUserId) ? true : undefined));
  assert.equal(app.requests.filter((r) => r.path === '/slack/commands').length, 1, 'only /start reached the app');
  assert.deepEqual(errors, []);
});
