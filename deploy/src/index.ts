export { alertRules, dashboard, monitoringQueries, recordedNames, type AlertRule, type Dashboard } from './monitoring.js';
export { k8sManifests, kustomization, scalerQueries, type Manifest } from './kubernetes.js';
export { metricNamesIn, promqlErrors } from './promql.js';
