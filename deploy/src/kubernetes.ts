import { readdirSync, readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

const K8S = new URL('../k8s/', import.meta.url);

export interface Manifest {
  file: string;
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** Every Kubernetes object in deploy/k8s (the kustomization itself excluded), with the file it is in. */
export function k8sManifests(): Manifest[] {
  return readdirSync(K8S)
    .filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml')
    .sort()
    .flatMap((file) =>
      parseAllDocuments(readFileSync(new URL(file, K8S), 'utf8')).map((document) => {
        if (document.errors.length > 0) throw new Error(`${file}: ${document.errors.map((error) => error.message).join('; ')}`);
        return { ...(document.toJS() as Omit<Manifest, 'file'>), file } as Manifest;
      }),
    );
}

export function kustomization(): { resources: string[]; images: { name: string }[] } {
  return parseAllDocuments(readFileSync(new URL('kustomization.yaml', K8S), 'utf8'))[0]!.toJS() as {
    resources: string[];
    images: { name: string }[];
  };
}

/** The PromQL queries of the KEDA triggers. */
export function scalerQueries(): { where: string; expr: string }[] {
  return k8sManifests()
    .filter((manifest) => manifest.kind === 'ScaledObject')
    .flatMap((manifest) =>
      ((manifest.spec as { triggers: { type: string; metadata: { query?: string } }[] }).triggers ?? [])
        .filter((trigger) => trigger.type === 'prometheus' && trigger.metadata.query)
        .map((trigger) => ({ where: `${manifest.file} ${manifest.metadata.name}`, expr: trigger.metadata.query! })),
    );
}
