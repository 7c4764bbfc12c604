import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/surfinger.mjs', import.meta.url));

test('cli - `surfinger sandbox` prints one JSON start line, serves, and exits 0 on SIGTERM', { timeout: 60_000 }, async () => {
  const child = spawn(process.execPath, [BIN, 'sandbox', '--port', '0', '--teams', '2', '--channels', '3', '--users', '4', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  after(() => child.kill('SIGKILL'));
  let stdout = '';
  child.stdout.setEncoding('utf8');
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')));
    });
    child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
  });
  const info = JSON.parse(await firstLine) as { apiUrl: string; uiUrl: string; teams: Array<{ teamId: string; botToken: string; appToken: string; signingSecret: string; channels: Array<{ id: string }>; users: Array<{ id: string }> }> };
  assert.match(info.apiUrl, /^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
  assert.equal(info.teams.length, 2);
  assert.deepEqual(info.teams.map((t) => t.teamId), ['T0DEMO0001', 'T0GEN00002']);
  for (const team of info.teams) {
    assert.match(team.botToken, /^xoxb-/);
    assert.match(team.appToken, /^xapp-/);
    // The demo team also has #lounge, the channel without the bot.
    assert.equal(team.channels.length, team.teamId === 'T0DEMO0001' ? 4 : 3);
    assert.equal(team.users.length, 4);
    for (const id of [team.teamId, ...team.channels.map((c) => c.id), ...team.users.map((u) => u.id)]) assert.match(id, /^[A-Z0-9]+$/);
  }
  const auth = (await (await fetch(`${info.apiUrl}auth.test`, { method: 'POST', headers: { authorization: `Bearer ${info.teams[1]!.botToken}` } })).json()) as { ok: boolean; team_id: string };
  assert.deepEqual([auth.ok, auth.team_id], [true, 'T0GEN00002']);
  const ui = await fetch(info.uiUrl);
  assert.equal(ui.status, 200);
  assert.match(await ui.text(), /<title>SurFinger Slack sandbox<\/title>/);
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
  assert.equal(stdout.trim().split('\n').length, 1, 'stdout holds exactly one line');
});
