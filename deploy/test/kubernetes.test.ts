import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { DRAIN_DEADLINE_MS, EXIT_LAST_RESORT_MS, gatewaySchema, NODE_FLAGS, workerSchema } from '@dtbot/shared';
import { k8sManifests, kustomization, scalerQueries, type Manifest } from '../src/kubernetes.js';
import { metricNamesIn, promqlErrors } from '../src/promql.js';

// No cluster in CI: each object is validated against the Kubernetes (and KEDA) OpenAPI schemas that
// kubernetes-models ships, and the invariants the apps rely on are checked against the config schema.
const models: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};

interface Probe {
  httpGet: { path: string; port: string | number };
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
  terminationGracePeriodSeconds?: number;
}
interface Container {
  name: string;
  command: string[];
  env?: { name: string; value: string }[];
  envFrom?: ({ configMapRef: { name: string } } | { secretRef: { name: string } })[];
  ports: { name: string; containerPort: number }[];
  readinessProbe: Probe;
  livenessProbe: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { exec: { command: string[] } } };
}
interface PodSpec {
  terminationGracePeriodSeconds: number;
  containers: Container[];
}

const manifests = k8sManifests();
const find = (kind: string, name: string) => {
  const found = manifests.find((manifest) => manifest.kind === kind && manifest.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in deploy/k8s`);
  return found;
};
const podOf = (deployment: Manifest) =>
  (deployment.spec as { template: { metadata: { labels: Record<string, string> }; spec: PodSpec } }).template;
const configMap = find('ConfigMap', 'dtbot-config') as Manifest & { data: Record<string, string> };
const secret = find('Secret', 'dtbot-secrets') as Manifest & { stringData: Record<string, string> };

const apps = {
  gateway: { deployment: 'dtbot-gateway', schema: gatewaySchema, main: 'apps/gateway/dist/main.js', port: 'PORT', metricsPort: 'METRICS_PORT' },
  worker: { deployment: 'dtbot-worker', schema: workerSchema, main: 'apps/worker/dist/main.js', port: 'METRICS_PORT', metricsPort: 'METRICS_PORT' },
} as const;

/** The value a container runs with: its own env, else the ConfigMap, else the schema's default. */
function setting(container: Container, schema: (typeof apps)[keyof typeof apps]['schema'], name: string): number {
  const raw = container.env?.find((variable) => variable.name === name)?.value ?? configMap.data[name];
  const field = (schema.shape as Record<string, { parse(value: unknown): unknown }>)[name]!;
  return Number(field.parse(raw));
}

describe('deploy/k8s', () => {
  it.each(manifests.map((manifest) => [`${manifest.file}: ${manifest.kind} ${manifest.metadata.name}`, manifest] as const))(
    '%s is valid against its schema',
    (_, manifest) => {
      const Model = models[`${manifest.apiVersion}/${manifest.kind}`];
      expect(Model, `no schema for ${manifest.apiVersion} ${manifest.kind}`).toBeDefined();
      const { file: _file, ...object } = manifest;
      expect(() => new Model!(object as never).validate()).not.toThrow();
    },
  );

  it('a schema violation is caught (the check is not a no-op)', () => {
    const broken = structuredClone(find('Deployment', 'dtbot-worker'));
    const { file: _file, ...object } = broken;
    podOf(object as Manifest).spec.containers[0]!.ports[0]!.containerPort = 'metrics' as unknown as number;
    expect(() => new Deployment(object as never).validate()).toThrow(/containerPort must be integer/);
  });

  it('kustomization.yaml applies every manifest except the example Secret, which must never overwrite a real one', () => {
    const files = new Set(manifests.map((manifest) => manifest.file));
    files.delete('secret.example.yaml');
    expect(new Set(kustomization().resources)).toEqual(files);
    for (const file of kustomization().resources) expect(existsSync(new URL(`../k8s/${file}`, import.meta.url))).toBe(true);
  });

  it('the ConfigMap and the Secret hold only settings of the config schema', () => {
    const known = (name: string) => name in gatewaySchema.shape || name in workerSchema.shape;
    expect(Object.keys(configMap.data).filter((name) => !known(name))).toEqual([]);
    expect(Object.keys(secret.stringData).filter((name) => !known(name))).toEqual([]);
  });

  describe.each(Object.entries(apps))('%s', (name, app) => {
    const deployment = find('Deployment', app.deployment);
    const pod = podOf(deployment);
    const container = pod.spec.containers[0]!;

    it('runs the built entry point with its node flags and its configuration from the ConfigMap and the Secret', () => {
      expect(container.command).toEqual(['node', ...NODE_FLAGS[name as keyof typeof NODE_FLAGS], app.main]);
      expect(container.envFrom).toEqual([{ configMapRef: { name: 'dtbot-config' } }, { secretRef: { name: 'dtbot-secrets' } }]);
      const unknown = (container.env ?? []).map((variable) => variable.name).filter((name) => !(name in app.schema.shape));
      expect(unknown).toEqual([]);
    });

    it('is ready on /readyz and alive on /healthz, on the port it listens on', () => {
      const port = container.ports.find((candidate) => candidate.containerPort === setting(container, app.schema, app.port));
      expect(port, `a container port equal to ${app.port}`).toBeDefined();
      expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: port!.name });
      expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: port!.name });
      if (container.startupProbe) expect(container.startupProbe.httpGet).toEqual({ path: '/healthz', port: port!.name });
    });

    it('is scraped on the port its /metrics listens on', () => {
      const metricsPort = setting(container, app.schema, app.metricsPort);
      expect(container.ports.map((candidate) => candidate.containerPort)).toContain(metricsPort);
      const annotations = (pod.metadata as { annotations?: Record<string, string> }).annotations ?? {};
      expect(annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(metricsPort), 'prometheus.io/path': '/metrics' });
    });

    it('gets longer to stop than its preStop pause, its drain deadline and its 5 s of last resort', () => {
      const preStopSeconds = Number(container.lifecycle?.preStop?.exec.command[1] ?? 0);
      const drainSeconds = DRAIN_DEADLINE_MS[name as keyof typeof DRAIN_DEADLINE_MS] / 1000;
      expect(pod.spec.terminationGracePeriodSeconds).toBeGreaterThan(preStopSeconds + drainSeconds + EXIT_LAST_RESORT_MS / 1000);
    });
  });

  it('replaces a worker whose event loop stays blocked for 30 s, and none blocked for under 10 s', () => {
    const pod = podOf(find('Deployment', 'dtbot-worker'));
    // Kubernetes' defaults for what the manifest leaves out.
    const { periodSeconds = 10, timeoutSeconds = 1, failureThreshold = 3, terminationGracePeriodSeconds } = pod.spec.containers[0]!.livenessProbe;
    // A probe fails when the loop stays blocked from its start until its timeout; the restart needs
    // `failureThreshold` failures in a row. The longest block that can escape them, and the shortest that can cause them:
    const alwaysRestartedAfter = failureThreshold * periodSeconds + timeoutSeconds;
    const neverRestartedUnder = (failureThreshold - 1) * periodSeconds + timeoutSeconds;
    expect(alwaysRestartedAfter).toBeLessThanOrEqual(30);
    expect(neverRestartedUnder).toBeGreaterThanOrEqual(10);
    // A blocked loop never drains: the kill must not wait the pod's drain grace period.
    expect(terminationGracePeriodSeconds).toBeDefined();
    expect(terminationGracePeriodSeconds!).toBeLessThan(pod.spec.terminationGracePeriodSeconds);
  });

  it('the gateway\'s heap cap and the rest of its process fit inside its memory limit', () => {
    const container = podOf(find('Deployment', 'dtbot-gateway')).spec.containers[0]! as { resources?: { limits?: { memory?: string } } };
    const limit = /^(\d+)Mi$/.exec(container.resources?.limits?.memory ?? '');
    expect(limit, 'a memory limit in Mi').not.toBeNull();
    const cap = NODE_FLAGS.gateway.map((flag) => /^--max-old-space-size=(\d+)$/.exec(flag)?.[1]).find(Boolean);
    expect(cap, 'an old-generation cap').toBeDefined();
    // Besides the old generation: V8's young generation (up to 48 MB) and code, buffers and the runtime (the gateway's
    // RSS at rest is about 95 MB, of which 25 MB is heap).
    const restOfProcessMiB = 48 + 75;
    expect(Number(cap) + restOfProcessMiB).toBeLessThanOrEqual(Number(limit![1]));
  });

  it('the gateway Service and PodDisruptionBudget select the gateway pods, and the budget keeps one up', () => {
    const labels = podOf(find('Deployment', 'dtbot-gateway')).metadata.labels;
    const service = find('Service', 'dtbot-gateway').spec as { selector: Record<string, string> };
    const budget = find('PodDisruptionBudget', 'dtbot-gateway').spec as { minAvailable: number; selector: { matchLabels: Record<string, string> } };
    expect(labels).toMatchObject(service.selector);
    expect(labels).toMatchObject(budget.selector.matchLabels);
    // The Service is what an Ingress (the Internet) reaches: the callback port only, never /metrics' own.
    expect((service as unknown as { ports: { targetPort: string }[] }).ports.map((port) => port.targetPort)).toEqual(['http']);
    expect(budget.minAvailable).toBeGreaterThanOrEqual(1);
    expect((find('Deployment', 'dtbot-gateway').spec as { replicas: number }).replicas).toBeGreaterThan(budget.minAvailable);
  });

  it('KEDA scales the worker Deployment, which leaves its replica count to KEDA, on the queue depth', () => {
    const scaled = find('ScaledObject', 'dtbot-worker').spec as {
      scaleTargetRef: { name: string };
      minReplicaCount: number;
      triggers: { metadata: { threshold: string } }[];
    };
    expect(scaled.scaleTargetRef.name).toBe('dtbot-worker');
    expect(scaled.minReplicaCount).toBeGreaterThanOrEqual(1);
    expect((find('Deployment', 'dtbot-worker').spec as { replicas?: number }).replicas).toBeUndefined();
    const [query] = scalerQueries();
    expect(promqlErrors(query!.expr)).toEqual([]);
    expect(metricNamesIn(query!.expr)).toEqual(['dtbot_queue_jobs']);
    // Its comment promises twice WORKER_CONCURRENCY waiting jobs per worker.
    expect(Number(scaled.triggers[0]!.metadata.threshold)).toBe(2 * Number(configMap.data.WORKER_CONCURRENCY));
  });
});
