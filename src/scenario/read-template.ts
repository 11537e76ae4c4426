// `{{ … }}` holes in a request's path, header values and body, read like every other value: each
// problem reported at its file:line:col (the hole's `{{`, when the scalar is written as is) with
// the hole quoted, all at once. `${VAR}` has been substituted before (yaml-reader.ts).
import { isScalar } from 'yaml';
import { parseTemplate } from '../workload/template-parser.js';
import type { TemplateScope } from '../workload/template-scope.js';
import { hasHoles, templateSource, type TemplatePart } from '../workload/template.js';
import { jsonEscape } from '../workload/encode.js';
import { offsetOf, scalarOffset, type Reader, type YNode } from './yaml-reader.js';

/**
 * The holes of `text` (the value of `node` after interpolation): the parts when it has at least
 * one, null when it has none (a plain string), undefined when a hole is wrong (reported).
 * `json`: every hole JSON-escaped (a structured body, whose strings are JSON strings).
 */
export function readTemplate(r: Reader, node: YNode, path: string, text: string, opts: { json?: boolean; scope?: TemplateScope } = {}): TemplatePart[] | null | undefined {
  if (!text.includes('{{')) return null;
  // A `{{` that only a ${VAR} brought in is the variable's text (a token, say), not a hole.
  if (isScalar(node) && typeof node.value === 'string' && !node.value.includes('{{')) return null;
  const { parts, problems } = parseTemplate(text, opts.scope ?? r.templateScope, { json: opts.json === true });
  // Offsets are exact when the scalar is the text as written (no ${VAR} substituted before the hole,
  // not a structured body serialized as JSON); otherwise the problem points at the value's start.
  const exact = !opts.json && isScalar(node) && node.value === text;
  for (const p of problems) r.report(path, p.message, exact ? scalarOffset(node, p.offset) : offsetOf(node));
  if (problems.length > 0) return undefined;
  return hasHoles(parts) ? parts : null;
}

/** The literal text of parts (holes left out): what the checks on literal characters look at. */
export const literalText = (parts: readonly TemplatePart[]): string => parts.map((p) => (typeof p === 'string' ? p : '')).join('');

/**
 * A structured body (a mapping or list, sent as JSON) with holes in its string values: the JSON
 * text, and its template — each templated string's literal text JSON-escaped, its holes JSON-escaped
 * when filled. The strings are parsed as written (before JSON quoting), so `random.pick("a")` keeps
 * its quotes. Problems point at the body (its values have no positions once made plain data).
 */
export function readJsonBodyTemplate(r: Reader, node: YNode, path: string, data: unknown): { text: string; parts: TemplatePart[] | null } | undefined {
  const templated: TemplatePart[][] = [];
  let failed = false;
  const marker = (i: number) => `\u0000loadtest-hole-${i}\u0000`;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string' && v.includes('{{')) {
      const { parts, problems } = parseTemplate(v, r.templateScope, { json: true });
      for (const p of problems) r.report(path, p.message, offsetOf(node));
      if (problems.length > 0) failed = true;
      if (!hasHoles(parts)) return v;
      templated.push(parts.map((p) => (typeof p === 'string' ? jsonEscape(p) : p)));
      return marker(templated.length - 1);
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  const json = JSON.stringify(walk(data));
  if (failed) return undefined;
  if (templated.length === 0) return { text: json, parts: null };
  // Split the JSON text at the markers (JSON.stringify writes NUL as \u0000).
  const parts: TemplatePart[] = [];
  const re = /\\u0000loadtest-hole-(\d+)\\u0000/g;
  let last = 0;
  for (let m = re.exec(json); m !== null; m = re.exec(json)) {
    parts.push(json.slice(last, m.index), ...templated[Number(m[1])]!);
    last = m.index + m[0].length;
  }
  parts.push(json.slice(last));
  const merged = parts.filter((p) => p !== '');
  return { text: templateSource(merged), parts: merged };
}
