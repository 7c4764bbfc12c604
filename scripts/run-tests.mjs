#!/usr/bin/env node
// Runs every test file with Node's built-in runner (tsx loads TypeScript). Unit tests live beside
// the code (`*.test.ts`); cross-service, end-to-end and chaos suites live in test/.
//   node scripts/run-tests.mjs                 all tests
//   node scripts/run-tests.mjs --only unit     only tests beside the code
//   node scripts/run-tests.mjs --only e2e      only test/ (end-to-end, chaos, security, ops)
//   node scripts/run-tests.mjs --only chaos    only the chaos suite (test/chaos)
//   node scripts/run-tests.mjs path/a.test.ts  just these files
import { spawn } from 'node:child_process';
import { readdirSync, statSync, mkdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const ROOTS = ['protocol', 'actors', 'services', 'cli', 'bench', 'scripts', 'test'];
const SKIP = new Set(['node_modules', '.git', '.tmp', 'test-output']);

function walk(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const args = process.argv.slice(2);
const onlyIdx = args.indexOf('--only');
const only = onlyIdx >= 0 ? args[onlyIdx + 1] : undefined;
const explicit = args.filter((a, i) => a.endsWith('.test.ts') && (onlyIdx < 0 || i !== onlyIdx + 1));

let files = explicit.length > 0 ? explicit : ROOTS.flatMap((r) => walk(join(root, r), [])).sort();
if (only === 'unit') files = files.filter((f) => !f.startsWith(`test${sep}`));
if (only === 'e2e') files = files.filter((f) => f.startsWith(`test${sep}`));
if (only === 'chaos') files = files.filter((f) => f.startsWith(`test${sep}chaos${sep}`));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}

mkdirSync(join(root, 'test-output'), { recursive: true });
// Two cores: two files at a time keeps the multi-process cluster tests from starving each other.
const concurrency = process.env.SF_TEST_CONCURRENCY ?? '2';
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=600000', '--test-reporter=spec', ...files],
  { cwd: root, stdio: 'inherit', env: { ...process.env, SF_LOG_LEVEL: process.env.SF_LOG_LEVEL ?? 'warn' } },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
