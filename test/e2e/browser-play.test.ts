import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { stripMarkers } from '../../actors/markers.ts';
import { REPO_ROOT } from '../../services/local/cluster.ts';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

interface UpLine {
  sandbox: { uiUrl: string; teams: Array<{ teamId: string; channels: Array<{ id: string }>; users: Array<{ id: string }> }> };
  ingressUrl: string;
  services: Record<string, number>;
}

test('npm start path - `surfinger up` brings the cluster up, a person plays a round in the browser, Ctrl-C stops everything', async () => {
  const out = join(REPO_ROOT, 'test-output');
  mkdirSync(out, { recursive: true });
  const up = spawn(process.execPath, ['bin/surfinger.mjs', 'up', '--json', '--log-dir', join(out, 'e2e-browser-play')], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((r) => up.once('exit', (code) => r(code)));
  try {
    const line = await new Promise<UpLine>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('surfinger up printed no JSON line within 60 s')), 60_000);
      createInterface({ input: up.stdout! }).once('line', (l) => {
        clearTimeout(timer);
        resolve(JSON.parse(l) as UpLine);
      });
      void exited.then((code) => reject(new Error(`surfinger up exited early with ${code}`)));
    });
    assert.ok(Object.keys(line.services).length >= 7, 'sandbox and every service run as processes');
    const team = line.sandbox.teams[0]!;
    const landing = await fetch(`${line.ingressUrl}/`);
    assert.equal(landing.status, 200, 'the landing page is served');

    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${line.sandbox.uiUrl}?team=${team.teamId}&channel=${team.channels[0]!.id}&user=${team.users[0]!.id}`);
      await page.fill('#text', '/start normal easy');
      await page.press('#text', 'Enter');

      const prompt = page.locator('[data-block-id^="prompt"]').last();
      await prompt.waitFor({ timeout: 30_000 });
      const shown = (await prompt.innerText()).trim();
      const typed = stripMarkers(shown);
      assert.ok(typed.length > 0 && typed !== shown, 'the prompt carries invisible anti-paste markers');
      // A person reads, then types at a human pace.
      await page.waitForTimeout(4_000);
      await page.fill('#text', typed);
      await page.press('#text', 'Enter');

      const results = page.locator('[data-block-id="results"]').last();
      await results.waitFor({ timeout: 40_000 });
      const table = await results.innerText();
      assert.match(table, /100%/, `the exact answer scores 100%:\n${table}`);
      await page.screenshot({ path: join(out, 'browser-play.png'), fullPage: false });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  } finally {
    up.kill('SIGINT');
  }
  assert.equal(await exited, 0, 'Ctrl-C stops the cluster cleanly');
});
