import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { describeIssues, ScaledObject } from './schemas.ts';
import type { Built, K8sObject } from './kustomize.ts';
import { passwordHash, redisUsers, renderAcl } from '../redis/acl.ts';

/**
 * Validation of a built object set: each object against its Kubernetes schema (kubernetes-models)
 * or our CRD schema, then the rules surfinger's deployment relies on (numbered below).
 */

export interface Problem {
  /** File the object came from (relative to the checked directory). */
  file: string;
  /** `Kind/name`, or a file-level subject. */
  subject: string;
  message: string;
}

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: never) => Validatable;

const MODELS: Record<string, ModelClass> = {
  'v1/Namespace': Namespace as unknown as ModelClass,
  'v1/ConfigMap': ConfigMap as unknown as ModelClass,
  'v1/Secret': Secret as unknown as ModelClass,
  'v1/Service': Service as unknown as ModelClass,
  'v1/ServiceAccount': ServiceAccount as unknown as ModelClass,
  'apps/v1/Deployment': Deployment as unknown as ModelClass,
  'apps/v1/StatefulSet': StatefulSet as unknown as ModelClass,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget as unknown as ModelClass,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy as unknown as ModelClass,
  'networking.k8s.io/v1/Ingress': Ingress as unknown as ModelClass,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler as unknown as ModelClass,
};

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);
const name = (o: K8sObject) => `${String(o.kind)}/${String(o.metadata?.name)}`;

