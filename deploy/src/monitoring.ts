import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const MONITORING = new URL('../monitoring/', import.meta.url);

export interface AlertRule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: { refId: string; expr: string; datasource?: { uid: string } }[];
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: DashboardPanel[];
  templating: { list: { name: string; query: { query: string } | string }[] };
}

export function monitoringFile(relativePath: string): string {
  return readFileSync(new URL(relativePath, MONITORING), 'utf8');
}

export function monitoringPath(relativePath: string): string {
  return new URL(relativePath, MONITORING).pathname;
}

export function alertRules(): AlertRule[] {
  const file = parse(monitoringFile('prometheus/alerts.yml')) as { groups: { name: string; rules: AlertRule[] }[] };
  return file.groups.flatMap((group) => group.rules);
}

export function dashboard(): Dashboard {
  return JSON.parse(monitoringFile('grafana/dashboards/dtbot.json')) as Dashboard;
}

/** Every PromQL expression of the alert rules and the dashboard, with where it comes from. */
export function monitoringQueries(): { where: string; expr: string }[] {
  const rules = alertRules().map((rule) => ({ where: `alerts.yml ${rule.alert ?? rule.record}`, expr: rule.expr }));
  const board = dashboard();
  const panels = board.panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ where: `dtbot.json "${panel.title}" ${target.refId}`, expr: target.expr })),
  );
  const variables = board.templating.list.map((variable) => {
    const query = typeof variable.query === 'string' ? variable.query : variable.query.query;
    // label_values(metric, label) is Grafana's, not PromQL: keep its metric selector.
    return { where: `dtbot.json variable ${variable.name}`, expr: /^label_values\((.+),\s*\w+\)$/.exec(query)?.[1] ?? query };
  });
  return [...rules, ...panels, ...variables];
}

/** Names the rules record themselves (`dtbot:queue_backlog:sum`): not metrics the apps must register. */
export function recordedNames(): Set<string> {
  return new Set(alertRules().flatMap((rule) => (rule.record ? [rule.record] : [])));
}
