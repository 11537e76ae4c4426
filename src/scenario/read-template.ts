// `{{ … }}` holes in a request's path, header values and body, read like every other value: each
// problem reported at its file:line:col (the hole's `{{`, when the scalar is written as is) with
// the hole quoted, all at once. `${VAR}` has been substituted before (yaml-reader.ts).
import { isScalar } from 'yaml';
import { parseTemplate } from '../workload/template-parser.js';
import { EMPTY_SCOPE, type TemplateScope } from '../workload/template-scope.js';
import { hasHoles, type TemplatePart } from '../workload/template.js';
import { offsetOf, scalarOffset, type Reader, type YNode } from './yaml-reader.js';

/**
 * The names templates may use beyond the built-ins. Empty today: data feeders (`{{ users.email }}`)
 * and session captures (`{{ item_id }}`) will declare theirs here.
 */
export const REQUEST_SCOPE: TemplateScope = EMPTY_SCOPE;

/**
 * The holes of `text` (the value of `node` after interpolation): the parts when it has at least
 * one, null when it has none (a plain string), undefined when a hole is wrong (reported).
 * `json`: every hole JSON-escaped (a structured body, whose strings are JSON strings).
 */
export function readTemplate(r: Reader, node: YNode, path: string, text: string, opts: { json?: boolean; scope?: TemplateScope } = {}): TemplatePart[] | null | undefined {
  if (!text.includes('{{')) return null;
  const { parts, problems } = parseTemplate(text, opts.scope ?? REQUEST_SCOPE, { json: opts.json === true });
  // Offsets are exact when the scalar is the text as written (no ${VAR} substituted before the hole,
  // not a structured body serialized as JSON); otherwise the problem points at the value's start.
  const exact = !opts.json && isScalar(node) && node.value === text;
  for (const p of problems) r.report(path, p.message, exact ? scalarOffset(node, p.offset) : offsetOf(node));
  if (problems.length > 0) return undefined;
  return hasHoles(parts) ? parts : null;
}

/** The literal text of parts (holes left out): what the checks on literal characters look at. */
export const literalText = (parts: readonly TemplatePart[]): string => parts.map((p) => (typeof p === 'string' ? p : '')).join('');
