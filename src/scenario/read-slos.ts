// `slo:`, `abort:` and `guard:` lists → SloRule[], with syntax errors pointed at the column of the
// rule where they are, and every rule checked against what the configured metrics source can
// measure (a rule nothing measures would silently never be judged).
//
// `slo` and `guard` rules state what must hold (`p99 < 250ms`); `abort` rules state the condition
// that stops the run (`error_rate > 20%`) and are stored negated (see negateRule), so that for
// every list a breach is what matters. A rule written the wrong way round for a metric with a clear
// healthy direction (`abort: [error_rate < 20%]` would stop a healthy run at once) is rejected.
import { isScalar } from 'yaml';
import { parseSlo, SloSyntaxError } from '../slo/parse.js';
import { METRICS, splitMetricKey, unmeasurableReason, type SourceCapabilities } from '../slo/metric-catalog.js';
import { negateRule } from '../slo/evaluate.js';
import type { SloRule } from '../slo/slo.js';
import { scalarOffset, type MapView, type Reader } from './yaml-reader.js';

export type RuleList = 'slo' | 'abort' | 'guard';

/**
 * `list` 'service': a `services[i].slo` list (read under its service's mapping, paths like
 * `services[1].slo[0]`): judged as `slo`, but a service has no control group.
 */
export function readRules(r: Reader, root: MapView, key: RuleList, caps: SourceCapabilities | undefined, list: RuleList | 'service' = key): SloRule[] | undefined {
  if (!root.has(key)) return [];
  // `abort:` with nothing after it (rules commented out) reads as no rules; `slo:` must have some.
  const n = root.get(key);
  if (key !== 'slo' && isScalar(n) && n.value === null) return [];
  const items = r.seq(root.get(key), root.p(key), 'a list of rules such as "p99 < 250ms"');
  if (!items) return undefined;
  const rules: SloRule[] = [];
  let ok = true;
  items.forEach((node, i) => {
    const path = `${root.p(key)}[${i}]`;
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
    const problem = ruleProblem(rule, list, caps);
    if (problem) {
      r.reportAt(node, path, problem);
      ok = false;
      return;
    }
    rules.push(key === 'abort' ? negateRule(rule) : rule);
  });
  return ok ? rules : undefined;
}

function ruleProblem(rule: SloRule, given: RuleList | 'service', caps: SourceCapabilities | undefined): string | undefined {
  const { control } = splitMetricKey(rule.metric);
  if (given === 'service' && control) return `'${rule.metric}': a service has no control group; its rules judge the whole service, e.g. '${rule.text.replace('control.', '')}'`;
  const list = given === 'service' ? 'slo' : given;
  if (list === 'guard' && !control) {
    return `guard rules judge the control group: write 'control.${rule.metric}' (rules on the servers under test go under slo or abort)`;
  }
  const backwards = backwardsProblem(rule, list);
  if (backwards) return backwards;
  if (!caps) return undefined;
  return unmeasurableReason(rule.metric, caps);
}

function backwardsProblem(rule: SloRule, list: RuleList): string | undefined {
  const better = METRICS.get(splitMetricKey(rule.metric).base)?.better;
  if (!better) return undefined;
  const saysLower = rule.op[0] === '<';
  if (list === 'abort') {
    // An abort condition names the unhealthy side.
    if (better === 'lower' && saysLower) return `abort rules name the condition that stops the run, e.g. '${flip(rule.text)}'; '${rule.text}' would stop a healthy run at once`;
    if (better === 'higher' && !saysLower) return `abort rules name the condition that stops the run, e.g. '${flip(rule.text)}'; '${rule.text}' would stop a healthy run at once`;
    return undefined;
  }
  if ((better === 'lower' && !saysLower) || (better === 'higher' && saysLower)) {
    return `${list} rules state what must hold, e.g. '${flip(rule.text)}'; '${rule.text}' would pass only when the service is unhealthy`;
  }
  return undefined;
}

/** `p99 > 250ms` → `p99 < 250ms` (for messages). */
function flip(text: string): string {
  return text.replace(/(<=|>=|<|>)/, (op) => ({ '<': '>', '<=': '>=', '>': '<', '>=': '<=' })[op]!);
}
