// Reads a saved JSON report (for `compare`, `report`, `--baseline`) and checks it is one: a clear,
// one-line UsageError (exit 2) for a missing file, a directory, invalid JSON (with line:col), a JSON
// file that is not a loadtest report, a report of another schema version, or a report missing the
// fields the reporters read — never a TypeError deep in a renderer.
import { readFile, stat } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { REPORT_SCHEMA, REPORT_SCHEMA_VERSION, type RunResult } from '../result.js';

export async function loadReport(path: string): Promise<RunResult> {
  let text: string;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new UsageError(`${path} is a directory, not a loadtest JSON report`);
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? (err as Error).message);
    throw new UsageError(`cannot read report ${path}: ${why}`);
  }
  return parseReport(text, path);
}

/** Parses and checks report text; `path` is only used in messages. */
export function parseReport(text: string, path: string): RunResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${path} is not valid JSON${jsonErrorPosition(text, err as Error)}: expected a loadtest JSON report`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError(`${path} is not a loadtest report: expected a JSON object with "schema": "${REPORT_SCHEMA}"`);
  }
  const v = value as Record<string, unknown>;
  if (v.schema !== REPORT_SCHEMA) {
    const got = v.schema === undefined ? 'no "schema" field' : `"schema" is ${JSON.stringify(v.schema)}`;
    throw new UsageError(`${path} is not a loadtest report (${got}; expected "${REPORT_SCHEMA}")`);
  }
  if (v.schemaVersion !== REPORT_SCHEMA_VERSION) {
    throw new UsageError(
      `${path} is a loadtest report of schemaVersion ${JSON.stringify(v.schemaVersion)}; this loadtest reads schemaVersion ${REPORT_SCHEMA_VERSION}`,
    );
  }
  const problems = shapeProblems(v);
  if (problems.length > 0) {
    throw new UsageError(`${path} is not a complete loadtest report: ${problems.join('; ')}`);
  }
  return value as RunResult;
}

/** The fields every reporter reads, checked by type; one short phrase per problem. */
function shapeProblems(v: Record<string, unknown>): string[] {
  const p: string[] = [];
  const obj = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);
  const scenario = v.scenario;
  if (!obj(scenario)) p.push('"scenario" must be an object');
  else {
    if (typeof scenario.name !== 'string') p.push('"scenario.name" must be a string');
    if (!Array.isArray(scenario.slo)) p.push('"scenario.slo" must be an array');
    if (!obj(scenario.load)) p.push('"scenario.load" must be an object');
  }
  const cap = v.capacity;
  if (!obj(cap)) p.push('"capacity" must be an object');
  else {
    if (cap.maxServableLoad !== null && typeof cap.maxServableLoad !== 'number') p.push('"capacity.maxServableLoad" must be a number or null');
    if (typeof cap.verdict !== 'string') p.push('"capacity.verdict" must be a string');
  }
  if (!Array.isArray(v.steps)) p.push('"steps" must be an array');
  else {
    v.steps.forEach((s, i) => {
      if (!obj(s) || typeof s.load !== 'number' || typeof s.verdict !== 'string' || !obj(s.latencyMs) || !Array.isArray(s.breaches)) {
        p.push(`"steps[${i}]" must have a numeric "load", a "verdict", "latencyMs" and "breaches"`);
      }
    });
  }
  for (const k of ['startedAt', 'status'] as const) if (typeof v[k] !== 'string') p.push(`"${k}" must be a string`);
  if (!obj(v.environment)) p.push('"environment" must be an object');
  return p.slice(0, 5);
}

/** " at line L col C" from V8's "… at position N" (and newer "(line L column C)") messages. */
function jsonErrorPosition(text: string, err: Error): string {
  const lc = /line (\d+) column (\d+)/.exec(err.message);
  if (lc) return ` at line ${lc[1]} col ${lc[2]}`;
  const m = /position (\d+)/.exec(err.message);
  if (!m) {
    if (text.trim() === '') return ' (the file is empty)';
    // V8 names the token but not its place for some errors: `Unexpected token 'h', "hello" is not …`.
    const token = /^Unexpected token '([^']*)'/.exec(err.message);
    return token ? ` (unexpected '${token[1]}')` : '';
  }
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  return ` at line ${line} col ${col}`;
}