interface AjvLikeError {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

function schemaProblems(o: K8sObject): string[] {
  const key = `${String(o.apiVersion)}/${String(o.kind)}`;
  if (key === 'keda.sh/v1alpha1/ScaledObject') {
    const parsed = ScaledObject.safeParse(o);
    return parsed.success ? [] : describeIssues(parsed.error);
  }
  const Model = MODELS[key];
  if (!Model) return [`unknown apiVersion/kind ${key} (no schema to validate it against)`];
  try {
    new Model(structuredClone(o) as never).validate();
    return [];
  } catch (err) {
    const errors = (err as { errors?: AjvLikeError[] }).errors;
    if (!Array.isArray(errors)) return [(err as Error).message];
    return errors.slice(0, 5).map((e) => {
      const missing = e.params?.missingProperty;
      return `${e.instancePath || '(root)'} ${e.message ?? 'invalid'}${typeof missing === 'string' ? ` (${missing})` : ''}`;
    });
  }
}

function podSpec(o: K8sObject): Dict | undefined {
  const spec = (o.spec as Dict | undefined)?.template as Dict | undefined;
  return spec?.spec as Dict | undefined;
}

function podLabels(o: K8sObject): Record<string, string> {
  const meta = ((o.spec as Dict | undefined)?.template as Dict | undefined)?.metadata as Dict | undefined;
  return (meta?.labels as Record<string, string> | undefined) ?? {};
}

function selects(selector: unknown, labels: Record<string, string>): boolean {
  const matchLabels = isDict(selector) && isDict(selector.matchLabels) ? (selector.matchLabels as Record<string, string>) : {};
  return Object.keys(matchLabels).length > 0 && Object.entries(matchLabels).every(([k, v]) => labels[k] === v);
}

export interface RuleOptions {
  /** Services that must each have a Deployment. */
  services: readonly string[];
  /** Minimum terminationGracePeriodSeconds per Deployment (the actor handoff). */
  minGraceSeconds: Record<string, number>;
}

/** Schema + rule problems of one built overlay. */
export function checkObjects(built: Built, options: RuleOptions): Problem[] {
  const problems: Problem[] = [];
  const { objects } = built;
  const add = (o: K8sObject | undefined, message: string, subject?: string) =>
    problems.push({ file: (o && built.source.get(o)) ?? '(build)', subject: subject ?? (o ? name(o) : '(set)'), message });

  const seen = new Set<string>();
  for (const o of objects) {
    const id = `${String(o.kind)}/${String(o.metadata?.namespace ?? '')}/${String(o.metadata?.name)}`;
    if (seen.has(id)) add(o, 'defined more than once');
    seen.add(id);
    for (const message of schemaProblems(o)) add(o, message);
  }

  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  const named = (kind: string, n: string) => objects.find((o) => o.kind === kind && o.metadata?.name === n);
  const deployments = of('Deployment');

  // 1. One Deployment per service.
  for (const svc of options.services) if (!named('Deployment', svc)) add(undefined, `no Deployment for service ${svc}`, `Deployment/${svc}`);

  for (const d of [...deployments, ...of('StatefulSet')]) {
    const spec = podSpec(d);
    if (!spec) continue;
    const labels = podLabels(d);
    // 2. The selector selects the pod template (otherwise the API server rejects the object).
    if (!selects((d.spec as Dict).selector, labels)) add(d, 'spec.selector.matchLabels does not match the pod template labels');
    // 3. Every pod runs as a non-root user under its own ServiceAccount.
    const sa = spec.serviceAccountName;
    if (typeof sa !== 'string' || !named('ServiceAccount', sa)) add(d, `serviceAccountName ${String(sa)} has no ServiceAccount in the build`);
    const podSecurity = isDict(spec.securityContext) ? spec.securityContext : {};
    const containers = Array.isArray(spec.containers) ? (spec.containers as Dict[]) : [];
    for (const c of containers) {
      const cname = `container ${String(c.name)}`;
      const security = isDict(c.securityContext) ? c.securityContext : {};
      if (podSecurity.runAsNonRoot !== true && security.runAsNonRoot !== true) add(d, `${cname}: runAsNonRoot is not set`);
      // 4. Requests and limits for CPU and memory: the scheduler and the HPA need them.
      const res = isDict(c.resources) ? c.resources : {};
      for (const kind of ['requests', 'limits']) {
        const r = isDict(res[kind]) ? (res[kind] as Dict) : {};
        for (const what of ['cpu', 'memory']) if (r[what] === undefined) add(d, `${cname}: resources.${kind}.${what} is missing`);
      }
      // 5. Probes on every long-running service container, on a port the container declares;
      //    liveness on /livez, never on a dependency check.
      if (d.kind === 'Deployment') {
        const ports = new Set(((c.ports as Dict[] | undefined) ?? []).flatMap((p) => [p.name, p.containerPort]));
        for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
          const p = c[probe];
          if (!isDict(p)) {
            add(d, `${cname}: ${probe} is missing`);
            continue;
          }
          const port = isDict(p.httpGet) ? p.httpGet.port : undefined;
          if (port !== undefined && !ports.has(port as string | number)) add(d, `${cname}: ${probe} uses port ${String(port)} the container does not declare`);
          // Liveness asks only whether the process answers: a Redis or NATS outage must not restart
          // every pod at once (readiness takes them out of rotation instead).
          const path = isDict(p.httpGet) ? p.httpGet.path : undefined;
          if (probe === 'livenessProbe' && path !== undefined && path !== '/livez') add(d, `${cname}: livenessProbe checks ${String(path)}; liveness must be /livez (readiness may check dependencies)`);
        }
      }
      // 6. Referenced ConfigMaps exist in the build (Secrets are created out of band).
      for (const ref of (c.envFrom as Dict[] | undefined) ?? []) {
        const cm = isDict(ref.configMapRef) ? ref.configMapRef.name : undefined;
        if (typeof cm === 'string' && !named('ConfigMap', cm)) add(d, `${cname}: envFrom ConfigMap ${cm} is not in the build`);
      }
    }
    const min = options.minGraceSeconds[String(d.metadata?.name)];
    const grace = spec.terminationGracePeriodSeconds;
    // 7. Long enough grace for a graceful handoff.
    if (min !== undefined && (typeof grace !== 'number' || grace < min)) add(d, `terminationGracePeriodSeconds is ${String(grace)}; the handoff needs at least ${min}`);
    // 8. A PodDisruptionBudget covers every Deployment, so node drains go one pod at a time.
    if (d.kind === 'Deployment' && !of('PodDisruptionBudget').some((pdb) => selects((pdb.spec as Dict | undefined)?.selector, labels))) add(d, 'no PodDisruptionBudget selects its pods');
  }

  // 9. Autoscalers point at Deployments that exist, and no Deployment has two autoscalers.
  const scaled = new Map<string, K8sObject>();
  const targetOf = (o: K8sObject) => {
    const ref = (o.spec as Dict | undefined)?.scaleTargetRef;
    return isDict(ref) && typeof ref.name === 'string' ? ref.name : undefined;
  };
  for (const a of [...of('HorizontalPodAutoscaler'), ...of('ScaledObject')]) {
    const target = targetOf(a);
    if (!target || !named('Deployment', target)) add(a, `scaleTargetRef ${String(target)} is not a Deployment in the build`);
    else if (scaled.has(target)) add(a, `Deployment ${target} is already scaled by ${name(scaled.get(target)!)}`);
    else scaled.set(target, a);
  }

