import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * An offline `kustomize build` for the subset of kustomize deploy/k8s uses, so CI can check the
 * overlays without the kustomize binary. Anything outside the subset is reported as a problem
 * rather than silently ignored, so a manifest cannot pass here and fail in the real tool.
 *
 * Supported: resources (files and directories), components, namespace, labels (pairs),
 * images, replicas, patches / patchesStrategicMerge (strategic merge, with or without target,
 * `$patch: delete`), configMapGenerator / secretGenerator with literals and
 * `generatorOptions.disableNameSuffixHash: true`.
 */

export type K8sObject = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
};

export class KustomizeError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'KustomizeError';
  }
}

export interface Built {
  objects: K8sObject[];
  /** The file each object came from (for error messages), keyed by object identity. */
  source: WeakMap<K8sObject, string>;
  /** Every YAML file the build read, so the checker can flag files nothing references. */
  filesRead: Set<string>;
}

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const SUPPORTED_KEYS = new Set([
  'apiVersion',
  'kind',
  'resources',
  'components',
  'namespace',
  'labels',
  'images',
  'replicas',
  'patches',
  'patchesStrategicMerge',
  'configMapGenerator',
  'secretGenerator',
  'generatorOptions',
]);
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'StorageClass', 'PriorityClass']);
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);

function readYamlDocs(file: string, root: string): unknown[] {
  const shown = relative(root, file) || file;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new KustomizeError(shown, `cannot read: ${(err as Error).message}`);
  }
  const docs = parseAllDocuments(text);
  const out: unknown[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new KustomizeError(shown, `invalid YAML: ${doc.errors[0]!.message}`);
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

function findKustomization(dir: string): string | undefined {
  return KUSTOMIZATION_FILES.map((f) => join(dir, f)).find((f) => existsSync(f));
}

/** Builds the kustomization in `dir`; paths in errors are relative to `root`. */
export function build(dir: string, root: string = dir): Built {
  const built: Built = { objects: [], source: new WeakMap(), filesRead: new Set() };
  buildInto(resolve(dir), resolve(root), built, false);
  return built;
}

function buildInto(dir: string, root: string, built: Built, asComponent: boolean): void {
  const file = findKustomization(dir);
  const shown = (f: string) => relative(root, f) || f;
  if (!file) throw new KustomizeError(shown(dir), 'no kustomization.yaml in this directory');
  built.filesRead.add(file);
  const [k] = readYamlDocs(file, root);
  if (!isDict(k)) throw new KustomizeError(shown(file), 'kustomization is not a mapping');
  const fail = (message: string): never => {
    throw new KustomizeError(shown(file), message);
  };
  for (const key of Object.keys(k)) if (!SUPPORTED_KEYS.has(key)) fail(`field "${key}" is not supported by the offline builder`);
  if (asComponent !== (k.kind === 'Component')) fail(asComponent ? 'listed under components but kind is not Component' : 'a Component must be listed under components');

  // 1. resources: files add objects, directories add their own build output.
  const own: K8sObject[] = [];
  for (const entry of list(k.resources, 'resources', fail)) {
    const path = resolve(dir, String(entry));
    if (!existsSync(path)) fail(`resource ${String(entry)} does not exist`);
    if (statSync(path).isDirectory()) {
      const sub: Built = { objects: [], source: built.source, filesRead: built.filesRead };
      buildInto(path, root, sub, false);
      own.push(...sub.objects);
    } else {
      built.filesRead.add(path);
      for (const doc of readYamlDocs(path, root)) {
        if (!isDict(doc) || typeof doc.kind !== 'string' || !isDict(doc.metadata) || typeof doc.metadata.name !== 'string') {
          fail(`${String(entry)}: every document needs kind and metadata.name`);
        }
        const obj = doc as K8sObject;
        built.source.set(obj, shown(path));
        own.push(obj);
      }
    }
  }
  // A component adds its resources to the parent's and transforms the whole accumulated set.
  built.objects.push(...own);

  // 2. generators.
  const generated = generators(k, file, fail, (entry) => {
    const path = resolve(dir, entry);
    if (!existsSync(path)) fail(`generator file ${entry} does not exist`);
    built.filesRead.add(path);
    return readFileSync(path, 'utf8');
  });
  for (const obj of generated) built.source.set(obj, shown(file));
  built.objects.push(...generated);

  // 3. components.
  for (const entry of list(k.components, 'components', fail)) {
    const path = resolve(dir, String(entry));
    if (!existsSync(path) || !statSync(path).isDirectory()) fail(`component ${String(entry)} is not a directory`);
    buildInto(path, root, built, true);
  }

  // 4. transformers, in kustomize's order: patches, then namespace/labels/images/replicas.
  for (const patch of patchList(k, dir, root, built, fail)) applyPatch(built, patch.doc, patch.target, `${patch.origin}`, fail);
  for (const r of list(k.replicas, 'replicas', fail)) {
    if (!isDict(r) || typeof r.name !== 'string' || typeof r.count !== 'number') fail('replicas entries need name and count');
    const rr = r as { name: string; count: number };
    const targets = built.objects.filter((o) => WORKLOADS.has(String(o.kind)) && o.metadata?.name === rr.name);
    if (targets.length === 0) fail(`replicas: no workload named ${rr.name}`);
    for (const t of targets) (t.spec as Dict).replicas = rr.count;
  }
  for (const img of list(k.images, 'images', fail)) {
    if (!isDict(img) || typeof img.name !== 'string') fail('images entries need a name');
    const im = img as { name: string; newName?: string; newTag?: string };
    for (const c of allContainers(built.objects)) {
      const image = String(c.image ?? '');
      const [name, tag] = splitImage(image);
      if (name !== im.name) continue;
      c.image = `${im.newName ?? name}${im.newTag ? `:${im.newTag}` : tag ? `:${tag}` : ''}`;
    }
  }
  if (k.labels !== undefined) {
    for (const entry of list(k.labels, 'labels', fail)) {
      if (!isDict(entry) || !isDict(entry.pairs)) fail('labels entries need pairs');
      if ((entry as Dict).includeSelectors === true) fail('labels.includeSelectors would change immutable selectors; not supported');
      const pairs = (entry as { pairs: Record<string, string> }).pairs;
      for (const o of built.objects) o.metadata = { ...o.metadata, labels: { ...o.metadata?.labels, ...pairs } };
    }
  }
  if (k.namespace !== undefined) {
    if (typeof k.namespace !== 'string') fail('namespace must be a string');
    for (const o of built.objects) if (!CLUSTER_SCOPED.has(String(o.kind))) o.metadata = { ...o.metadata, namespace: k.namespace as string };
  }
}

function list(value: unknown, field: string, fail: (m: string) => never): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(`${field} must be a list`);
  return value as unknown[];
}

