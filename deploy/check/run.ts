import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { SERVICE_NAMES } from '../../services/local/cluster.ts';
import { natsUsers, renderAuthConf } from '../nats/permissions.ts';
import { checkImage, walkImports } from './image.ts';
import { build, KustomizeError, type Built, type K8sObject } from './kustomize.ts';
import { checkObjects, type Problem } from './k8s-rules.ts';
import { AdapterValues, describeIssues, GrafanaDashboard, NatsValues, PrometheusRules } from './schemas.ts';

/**
 * Every offline deployment check, over a deploy/ directory (the real one, or a copy in tests):
 * 1. each kustomization (base, every overlay) builds, and every object in it is valid and follows
 *    the rules in k8s-rules.ts; no YAML file under k8s/ is left unreferenced; where `kubectl` is
 *    installed, its own `kubectl kustomize` builds the same objects and autoscaler bounds as ours;
 *    an overlay `<name>-keda` scales within the bounds of `<name>`'s HPA;
 * 2. nats/auth.conf is what the generator derives from protocol/ and `nats-server -t` parses it;
 *    nats/values.yaml matches its schema and passes every auth.conf password in from the Secret;
 *    each Deployment's NATS user exists in auth.conf;
 * 3. prometheus-adapter/values.yaml serves every custom metric an HPA asks for;
 * 4. grafana/surfinger.json is a dashboard charting every metric operators must watch, and
 *    prometheus/alerts.yaml alerts only on metrics that exist;
 * 5. the Dockerfile next to the deploy/ directory builds an image that holds what the services
 *    import (image.ts), compose.yaml runs every service from it, and each Deployment's
 *    NetworkPolicy labels match what its code imports (Redis, Slack).
 */

export interface Section {
  name: string;
  /** One line of facts when it passed (objects built, users checked…). */
  summary: string;
  problems: Problem[];
}

/** Metrics the services export and operators chart (issue 9); the metrics test scrapes them too. */
export const WATCHED_METRICS = [
  'sf_games_active',
  'sf_games_started_total',
  'sf_games_finished_total',
  'sf_answer_latency_seconds',
  'sf_sockets_open',
  'sf_egress_429_total',
  'sf_lease_renew_failures_total',
] as const;

/** Exported for alert rules only, not charted: how many sockets the delivery mode wants (0 in http). */
const ALERT_ONLY_METRICS = ['sf_sockets_wanted'] as const;

/** What the watchdog itself exports (services/watchdog/service.ts). */
const WATCHDOG_METRICS = ['sf_consumer_pending', 'sf_services_up', 'sf_alerts_total'] as const;

/** The actor handoff (snapshot, release leases, drain) needs this much grace before SIGKILL. */
const MIN_GRACE = { 'actor-host': 30 };

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);

function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(entry) ? [path] : [];
  });
}

function readStructured(root: string, path: string, problems: Problem[], subject: string): unknown {
  const file = join(root, path);
  try {
    const text = readFileSync(file, 'utf8');
    return path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    problems.push({ file: path, subject, message: `cannot read or parse: ${(err as Error).message}` });
    return undefined;
  }
}

function checkKustomize(root: string): { sections: Section[]; base?: Built } {
  const k8s = join(root, 'k8s');
  const overlaysDir = join(k8s, 'overlays');
  const targets = [join(k8s, 'base'), ...(existsSync(overlaysDir) ? readdirSync(overlaysDir).map((o) => join(overlaysDir, o)).filter((p) => statSync(p).isDirectory()) : [])];
  const read = new Set<string>();
  const sections: Section[] = [];
  const builds = new Map<string, Built>();
  let base: Built | undefined;
  for (const dir of targets) {
    const label = `kustomize ${relative(k8s, dir)}`;
    try {
      const built = build(dir, root);
      builds.set(relative(k8s, dir), built);
      for (const f of built.filesRead) read.add(f);
      if (dir.endsWith('base')) base = built;
      const problems = checkObjects(built, { services: SERVICE_NAMES, minGraceSeconds: MIN_GRACE });
      const kinds = new Map<string, number>();
      for (const o of built.objects) kinds.set(String(o.kind), (kinds.get(String(o.kind)) ?? 0) + 1);
      sections.push({ name: label, summary: `${built.objects.length} objects (${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')})`, problems });
    } catch (err) {
      if (!(err instanceof KustomizeError)) throw err;
      sections.push({ name: label, summary: '', problems: [{ file: err.file, subject: 'build', message: err.message.slice(err.file.length + 2) }] });
    }
  }
  const orphans = yamlFiles(k8s).filter((f) => !read.has(f));
  sections.push({
    name: 'kustomize references',
    summary: `${read.size} files referenced`,
    problems: orphans.map((f) => ({ file: relative(root, f), subject: 'file', message: 'not referenced by any kustomization (it would never be deployed)' })),
  });
  sections.push(checkKedaBounds(builds), checkRealKustomize(k8s, builds));
  return { sections, ...(base ? { base } : {}) };
}

