import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderAuthConf } from './permissions.ts';

/** Rewrites deploy/nats/auth.conf from protocol/subjects.ts: run after changing a subject. */
const target = fileURLToPath(new URL('./auth.conf', import.meta.url));
writeFileSync(target, renderAuthConf());
process.stdout.write(`wrote ${target}\n`);