function splitImage(image: string): [string, string | undefined] {
  const at = image.indexOf('@');
  if (at >= 0) return [image.slice(0, at), undefined];
  const colon = image.lastIndexOf(':');
  return colon > image.lastIndexOf('/') ? [image.slice(0, colon), image.slice(colon + 1)] : [image, undefined];
}

/** Every container of every pod template (workloads) in the set. */
export function allContainers(objects: K8sObject[]): Dict[] {
  const out: Dict[] = [];
  for (const o of objects) {
    const podSpec = ((o.spec as Dict | undefined)?.template as Dict | undefined)?.spec as Dict | undefined;
    if (!podSpec) continue;
    for (const key of ['containers', 'initContainers']) if (Array.isArray(podSpec[key])) out.push(...(podSpec[key] as Dict[]).filter(isDict));
  }
  return out;
}

/** `readFile` reads a generator's `files:` entry relative to its kustomization. */
function generators(k: Dict, file: string, fail: (m: string) => never, readFile: (path: string) => string): K8sObject[] {
  const gens = [
    ...list(k.configMapGenerator, 'configMapGenerator', fail).map((g) => ({ g, kind: 'ConfigMap' as const })),
    ...list(k.secretGenerator, 'secretGenerator', fail).map((g) => ({ g, kind: 'Secret' as const })),
  ];
  if (gens.length === 0) return [];
  const options = isDict(k.generatorOptions) ? k.generatorOptions : {};
  // Hashed names are rewritten into every reference by kustomize; we do not emulate that.
  if (options.disableNameSuffixHash !== true) fail(`${file}: generators need generatorOptions.disableNameSuffixHash: true`);
  return gens.map(({ g, kind }) => {
    if (!isDict(g) || typeof g.name !== 'string') fail(`${kind} generator needs a name`);
    const gen = g as { name: string; literals?: unknown; files?: unknown; envs?: unknown };
    if (gen.envs !== undefined) fail(`${kind} generator ${gen.name}: only literals and files are supported`);
    const data: Record<string, string> = {};
    const put = (key: string, value: string) => (data[key] = kind === 'Secret' ? Buffer.from(value).toString('base64') : value);
    for (const lit of list(gen.literals, 'literals', fail)) {
      const text = String(lit);
      const eq = text.indexOf('=');
      if (eq <= 0) fail(`${kind} generator ${gen.name}: literal "${text}" is not KEY=VALUE`);
      put(text.slice(0, eq), text.slice(eq + 1));
    }
    // `key=path`, or a bare path whose file name is the key (as kustomize).
    for (const entry of list(gen.files, 'files', fail)) {
      const text = String(entry);
      const eq = text.indexOf('=');
      const path = eq > 0 ? text.slice(eq + 1) : text;
      put(eq > 0 ? text.slice(0, eq) : path.split('/').pop()!, readFile(path));
    }
    return kind === 'Secret'
      ? { apiVersion: 'v1', kind, metadata: { name: gen.name }, type: 'Opaque', data }
      : { apiVersion: 'v1', kind, metadata: { name: gen.name }, data };
  });
}

