import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatReport, runDeployCheck } from '../deploy/check/run.ts';

/**
 * `npm run deploy:check [-- --dir <deploy dir>] [--json]`: validates every deployment artifact
 * offline (see deploy/check/run.ts). Exit 0 when all pass, 1 on any problem, 2 on bad usage.
 */
const usage = 'usage: deploy-check [--dir <deploy directory>] [--json]';
let values: { dir?: string; json?: boolean };
try {
  ({ values } = parseArgs({ options: { dir: { type: 'string' }, json: { type: 'boolean' } } }));
} catch (err) {
  process.stderr.write(`deploy-check: ${(err as Error).message} [SF_ERR_DEPLOY_CHECK_USAGE]\n${usage}\n`);
  process.exit(2);
}
const root = resolve(values.dir ?? new URL('../deploy', import.meta.url).pathname);
if (!existsSync(root) || !statSync(root).isDirectory()) {
  process.stderr.write(`deploy-check: ${root} is not a directory [SF_ERR_DEPLOY_CHECK_USAGE]\n${usage}\n`);
  process.exit(2);
}
const sections = runDeployCheck(root);
process.stdout.write(`${values.json ? JSON.stringify({ root, sections }, null, 2) : formatReport(root, sections)}\n`);
process.exitCode = sections.some((s) => s.problems.length > 0) ? 1 : 0;