/** `kind namespace/name` of every object, and each autoscaler's replica bounds: what two builds must agree on. */
function fingerprint(objects: readonly K8sObject[]): { names: string[]; bounds: Map<string, string> } {
  const names: string[] = [];
  const bounds = new Map<string, string>();
  for (const o of objects) {
    const meta = isDict(o.metadata) ? o.metadata : {};
    const name = `${String(o.kind)} ${String(meta.namespace ?? '')}/${String(meta.name)}`;
    names.push(name);
    const spec = isDict(o.spec) ? o.spec : {};
    if (o.kind === 'HorizontalPodAutoscaler') bounds.set(name, `${String(spec.minReplicas)}..${String(spec.maxReplicas)}`);
    if (o.kind === 'ScaledObject') bounds.set(name, `${String(spec.minReplicaCount)}..${String(spec.maxReplicaCount)}`);
  }
  return { names: names.sort(), bounds };
}

/** Switching an overlay to KEDA must not change how far it scales: `<name>-keda` keeps `<name>`'s HPA bounds. */
function checkKedaBounds(builds: ReadonlyMap<string, Built>): Section {
  const problems: Problem[] = [];
  let pairs = 0;
  for (const [label, built] of builds) {
    const plain = builds.get(label.replace(/-keda$/, ''));
    if (!label.endsWith('-keda') || !plain) continue;
    const hpas = new Map(plain.objects.filter((o) => o.kind === 'HorizontalPodAutoscaler').map((o) => [String((o.metadata as Dict).name), (o.spec ?? {}) as Dict]));
    for (const so of built.objects.filter((o) => o.kind === 'ScaledObject')) {
      const spec = (so.spec ?? {}) as Dict;
      const target = String((spec.scaleTargetRef as Dict | undefined)?.name);
      const hpa = hpas.get(target);
      if (!hpa) continue;
      pairs += 1;
      if (spec.minReplicaCount !== hpa.minReplicas || spec.maxReplicaCount !== hpa.maxReplicas) {
        problems.push({ file: `k8s/${label}`, subject: `ScaledObject ${target}`, message: `scales ${String(spec.minReplicaCount)}..${String(spec.maxReplicaCount)} but ${basename(label.replace(/-keda$/, ''))}'s HPA ${String(hpa.minReplicas)}..${String(hpa.maxReplicas)}` });
      }
    }
  }
  return { name: 'keda bounds', summary: `${pairs} ScaledObject${pairs === 1 ? '' : 's'} match their overlay's HPA`, problems };
}