interface PatchTarget {
  kind?: string;
  name?: string;
  labelSelector?: string;
}

function patchList(k: Dict, dir: string, root: string, built: Built, fail: (m: string) => never): Array<{ doc: Dict; target?: PatchTarget; origin: string }> {
  const out: Array<{ doc: Dict; target?: PatchTarget; origin: string }> = [];
  const fromFile = (path: string, target?: PatchTarget) => {
    const full = resolve(dir, path);
    if (!existsSync(full)) fail(`patch ${path} does not exist`);
    built.filesRead.add(full);
    for (const doc of readYamlDocs(full, root)) {
      if (!isDict(doc)) fail(`patch ${path} is not a strategic merge patch (JSON 6902 patches are not supported)`);
      out.push({ doc: doc as Dict, ...(target ? { target } : {}), origin: relative(root, full) });
    }
  };
  for (const p of list(k.patches, 'patches', fail)) {
    if (!isDict(p)) fail('patches entries must be mappings');
    const entry = p as { path?: string; patch?: string; target?: PatchTarget };
    if (entry.path) fromFile(entry.path, entry.target);
    else if (typeof entry.patch === 'string') {
      for (const doc of parseAllDocuments(entry.patch).map((d) => d.toJS() as unknown)) {
        if (!isDict(doc)) fail('inline patch is not a strategic merge patch');
        out.push({ doc: doc as Dict, ...(entry.target ? { target: entry.target } : {}), origin: relative(root, findKustomization(dir) ?? dir) });
      }
    } else fail('patches entries need path or patch');
  }
  for (const path of list(k.patchesStrategicMerge, 'patchesStrategicMerge', fail)) fromFile(String(path));
  return out;
}

function matchesSelector(labels: Record<string, string> | undefined, selector: string): boolean {
  return selector.split(',').every((term) => {
    const [key, value] = term.split('=').map((s) => s.trim());
    return key !== undefined && value !== undefined && labels?.[key] === value;
  });
}

function applyPatch(built: Built, patch: Dict, target: PatchTarget | undefined, origin: string, fail: (m: string) => never): void {
  const meta = isDict(patch.metadata) ? patch.metadata : {};
  const matches = built.objects.filter((o) => {
    if (target) {
      return (!target.kind || o.kind === target.kind) && (!target.name || o.metadata?.name === target.name) && (!target.labelSelector || matchesSelector(o.metadata?.labels, target.labelSelector));
    }
    return o.kind === patch.kind && o.metadata?.name === meta.name;
  });
  if (matches.length === 0) fail(`patch ${origin} (${String(patch.kind)}/${String(meta.name)}) matches no resource`);
  for (const obj of matches) {
    if (patch.$patch === 'delete') {
      built.objects.splice(built.objects.indexOf(obj), 1);
      continue;
    }
    // A targeted patch's own metadata only names it; it must not rename what it patches.
    strategicMerge(obj, target ? Object.fromEntries(Object.entries(patch).filter(([key]) => key !== 'metadata')) : patch);
  }
}

/** The list fields whose items merge by a key instead of being replaced (Kubernetes' patchMergeKey). */
function mergeKeyFor(field: string, items: unknown[]): string | undefined {
  if (['containers', 'initContainers', 'volumes', 'env', 'imagePullSecrets'].includes(field)) return 'name';
  if (field === 'volumeMounts') return 'mountPath';
  if (field === 'ports') return items.some((i) => isDict(i) && 'containerPort' in i) ? 'containerPort' : 'port';
  return undefined;
}

/** Strategic merge of `patch` into `target`, in place (object identity is kept for `source`). */
export function strategicMerge(target: Dict, patch: Dict): void {
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch') continue;
    const current = target[key];
    if (value === null) delete target[key];
    else if (isDict(value) && isDict(current)) strategicMerge(current, value);
    else if (Array.isArray(value) && Array.isArray(current) && mergeKeyFor(key, [...current, ...value])) {
      const mk = mergeKeyFor(key, [...current, ...value])!;
      for (const item of value) {
        const existing = isDict(item) ? current.find((c) => isDict(c) && c[mk] === item[mk]) : undefined;
        if (isDict(existing) && isDict(item)) strategicMerge(existing, item);
        else current.push(structuredClone(item));
      }
    } else target[key] = structuredClone(value);
  }
}

