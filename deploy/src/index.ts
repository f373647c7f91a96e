export { alertRules, dashboard, monitoringQueries, recordedNames, type AlertRule, type Dashboard } from './monitoring.js';
export { metricNamesIn, promqlErrors } from './promql.js';