/** Where kubectl is installed, its own kustomize must build what ours builds (ours is a subset of kustomize). */
function checkRealKustomize(k8s: string, builds: ReadonlyMap<string, Built>): Section {
  const name = 'kubectl kustomize';
  const problems: Problem[] = [];
  let compared = 0;
  for (const [label, built] of builds) {
    const result = spawnSync('kubectl', ['kustomize', join(k8s, label)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return { name, summary: 'kubectl not installed; skipped', problems: [] };
    const file = `k8s/${label}`;
    if (result.status !== 0) {
      problems.push({ file, subject: 'build', message: (result.stderr || String(result.error)).trim().slice(0, 300) });
      continue;
    }
    const theirs = fingerprint(parseAllDocuments(result.stdout).map((d) => d.toJS() as K8sObject).filter((o) => o !== null));
    const ours = fingerprint(built.objects);
    compared += 1;
    const missing = theirs.names.filter((n) => !ours.names.includes(n));
    const extra = ours.names.filter((n) => !theirs.names.includes(n));
    if (missing.length > 0 || extra.length > 0) problems.push({ file, subject: 'objects', message: `kubectl builds ${missing.join(', ') || 'nothing more'}; ours also builds ${extra.join(', ') || 'nothing more'}` });
    for (const [object, bounds] of theirs.bounds) {
      if (ours.bounds.get(object) !== bounds) problems.push({ file, subject: object, message: `kubectl scales it ${bounds}, ours ${ours.bounds.get(object) ?? 'not at all'}` });
    }
  }
  return { name, summary: `${compared} kustomizations build the same objects and bounds`, problems };
}

function natsServerTest(authConf: string): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'sf-deploy-check-'));
  try {
    // nats-server resolves includes relative to the including file, so both go in one directory.
    copyFileSync(authConf, join(dir, 'auth.conf'));
    writeFileSync(join(dir, 'nats.conf'), 'listen: 127.0.0.1:4222\nhttp: 127.0.0.1:8222\njetstream { store_dir: "./js" }\ninclude ./auth.conf\n');
    const env = { ...process.env, ...Object.fromEntries(natsUsers().map((u) => [u.passwordEnv, 'deploy-check'])) };
    const result = spawnSync('nats-server', ['-t', '-c', join(dir, 'nats.conf')], { encoding: 'utf8', env });
    if (result.error) return `cannot run nats-server: ${result.error.message}`;
    if (result.status !== 0) return `nats-server -t: ${(result.stderr || result.stdout).trim().replaceAll(dir, '')}`;
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function checkNats(root: string, base: Built | undefined): Section {
  const problems: Problem[] = [];
  const users = natsUsers();
  const authPath = join(root, 'nats', 'auth.conf');
  if (!existsSync(authPath)) problems.push({ file: 'nats/auth.conf', subject: 'file', message: 'missing' });
  else {
    if (readFileSync(authPath, 'utf8') !== renderAuthConf(users)) {
      problems.push({ file: 'nats/auth.conf', subject: 'drift', message: 'differs from the generator; run `node --import tsx deploy/nats/generate.ts`' });
    }
    const failure = natsServerTest(authPath);
    if (failure) problems.push({ file: 'nats/auth.conf', subject: 'nats-server -t', message: failure });
  }

  const raw = readStructured(root, 'nats/values.yaml', problems, 'helm values');
  if (raw !== undefined) {
    const parsed = NatsValues.safeParse(raw);
    if (!parsed.success) for (const m of describeIssues(parsed.error)) problems.push({ file: 'nats/values.yaml', subject: 'schema', message: m });
    else {
      const v = parsed.data;
      if (!Object.entries(v.config.merge).some(([k, val]) => k.endsWith('$include') && val === 'auth.conf')) {
        problems.push({ file: 'nats/values.yaml', subject: 'config.merge', message: 'does not include auth.conf (`00$include: auth.conf`)' });
      }
      for (const u of users) {
        const env = v.container.env[u.passwordEnv];
        const ref = typeof env === 'object' ? env.valueFrom.secretKeyRef : undefined;
        if (!ref || ref.key !== u.user) problems.push({ file: 'nats/values.yaml', subject: 'container.env', message: `${u.passwordEnv} must come from a Secret key "${u.user}"` });
      }
      for (const key of Object.keys(v.container.env)) {
        if (key.startsWith('SF_NATS_PASS_') && !users.some((u) => u.passwordEnv === key)) problems.push({ file: 'nats/values.yaml', subject: 'container.env', message: `${key} names no user in auth.conf` });
      }
    }
  }

  // Each service connects as a user auth.conf defines, with that user's password.
  for (const d of base?.objects.filter((o) => o.kind === 'Deployment') ?? []) {
    const c = (((d.spec as Dict).template as Dict).spec as Dict).containers as Dict[] | undefined;
    const env = (c?.[0]?.env as Dict[] | undefined) ?? [];
    const user = env.find((e) => e.name === 'SF_NATS_USER')?.value;
    const pass = ((env.find((e) => e.name === 'SF_NATS_PASS')?.valueFrom as Dict | undefined)?.secretKeyRef as Dict | undefined)?.key;
    const file = base?.source.get(d) ?? 'k8s/base';
    if (!users.some((u) => u.user === user)) problems.push({ file, subject: `Deployment/${String(d.metadata?.name)}`, message: `SF_NATS_USER ${String(user)} is not a user in auth.conf` });
    else if (pass !== user) problems.push({ file, subject: `Deployment/${String(d.metadata?.name)}`, message: `SF_NATS_PASS must come from Secret key "${String(user)}"` });
  }
  return { name: 'nats', summary: `${users.length} users, nats-server -t OK, Helm values OK`, problems };
}

function hpaMetricNames(objects: K8sObject[]): string[] {
  return objects
    .filter((o) => o.kind === 'HorizontalPodAutoscaler')
    .flatMap((o) => ((o.spec as Dict).metrics as Dict[] | undefined) ?? [])
    .filter((m) => m.type === 'Pods')
    .map((m) => String(((m.pods as Dict).metric as Dict).name));
}

function checkAdapter(root: string, base: Built | undefined): Section {
  const problems: Problem[] = [];
  const raw = readStructured(root, 'prometheus-adapter/values.yaml', problems, 'helm values');
  if (raw !== undefined) {
    const parsed = AdapterValues.safeParse(raw);
    if (!parsed.success) for (const m of describeIssues(parsed.error)) problems.push({ file: 'prometheus-adapter/values.yaml', subject: 'schema', message: m });
    else {
      const served = new Set(parsed.data.rules.custom.map((r) => r.name.as));
      for (const metric of hpaMetricNames(base?.objects ?? [])) {
        if (!served.has(metric)) problems.push({ file: 'prometheus-adapter/values.yaml', subject: 'rules.custom', message: `no rule serves ${metric}, which an HPA scales on` });
      }
    }
  }
  return { name: 'prometheus-adapter', summary: 'custom metric rules cover the HPAs', problems };
}

/** Alert expressions name only metrics some service exports (a typo would never fire). */
function checkAlertRules(root: string): Section {
  const problems: Problem[] = [];
  const raw = readStructured(root, 'prometheus/alerts.yaml', problems, 'rules');
  let count = 0;
  if (raw !== undefined) {
    const parsed = PrometheusRules.safeParse(raw);
    if (!parsed.success) for (const m of describeIssues(parsed.error)) problems.push({ file: 'prometheus/alerts.yaml', subject: 'schema', message: m });
    else {
      const known = new Set<string>([...WATCHED_METRICS, ...WATCHDOG_METRICS, ...ALERT_ONLY_METRICS]);
      for (const rule of parsed.data.groups.flatMap((g) => g.rules)) {
        count++;
        for (const metric of rule.expr.match(/\bsf_[a-z0-9_]+/g) ?? []) {
          if (!known.has(metric.replace(/_(bucket|sum|count)$/, ''))) problems.push({ file: 'prometheus/alerts.yaml', subject: rule.alert, message: `${metric} is not a metric surfinger exports` });
        }
      }
    }
  }
  return { name: 'prometheus alerts', summary: `${count} rules`, problems };
}

function checkGrafana(root: string): Section {
  const problems: Problem[] = [];
  const raw = readStructured(root, 'grafana/surfinger.json', problems, 'dashboard');
  let panels = 0;
  if (raw !== undefined) {
    const parsed = GrafanaDashboard.safeParse(raw);
    if (!parsed.success) for (const m of describeIssues(parsed.error)) problems.push({ file: 'grafana/surfinger.json', subject: 'schema', message: m });
    else {
      panels = parsed.data.panels.length;
      const exprs = parsed.data.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
      for (const metric of WATCHED_METRICS) if (!exprs.includes(metric)) problems.push({ file: 'grafana/surfinger.json', subject: 'panels', message: `no panel charts ${metric}` });
    }
  }
  return { name: 'grafana', summary: `${panels} panels`, problems };
}

/** compose.yaml runs every service from the image, two actor hosts, JetStream and monitoring. */
function checkCompose(repo: string): Section {
  const problems: Problem[] = [];
  const add = (subject: string, message: string) => problems.push({ file: 'compose.yaml', subject, message });
  let doc: unknown;
  try {
    // Compose files share settings through YAML merge keys (`<<: *service`).
    doc = parseYaml(readFileSync(join(repo, 'compose.yaml'), 'utf8'), { merge: true });
  } catch (err) {
    add('yaml', `cannot parse: ${(err as Error).message}`);
  }
  const services = ((doc as Dict | undefined)?.services ?? {}) as Record<string, Dict>;
  const kinds = new Map<string, number>();
  for (const [name, svc] of Object.entries(services)) {
    if (name === 'nats' || name === 'redis') continue;
    const kind = Array.isArray(svc.command) ? String(svc.command[0]) : '';
    if (!(SERVICE_NAMES as readonly string[]).includes(kind)) add(name, `command must name a service (${SERVICE_NAMES.join(', ')}), is ${kind || 'missing'}`);
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    if (!isDict(svc.healthcheck)) add(name, 'no healthcheck');
  }
  for (const kind of SERVICE_NAMES) if (!kinds.has(kind)) add('services', `no container runs ${kind}`);
  if ((kinds.get('actor-host') ?? 0) < 2) add('services', 'needs at least two actor hosts');
  const nats = services.nats?.command;
  if (!Array.isArray(nats) || !nats.includes('--jetstream') || !nats.includes('--http_port')) add('nats', 'must run with --jetstream and a monitoring --http_port');
  if (!services.redis) add('services', 'no redis');
  return { name: 'compose', summary: `${Object.keys(services).length} containers, ${kinds.get('actor-host') ?? 0} actor hosts`, problems };
}

/**
 * NetworkPolicy opt-in labels follow the code: a service whose imports reach ioredis needs
 * `surfinger.io/redis`, one that reaches a Slack SDK needs `surfinger.io/slack`, and one that
 * reaches neither must not have the label (least privilege).
 */
function checkNetworkLabels(repo: string, base: Built | undefined): Section {
  const problems: Problem[] = [];
  const paths = [
    { label: 'surfinger.io/redis', what: 'Redis', needs: (pkgs: Set<string>) => pkgs.has('ioredis') },
    { label: 'surfinger.io/slack', what: 'Slack', needs: (pkgs: Set<string>) => [...pkgs].some((p) => p.startsWith('@slack/')) },
  ];
  for (const kind of SERVICE_NAMES) {
    const d = base?.objects.find((o) => o.kind === 'Deployment' && o.metadata?.name === kind);
    const main = join(repo, 'services', kind, 'main.ts');
    if (!d || !existsSync(main)) continue;
    const pkgs = new Set(walkImports(repo, [main]).packages.keys());
    const labels = ((((d.spec as Dict).template as Dict).metadata as Dict).labels ?? {}) as Record<string, string>;
    for (const p of paths) {
      const has = labels[p.label] === 'true';
      const file = base?.source.get(d) ?? 'k8s/base';
      if (p.needs(pkgs) && !has) problems.push({ file, subject: `Deployment/${kind}`, message: `its code uses ${p.what} but its pods lack ${p.label}: the NetworkPolicy would block it` });
      if (!p.needs(pkgs) && has) problems.push({ file, subject: `Deployment/${kind}`, message: `has ${p.label} but its code never uses ${p.what} (least privilege)` });
    }
  }
  return { name: 'network labels', summary: 'Redis and Slack access match each service\'s imports', problems };
}

function checkRepoFiles(root: string, base: Built | undefined): Section[] {
  const repo = dirname(root);
  // A copy of deploy/ alone (tests) has no repository around it.
  if (!existsSync(join(repo, 'Dockerfile'))) return [];
  const { problems, facts } = checkImage(repo);
  return [
    { name: 'image', summary: `${facts.files} runtime files inside ${facts.copied.join(' ')}; ${facts.packages.length} production packages`, problems },
    checkCompose(repo),
    checkNetworkLabels(repo, base),
  ];
}

export function runDeployCheck(root: string): Section[] {
  const { sections, base } = checkKustomize(root);
  return [...sections, checkNats(root, base), checkAdapter(root, base), checkGrafana(root), checkAlertRules(root), ...checkRepoFiles(root, base)];
}

/** The human report: one line per section, then one line per problem naming file and object. */
export function formatReport(root: string, sections: Section[]): string {
  const lines = [`deploy:check ${root}`];
  for (const s of sections) {
    lines.push(`${s.problems.length === 0 ? 'ok  ' : 'FAIL'} ${s.name}${s.problems.length === 0 && s.summary ? `: ${s.summary}` : ''}`);
    for (const p of s.problems) lines.push(`       ${p.file}  ${p.subject}: ${p.message}`);
  }
  const total = sections.reduce((n, s) => n + s.problems.length, 0);
  lines.push(total === 0 ? 'all checks passed' : `${total} problem${total === 1 ? '' : 's'}`);
  return lines.join('\n');
}
