import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import type { Problem } from './k8s-rules.ts';

/**
 * Offline checks of the Dockerfile (there is no Docker engine in CI):
 * 1. multi-stage, production dependencies via `npm ci --omit=dev`, every stage on a node slim
 *    image of a supported LTS line pinned by digest, a numeric non-root USER, and the service
 *    selector entrypoint;
 * 2. the image holds every file the services and the CLI import: starting at bin/surfinger.mjs and
 *    every services/<name>/main.ts, each relative import must land inside a COPY'd path, and each
 *    package import must be a production dependency (devDependencies are not installed).
 */

const ENTRYPOINT = '["node", "bin/surfinger.mjs", "service"]';
/** Node release lines under (active or maintenance) LTS support; 20 left it in April 2026. */
export const SUPPORTED_NODE_LINES = ['22', '24'] as const;
const PINNED_BASE = new RegExp(`^node:(?:${SUPPORTED_NODE_LINES.join('|')})(?:\\.\\d+){0,2}-slim@sha256:[0-9a-f]{64}$`);
// Type-only imports vanish at runtime, so they may name dev-only packages.
const IMPORT = /^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;
const BUILTINS = new Set(builtinModules);

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** Every file reachable by runtime imports from `roots`, and each package with a first importer. */
export function walkImports(repo: string, roots: string[]): { files: Set<string>; packages: Map<string, string>; missing: string[] } {
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const missing: string[] = [];
  const queue = [...roots];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    if (!existsSync(file) || statSync(file).isDirectory()) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = m[1] ?? m[2]!;
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec);
        if (!existsSync(target)) missing.push(`${relative(repo, file)} imports ${spec}, which does not exist`);
        else queue.push(target);
      } else if (!spec.startsWith('node:') && !BUILTINS.has(spec)) {
        const name = packageName(spec);
        if (!packages.has(name)) packages.set(name, file);
      }
    }
  }
  return { files, packages, missing };
}

export interface ImageFacts {
  copied: string[];
  files: number;
  packages: string[];
}

export function checkImage(repo: string): { problems: Problem[]; facts: ImageFacts } {
  const problems: Problem[] = [];
  const add = (subject: string, message: string) => problems.push({ file: 'Dockerfile', subject, message });
  const text = readFileSync(join(repo, 'Dockerfile'), 'utf8');
  const stages = [...text.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/gim)];
  if (stages.length < 2) add('stages', 'must be multi-stage (dependencies, then a runtime stage)');
  if (!/npm ci --omit=dev/.test(text)) add('deps', 'dependencies must come from `npm ci --omit=dev`');
  for (const stage of stages) {
    const from = stage[1] ?? '';
    if (!PINNED_BASE.test(from)) add('base', `${stage[2] ?? 'a stage'} must be FROM node:<${SUPPORTED_NODE_LINES.join('|')}>[.x.y]-slim@sha256:<digest>, is ${from}`);
  }
  const user = [...text.matchAll(/^USER\s+(\S+)/gm)].at(-1)?.[1];
  if (!user || !/^[1-9]\d*(:\d+)?$/.test(user)) add('user', `the runtime must run as a numeric non-root USER, is ${user ?? 'root (no USER)'}`);
  if (!text.split('\n').some((l) => l.trim() === `ENTRYPOINT ${ENTRYPOINT}`)) add('entrypoint', `ENTRYPOINT must be ${ENTRYPOINT}`);

  // Paths the runtime stage copies from the build context (not from another stage).
  const runtime = text.slice(stages.at(-1)?.index ?? 0);
  const copied = [...runtime.matchAll(/^COPY\s+(?!--from)(.+)$/gm)].flatMap((m) => m[1]!.trim().split(/\s+/).slice(0, -1));
  for (const path of copied) if (!existsSync(join(repo, path))) add('COPY', `${path} does not exist`);

  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  const prod = new Set(Object.keys(pkg.dependencies ?? {}));
  const inImage = (file: string) => copied.some((c) => {
    const rel = relative(join(repo, c), file);
    return rel === '' || (!rel.startsWith('..') && !rel.startsWith('/'));
  });

  const servicesDir = join(repo, 'services');
  const roots = [join(repo, 'bin/surfinger.mjs'), ...readdirSync(servicesDir).map((d) => join(servicesDir, d, 'main.ts')).filter((f) => existsSync(f))];
  const graph = walkImports(repo, roots);
  for (const file of graph.files) if (!inImage(file)) add('contents', `${relative(repo, file)} is imported at runtime but not copied into the image`);
  for (const m of graph.missing) add('contents', m);
  for (const [name, importer] of graph.packages) {
    // tsx/esm/api and similar subpaths belong to their package.
    if (!prod.has(name)) add('dependencies', `${relative(repo, importer)} imports ${name}, which is not a production dependency (npm ci --omit=dev skips it)`);
  }
  return { problems, facts: { copied, files: graph.files.size, packages: [...graph.packages.keys()].sort() } };
}
