import { z } from 'zod';

/**
 * Schemas for what kubernetes-models does not cover: the KEDA ScaledObject CRD, the values files
 * of the NATS and prometheus-adapter Helm charts, and the Grafana dashboard. Each covers the
 * fields we use (strict where a typo would silently change behaviour).
 */

const Quantity = z.union([z.string().regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G)?$/), z.number()]);
const NumericString = z.string().regex(/^\d+$/, 'must be a string of digits (KEDA metadata values are strings)');

const KedaTrigger = z.object({
  type: z.literal('prometheus'),
  metadata: z.object({ serverAddress: z.string().url(), query: z.string().min(1), threshold: NumericString }).strict(),
});

export const ScaledObject = z
  .object({
    apiVersion: z.literal('keda.sh/v1alpha1'),
    kind: z.literal('ScaledObject'),
    metadata: z.object({ name: z.string().min(1), namespace: z.string().optional(), labels: z.record(z.string(), z.string()).optional() }),
    spec: z
      .object({
        scaleTargetRef: z.object({ name: z.string().min(1), kind: z.string().optional(), apiVersion: z.string().optional() }).strict(),
        minReplicaCount: z.number().int().min(0),
        maxReplicaCount: z.number().int().min(1),
        pollingInterval: z.number().int().positive().optional(),
        cooldownPeriod: z.number().int().positive().optional(),
        triggers: z.array(KedaTrigger).min(1),
        advanced: z.object({ horizontalPodAutoscalerConfig: z.object({ behavior: z.record(z.string(), z.unknown()) }).optional() }).optional(),
      })
      .strict()
      .refine((s) => s.minReplicaCount <= s.maxReplicaCount, 'minReplicaCount must not exceed maxReplicaCount'),
  })
  .strict();

const SecretEnv = z.object({ valueFrom: z.object({ secretKeyRef: z.object({ name: z.string(), key: z.string() }).strict() }).strict() }).strict();

/** The NATS chart (1.x) values we set. */
export const NatsValues = z
  .object({
    config: z
      .object({
        cluster: z.object({ enabled: z.literal(true), replicas: z.number().int().min(3) }).strict(),
        jetstream: z
          .object({
            enabled: z.literal(true),
            fileStore: z.object({ enabled: z.literal(true), dir: z.string(), pvc: z.object({ enabled: z.literal(true), size: Quantity }).strict() }).strict(),
            memoryStore: z.object({ enabled: z.boolean(), maxSize: Quantity }).strict().optional(),
            // Acknowledged means on disk (docs/runtime.md, "JetStream durability").
            merge: z.object({ sync_interval: z.literal('always') }).passthrough(),
          })
          .strict(),
        monitor: z.object({ enabled: z.literal(true), port: z.number().int() }).strict(),
        merge: z.record(z.string(), z.unknown()),
      })
      .strict(),
    container: z
      .object({
        // sync_interval came with nats-server 2.10.
        image: z.object({ tag: z.string().regex(/^2\.(1\d|[2-9]\d)(\.|-|$)/, 'nats-server 2.10 or later (sync_interval)') }).strict(),
        env: z.record(z.string(), z.union([z.string(), SecretEnv])),
        merge: z.record(z.string(), z.unknown()).optional(),
      })
      .strict(),
    promExporter: z.object({ enabled: z.boolean(), port: z.number().int() }).strict(),
    podTemplate: z.record(z.string(), z.unknown()).optional(),
    podDisruptionBudget: z.object({ enabled: z.boolean() }).strict().optional(),
    natsBox: z.object({ enabled: z.boolean() }).strict().optional(),
  })
  .strict();
export type NatsValues = z.infer<typeof NatsValues>;

/** prometheus-community/prometheus-adapter values: the custom metrics rules. */
export const AdapterValues = z
  .object({
    prometheus: z.object({ url: z.string().url(), port: z.number().int() }).strict(),
    rules: z
      .object({
        default: z.boolean(),
        custom: z
          .array(
            z
              .object({
                seriesQuery: z.string().min(1),
                resources: z.object({ overrides: z.record(z.string(), z.object({ resource: z.string() }).strict()) }).strict(),
                name: z.object({ matches: z.string(), as: z.string() }).strict(),
                metricsQuery: z.string().includes('<<.Series>>'),
              })
              .strict(),
          )
          .min(1),
      })
      .strict(),
  })
  .strict();

/** A Grafana dashboard: every panel queries Prometheus with at least one expression. */
export const GrafanaDashboard = z.object({
  title: z.string().min(1),
  uid: z.string().min(1),
  schemaVersion: z.number().int(),
  panels: z
    .array(
      z.object({
        id: z.number().int(),
        title: z.string().min(1),
        type: z.string().min(1),
        gridPos: z.object({ x: z.number(), y: z.number(), w: z.number(), h: z.number() }),
        targets: z.array(z.object({ expr: z.string().min(1), refId: z.string().min(1) }).passthrough()).min(1),
      }).passthrough(),
    )
    .min(1),
}).passthrough();
export type GrafanaDashboard = z.infer<typeof GrafanaDashboard>;

/** A Prometheus rules file: alerting rules with a severity and a summary operators can act on. */
export const PrometheusRules = z
  .object({
    groups: z
      .array(
        z
          .object({
            name: z.string().min(1),
            rules: z
              .array(
                z
                  .object({
                    alert: z.string().regex(/^[A-Z][A-Za-z0-9]+$/, 'CamelCase alert name'),
                    expr: z.string().min(1),
                    for: z.string().regex(/^\d+[smh]$/).optional(),
                    labels: z.object({ severity: z.enum(['info', 'warning', 'critical']) }).strict(),
                    annotations: z.object({ summary: z.string().min(1) }).strict(),
                  })
                  .strict(),
              )
              .min(1),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

/** The first few issues of a failed parse, as `path: message`. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
}