  // 10. Default deny: a NetworkPolicy selecting every pod with both policy types and no rules.
  const denyAll = of('NetworkPolicy').some((np) => {
    const spec = np.spec as Dict;
    const types = Array.isArray(spec.policyTypes) ? spec.policyTypes : [];
    return isDict(spec.podSelector) && Object.keys(spec.podSelector).length === 0 && types.includes('Ingress') && types.includes('Egress') && !spec.ingress && !spec.egress;
  });
  if (!denyAll) add(undefined, 'no default-deny NetworkPolicy (empty podSelector, Ingress+Egress, no rules)', 'NetworkPolicy/*');

  // 11. Services route to pods that exist.
  for (const svc of of('Service')) {
    const selector = (svc.spec as Dict | undefined)?.selector as Record<string, string> | undefined;
    if (selector && ![...deployments, ...of('StatefulSet')].some((w) => Object.entries(selector).every(([k, v]) => podLabels(w)[k] === v))) add(svc, 'selector matches no workload');
  }

  redisAuthProblems(objects, named, add);
  return problems;
}

const REDIS_SECRET = 'surfinger-redis';

/**
 * 12. Redis runs with its ACL (deploy/redis/acl.ts): each Redis-using Deployment authenticates as
 * its own user, the password from the Secret; the data nodes load users.acl from that Secret; and a
 * Secret the build generates (dev) has a users.acl that matches its passwords.
 */
function redisAuthProblems(objects: K8sObject[], named: (kind: string, n: string) => K8sObject | undefined, add: (o: K8sObject | undefined, message: string, subject?: string) => void): void {
  const envOf = (c: Dict) => new Map(((c.env as Dict[] | undefined) ?? []).map((e) => [String(e.name), e]));
  for (const u of redisUsers()) {
    const d = named('Deployment', u.user);
    const c = d && ((podSpec(d)?.containers as Dict[] | undefined) ?? [])[0];
    if (!d || !c) continue;
    const env = envOf(c);
    if (env.get('SF_REDIS_USER')?.value !== u.user) add(d, `SF_REDIS_USER must be ${u.user} (its Redis ACL user)`);
    const ref = (env.get('SF_REDIS_PASS')?.valueFrom as Dict | undefined)?.secretKeyRef as Dict | undefined;
    if (ref?.name !== REDIS_SECRET || ref.key !== u.user) add(d, `SF_REDIS_PASS must come from Secret ${REDIS_SECRET} key ${u.user}`);
  }
  const redis = named('StatefulSet', 'redis');
  if (redis) {
    const volumes = (podSpec(redis)?.volumes as Dict[] | undefined) ?? [];
    const acl = volumes.find((v) => isDict(v.secret) && v.secret.secretName === REDIS_SECRET);
    const mounted = acl && ((podSpec(redis)?.containers as Dict[] | undefined) ?? []).find((c) => c.name === 'redis' && ((c.volumeMounts as Dict[] | undefined) ?? []).some((m) => m.name === acl.name));
    const script = String((named('ConfigMap', 'redis-scripts')?.data as Dict | undefined)?.['redis.sh'] ?? '');
    if (!mounted || !/aclfile \S+\/users\.acl/.test(script) || !/masteruser admin/.test(script)) add(redis, `redis must mount Secret ${REDIS_SECRET} and run with its users.acl as aclfile and masteruser admin`);
  }
  const secret = named('Secret', REDIS_SECRET);
  const data = secret?.data as Record<string, string> | undefined;
  if (secret && data) {
    const plain = (key: string) => (data[key] === undefined ? undefined : Buffer.from(data[key], 'base64').toString('utf8'));
    const users = redisUsers();
    const missing = [...users.map((u) => u.user), 'admin'].filter((u) => plain(u) === undefined);
    if (missing.length > 0) add(secret, `no password for ${missing.join(', ')}`);
    else if (plain('users.acl') !== renderAcl(users, (u) => passwordHash(plain(u)!))) add(secret, 'users.acl does not match its passwords: re-render it with deploy/redis/generate.ts');
  }
}
