import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../../bin/surfinger.mjs', import.meta.url));
const score = (...args: string[]) => run(process.execPath, [bin, 'score', ...args]);

test('surfinger score --json prints the scoring fields of the worked example', async () => {
  const { stdout } = await score('--prompt', '서핑거는 타자 게임입니다.', '--answer', '서핑거능 타자 개임입니다', '--elapsed-ms', '6000', '--json');
  const out = JSON.parse(stdout) as Record<string, unknown>;
  assert.deepEqual(Object.keys(out), ['accuracy', 'speed', 'score', 'distance', 'length', 'pasted']);
  assert.deepEqual([out.accuracy, out.speed, out.distance, out.length, out.pasted], [89, 280, 3, 29, false]);
});

test('surfinger score without --answer fails with a clear message', async () => {
  await assert.rejects(score('--prompt', 'x'), (err: { code: number; stderr: string }) => {
    assert.equal(err.code, 1);
    assert.match(err.stderr, /required option '--answer <text>'/);
    return true;
  });
});
