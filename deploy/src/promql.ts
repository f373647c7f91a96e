import { parser } from '@prometheus-io/lezer-promql';

/** Grafana's variables are not PromQL: give each a value Prometheus would accept before parsing. */
function withoutGrafanaVariables(expr: string): string {
  return expr.replaceAll('$__rate_interval', '5m').replaceAll('$__interval', '1m').replace(/\$\w+/g, '.+');
}

/** Where the parser gave up, as `offset: text`; empty when the expression is valid PromQL. */
export function promqlErrors(expr: string): string[] {
  const source = withoutGrafanaVariables(expr);
  const errors: string[] = [];
  parser.parse(source).iterate({
    enter(node) {
      if (node.type.isError) errors.push(`${node.from}: ${JSON.stringify(source.slice(Math.max(0, node.from - 20), node.from + 20))}`);
    },
  });
  return errors;
}

/** Every metric name the expression selects (`rate(foo_total[5m])` → `foo_total`). */
export function metricNamesIn(expr: string): string[] {
  const source = withoutGrafanaVariables(expr);
  const names = new Set<string>();
  parser.parse(source).iterate({
    enter(node) {
      if (node.name !== 'Identifier' || node.node.parent?.name !== 'VectorSelector') return;
      names.add(source.slice(node.from, node.to));
    },
  });
  return [...names];
}
