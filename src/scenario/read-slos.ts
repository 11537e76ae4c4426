// `slo:`, `abort:` and `guard:` lists → SloRule[], with syntax errors pointed at the column of the
// rule where they are, and every rule checked against what the configured metrics source can
// measure (a rule nothing measures would silently never be judged).
import { isScalar } from 'yaml';
import { parseSlo, SloSyntaxError } from '../slo/parse.js';
import { splitMetricKey, unmeasurableReason, type SourceCapabilities } from '../slo/metric-catalog.js';
import type { SloRule } from '../slo/slo.js';
import { scalarOffset, type MapView, type Reader } from './yaml-reader.js';

export type RuleList = 'slo' | 'abort' | 'guard';

export function readRules(r: Reader, root: MapView, key: RuleList, caps: SourceCapabilities | undefined): SloRule[] | undefined {
  if (!root.has(key)) return [];
  const items = r.seq(root.get(key), key, 'a list of rules such as "p99 < 250ms"');
  if (!items) return undefined;
  const rules: SloRule[] = [];
  let ok = true;
  items.forEach((node, i) => {
    const path = `${key}[${i}]`;
    const text = r.text(node, path, 'a rule such as "p99 < 250ms"');
    if (text === undefined) {
      ok = false;
      return;
    }
    const interpolated = isScalar(node) && typeof node.value === 'string' && node.value !== text;
    let rule: SloRule;
    try {
      rule = parseSlo(text);
    } catch (e) {
      if (!(e instanceof SloSyntaxError)) throw e;
      r.report(path, `"${text}": ${e.reason}`, interpolated || !node ? node?.range?.[0] : scalarOffset(node, e.column));
      ok = false;
      return;
    }
    const problem = ruleProblem(rule, key, caps);
    if (problem) {
      r.reportAt(node, path, problem);
      ok = false;
      return;
    }
    rules.push(rule);
  });
  return ok ? rules : undefined;
}

function ruleProblem(rule: SloRule, list: RuleList, caps: SourceCapabilities | undefined): string | undefined {
  const { control } = splitMetricKey(rule.metric);
  if (list === 'guard' && !control) {
    return `guard rules judge the control group: write 'control.${rule.metric}' (rules on the servers under test go under slo or abort)`;
  }
  if (!caps) return undefined;
  return unmeasurableReason(rule.metric, caps);
}
