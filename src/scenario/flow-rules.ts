// `slo: [p99{read} < 100ms, error_rate < 1%]`: in a YAML flow list `{` opens a mapping, so a rule
// naming a request or step breaks the YAML before any rule is read — yet it is the natural way to
// write one, and the README's and issues' examples do. Before the YAML is parsed, such a rule's
// braces inside a `[ … ]` are swapped for two private-use characters of the same length (so every
// line:col the parser and the readers report stays exact); once parsed, every scalar gets its
// braces back. Only `name{…}` directly followed by a comparison is touched: template holes
// (`{{ seq }}`) and flow mappings (`{ a: b }`) never match.

import { isScalar, visit, type Document } from 'yaml';

const OPEN = '\uE000';
const CLOSE = '\uE001';

/** `p99{read} <`, `control.error_rate{api} >=`: an SLO metric with a request name, then its operator. */
const RULE_BRACES = /((?:control\.)?[A-Za-z_][A-Za-z0-9_]*)\{([^{}\n,[\]]*)\}(?=\s*(?:<=|>=|==|!=|<|>))/g;

/** The text with the braces of request-named rules inside flow lists swapped (same length). */
export function protectFlowRules(text: string): string {
  if (!text.includes('{') || text.includes(OPEN) || text.includes(CLOSE)) return text;
  return text
    .split('\n')
    .map((line) => {
      const open = line.indexOf('[');
      if (open < 0) return line;
      return line.slice(0, open) + line.slice(open).replace(RULE_BRACES, `$1${OPEN}$2${CLOSE}`);
    })
    .join('\n');
}

/** Puts back the braces protectFlowRules swapped, in every scalar of the parsed document. */
export function restoreFlowRules(doc: Document): void {
  visit(doc, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === 'string' && (node.value.includes(OPEN) || node.value.includes(CLOSE))) {
        node.value = node.value.replaceAll(OPEN, '{').replaceAll(CLOSE, '}');
      }
    },
  });
}
