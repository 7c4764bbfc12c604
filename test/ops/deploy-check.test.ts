import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, strategicMerge } from '../../deploy/check/kustomize.ts';
import { checkImage } from '../../deploy/check/image.ts';

/**
 * Acceptance 1 of issue 9: `npm run deploy:check` passes on the real deploy/ and fails, naming the
 * file and the problem, on copies with deliberately broken manifests.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEPLOY = join(ROOT, 'deploy');
const copies: string[] = [];
after(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

function run(dir?: string): { status: number | null; out: string } {
  const args = ['--import', 'tsx', join(ROOT, 'scripts/deploy-check.ts'), ...(dir ? ['--dir', dir] : [])];
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

/** A copy of deploy/ with one file rewritten by `edit`. */
function brokenCopy(file: string, edit: (text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sf-deploy-'));
  copies.push(dir);
  cpSync(DEPLOY, dir, { recursive: true });
  const path = join(dir, file);
  const before = readFileSync(path, 'utf8');
  const after = edit(before);
  assert.notEqual(after, before, `the edit of ${file} changed nothing`);
  writeFileSync(path, after);
  return dir;
}

test('deploy:check - the real deploy/ passes', () => {
  const { status, out } = run();
  assert.equal(status, 0, out);
  assert.match(out, /all checks passed/);
  for (const section of ['kustomize base', 'kustomize overlays/dev', 'kustomize overlays/prod', 'nats', 'grafana', 'prometheus alerts', 'image', 'compose', 'network labels']) assert.match(out, new RegExp(`ok +${section}`));
});

test('deploy:check - a schema violation fails and names the file, object and field', () => {
  const dir = brokenCopy('k8s/base/egress.yaml', (t) => t.replace('replicas: 2', 'replicas: two'));
  const { status, out } = run(dir);
  assert.equal(status, 1, out);
  assert.match(out, /k8s\/base\/egress\.yaml +Deployment\/egress: \/spec\/replicas must be integer/);
});

test('deploy:check - a missing probe and a short actor-host grace period fail', () => {
  const dir = brokenCopy('k8s/base/actor-host.yaml', (t) => t.replace('terminationGracePeriodSeconds: 45', 'terminationGracePeriodSeconds: 10').replace('readinessProbe:', 'readinessProbeTypo:'));
  const { status, out } = run(dir);
  assert.equal(status, 1, out);
  assert.match(out, /actor-host\.yaml +Deployment\/actor-host: container actor-host: readinessProbe is missing/);
  assert.match(out, /terminationGracePeriodSeconds is 10; the handoff needs at least 30/);
});

test('deploy:check - a liveness probe on the dependency check /healthz fails (Redis briefly down must not restart pods)', () => {
  const dir = brokenCopy('k8s/base/ranking.yaml', (t) => t.replace('path: /livez', 'path: /healthz'));
  const { status, out } = run(dir);
  assert.equal(status, 1, out);
  assert.match(out, /ranking\.yaml +Deployment\/ranking: container ranking: livenessProbe checks \/healthz; liveness must be \/livez/);
});

test('deploy:check - a Redis-using Deployment without its ACL user from the Secret, or Redis without its aclfile, fails', () => {
  const dir = brokenCopy('k8s/base/egress.yaml', (t) => t.replace('name: surfinger-redis', 'name: surfinger-secrets'));
  const redis = join(dir, 'k8s/base/redis.yaml');
  writeFileSync(redis, readFileSync(redis, 'utf8').replace('echo "aclfile /acl/users.acl"', 'echo "# no acl"'));
  const { status, out } = run(dir);
  assert.equal(status, 1, out);
  assert.match(out, /egress\.yaml +Deployment\/egress: SF_REDIS_PASS must come from Secret surfinger-redis key egress/);
  assert.match(out, /redis\.yaml +StatefulSet\/redis: redis must mount Secret surfinger-redis and run with its users\.acl as aclfile/);
});

test('deploy:check - a dev users.acl that does not match the dev Redis passwords fails', () => {
  const dir = brokenCopy('k8s/overlays/dev/kustomization.yaml', (t) => t.replace('- watchdog=dev-redis-watchdog', '- watchdog=changed'));
  const { status, out } = run(dir);
  assert.equal(status, 1, out);
  assert.match(out, /Secret\/surfinger-redis: users\.acl does not match its passwords/);
});

test('deploy:check - an overlay patch that matches nothing fails the build of that overlay', () => {
  const dir = brokenCopy('k8s/overlays/prod/egress.yaml', (t) => t.replace('name: egress\nspec', 'name: egres\nspec'));
  const { status, out } = run(dir);
  assert.equal(status, 1, out);
  assert.match(out, /FAIL kustomize overlays\/prod/);
  assert.match(out, /patch k8s\/overlays\/prod\/egress\.yaml \(Deployment\/egres\) matches no resource/);
});

test('deploy:check - invalid YAML, a hand-edited auth.conf and a bad KEDA object each fail', () => {
  const yaml = run(brokenCopy('k8s/base/ranking.yaml', (t) => t.replace('kind: Deployment', 'kind: Deployment\n  bad: [indent')));
  assert.equal(yaml.status, 1);
  assert.match(yaml.out, /k8s\/base\/ranking\.yaml.*invalid YAML/);

  const auth = run(brokenCopy('nats/auth.conf', (t) => t.replace('"sf.v1.ranking.query",', '"sf.v1.ranking.query", "sf.v1.results.>",')));
  assert.equal(auth.status, 1);
  assert.match(auth.out, /nats\/auth\.conf +drift: differs from the generator/);

  const keda = run(brokenCopy('k8s/components/keda/scaled-objects.yaml', (t) => t.replace('threshold: "500"', 'threshold: 500')));
  assert.equal(keda.status, 1);
  assert.match(keda.out, /scaled-objects\.yaml +ScaledObject\/actor-host: spec\.triggers\.0\.metadata\.threshold/);
});

test('deploy:check - a KEDA overlay that scales differently from its HPA fails', () => {
  const { status, out } = run(brokenCopy('k8s/overlays/prod-keda/scaled-objects.yaml', (t) => t.replace('maxReplicaCount: 50', 'maxReplicaCount: 20')));
  assert.equal(status, 1, out);
  assert.match(out, /k8s\/overlays\/prod-keda +ScaledObject actor-host: scales 3\.\.20 but prod's HPA 3\.\.50/);
});

test('deploy:check - where kubectl is installed, its own kustomize builds what ours builds', (t) => {
  if (spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).error) return t.skip('kubectl not installed');
  const { status, out } = run();
  assert.equal(status, 0, out);
  assert.match(out, /ok +kubectl kustomize: 4 kustomizations build the same objects and bounds/);
});

test('deploy:check - an alert rule on a metric nobody exports fails', () => {
  const { status, out } = run(brokenCopy('prometheus/alerts.yaml', (t) => t.replace('sf_egress_429_total', 'sf_egress_492_total')));
  assert.equal(status, 1, out);
  assert.match(out, /prometheus\/alerts\.yaml +SurfingerEgress429Storm: sf_egress_492_total is not a metric surfinger exports/);
});

test('deploy:check - a NATS config nats-server rejects fails with its message', () => {
  const dir = brokenCopy('nats/auth.conf', (t) => t.replace('allow_responses: true', 'allow_responses: true\n        bogus_permission: 1'));
  const { status, out } = run(dir);
  assert.equal(status, 1);
  assert.match(out, /nats-server -t: .*Unknown field "bogus_permission"/);
});

test('deploy:check - a missing --dir is a usage error', () => {
  const { status, out } = run(join(tmpdir(), 'does-not-exist-sf'));
  assert.equal(status, 2);
  assert.match(out, /is not a directory \[SF_ERR_DEPLOY_CHECK_USAGE\]/);
});

test('kustomize - strategic merge merges containers by name and replaces scalars', () => {
  const target = { spec: { containers: [{ name: 'a', image: 'x', env: [{ name: 'A', value: '1' }] }, { name: 'b', image: 'y' }] } };
  strategicMerge(target, { spec: { containers: [{ name: 'a', image: 'z', env: [{ name: 'B', value: '2' }] }] } });
  assert.deepEqual(target.spec.containers, [
    { name: 'a', image: 'z', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
    { name: 'b', image: 'y' },
  ]);
});

test('kustomize - the prod overlay raises limits, keeps probes and pins the image', () => {
  const built = build(join(DEPLOY, 'k8s/overlays/prod'), DEPLOY);
  const host = built.objects.find((o) => o.kind === 'Deployment' && o.metadata?.name === 'actor-host') as unknown as {
    spec: { template: { spec: { containers: Array<{ image: string; resources: { limits: { memory: string } }; readinessProbe?: unknown }>; affinity?: unknown } } };
    metadata: { namespace: string };
  };
  const c = host.spec.template.spec.containers[0]!;
  assert.equal(c.resources.limits.memory, '1536Mi');
  assert.ok(c.readinessProbe);
  assert.ok(host.spec.template.spec.affinity);
  assert.equal(c.image, 'ghcr.io/surfinger/surfinger:0.1.0');
  assert.equal(host.metadata.namespace, 'surfinger');
  const keda = build(join(DEPLOY, 'k8s/overlays/prod-keda'), DEPLOY);
  assert.equal(keda.objects.filter((o) => o.kind === 'HorizontalPodAutoscaler').length, 0, 'KEDA replaces the HPA');
});

test('image - a base by tag only, or on a Node line past its support, fails', () => {
  const repo = mkdtempSync(join(tmpdir(), 'sf-image-'));
  copies.push(repo);
  cpSync(join(ROOT, 'package.json'), join(repo, 'package.json'));
  mkdirSync(join(repo, 'services'));
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  writeFileSync(join(repo, 'Dockerfile'), dockerfile.replace(/^FROM \S+ AS deps/m, 'FROM node:22-slim AS deps').replace(/^FROM node:22[^@\s]*(@sha256:[0-9a-f]+) AS runtime/m, 'FROM node:20-slim$1 AS runtime'));
  const base = checkImage(repo).problems.filter((p) => p.subject === 'base').map((p) => p.message);
  assert.equal(base.length, 2, base.join('\n'));
  assert.match(base[0]!, /deps must be FROM node:<22\|24>.*is node:22-slim$/);
  assert.match(base[1]!, /runtime must be FROM .*is node:20-slim@sha256:/);
});

test('image - a Dockerfile that leaves out an imported folder or needs a dev dependency fails', () => {
  const repo = mkdtempSync(join(tmpdir(), 'sf-image-'));
  copies.push(repo);
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), text);
  };
  write('package.json', JSON.stringify({ dependencies: { nats: '^2' }, devDependencies: { 'fast-check': '^4' } }));
  write('bin/surfinger.mjs', "await import('../cli/main.ts');\n");
  write('cli/main.ts', "import { connect } from 'nats';\nimport type { Arbitrary } from 'fast-check';\nimport { x } from '../protocol/x.ts';\n");
  write('protocol/x.ts', 'export const x = 1;\n');
  write('services/web/main.ts', "import fc from 'fast-check';\n");
  write('Dockerfile', readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/^COPY (protocol|actors|bench|data|services) .*\n/gm, '').replace('COPY package.json tsconfig.json ./', 'COPY package.json ./\nCOPY services ./services').replace('USER 10001:10001', 'USER root'));
  const { problems } = checkImage(repo);
  const messages = problems.map((p) => `${p.subject}: ${p.message}`);
  assert.ok(messages.includes('contents: protocol/x.ts is imported at runtime but not copied into the image'), messages.join('\n'));
  assert.ok(messages.includes('dependencies: services/web/main.ts imports fast-check, which is not a production dependency (npm ci --omit=dev skips it)'), messages.join('\n'));
  assert.ok(messages.some((m) => m.startsWith('user: ')), messages.join('\n'));
  assert.ok(!messages.some((m) => m.startsWith('base: ')), messages.join('\n'));
  // A type-only import of a dev package is erased at runtime and is fine.
  assert.ok(!messages.some((m) => m.includes('cli/main.ts imports fast-check')), messages.join('\n'));
});
