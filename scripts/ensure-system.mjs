#!/usr/bin/env node
// Makes sure the system programs the product and its tests run against are present.
// They come from Debian packages only: nothing here downloads a binary from the internet.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const needs = [
  { bin: 'nats-server', pkg: 'nats-server' },
  { bin: 'redis-server', pkg: 'redis-server' },
  // Sentinel for the Redis failover setup (`surfinger up --redis-ha`, the cluster chaos suite).
  { bin: 'redis-sentinel', pkg: 'redis-sentinel' },
  { bin: 'chromium', pkg: 'chromium' },
  // Korean glyphs for browser screenshots; without it Hangul renders as empty boxes.
  { file: '/usr/share/fonts/truetype/nanum/NanumGothic.ttf', pkg: 'fonts-nanum' },
];

const has = (need) =>
  need.file ? existsSync(need.file) : spawnSync('sh', ['-c', `command -v ${need.bin}`], { stdio: 'ignore' }).status === 0;
const missing = needs.filter((n) => !has(n));
if (missing.length === 0) process.exit(0);

const pkgs = missing.map((m) => m.pkg);
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot) {
  console.error(`surfinger needs: ${pkgs.join(', ')}.\nInstall them with:\n  sudo apt-get update && sudo apt-get install -y ${pkgs.join(' ')}`);
  process.exit(1);
}
console.error(`installing ${pkgs.join(', ')} from Debian packages…`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
execFileSync('apt-get', ['install', '-y', '-qq', ...pkgs], { stdio: 'inherit', env });
const still = missing.filter((n) => !has(n));
if (still.length > 0) {
  console.error(`still missing after apt-get: ${still.map((s) => s.pkg).join(', ')}`);
  process.exit(1);
}
