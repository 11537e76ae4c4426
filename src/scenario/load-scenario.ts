// Entry points: scenario file or text → validated, normalized Scenario, or a ScenarioError
// listing every problem at once (YAML syntax, then schema/normalize/rules), each with file:line:col
// (or with the `--set` flag a value came from).
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { ExitCode } from '../exit-codes.js';
import { LoadtestError, ScenarioError, UsageError, type ScenarioProblem } from '../errors.js';
import { KEYS, HINTS } from './fields.js';
import { protectFlowRules, restoreFlowRules } from './flow-rules.js';
import { readScenario } from './read-scenario.js';
import type { Scenario } from './scenario.js';
import { oneLine, Reader } from './yaml-reader.js';
import { createRedactor } from '../report/redact.js';
import { applyOverrides, parseOverrides, type AppliedOverride, type Override } from './overrides.js';

export interface LoadScenarioOptions {
  /** Variables for `${VAR}` interpolation; default process.env. */
  env?: Record<string, string | undefined>;
  /**
   * `--set` overrides, in order (a later one wins): `load.max=800`, or parsed by parseOverride.
   * Applied to the parsed file before it is read, so their values are validated like the file's.
   */
  overrides?: readonly (string | Override)[];
}

export async function loadScenario(file: string, opts: LoadScenarioOptions = {}): Promise<Scenario> {
  return (await loadScenarioDocument(file, opts)).scenario;
}

/** loadScenario, and the parsed YAML document with the overrides applied (`run --print-scenario`). */
export async function loadScenarioDocument(file: string, opts: LoadScenarioOptions = {}): Promise<{ scenario: Scenario; document: Document }> {
  // A malformed flag is reported before the file is even read: it is wrong whatever the file says.
  const overrides = toOverrides(opts.overrides ?? []);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : String((e as Error).message);
    throw new LoadtestError(`cannot read scenario ${file}: ${why}`, ExitCode.USAGE);
  }
  const parsed = parseScenarioDocument(text, file, opts.env, overrides);
  parsed.scenario.file = resolve(file);
  return parsed;
}

/** `--set` strings → overrides; a UsageError (exit 2) listing every malformed one. */
export function toOverrides(given: readonly (string | Override)[]): Override[] {
  const { overrides, errors } = parseOverrides(given.filter((o) => typeof o === 'string'));
  if (errors.length > 0) throw overrideError(errors);
  let next = 0;
  return given.map((o) => (typeof o === 'string' ? overrides[next++]! : o));
}

function overrideError(lines: string[]): LoadtestError {
  return lines.length === 1 ? new UsageError(lines[0]!) : new LoadtestError(`${lines.length} --set flags cannot be applied`, ExitCode.USAGE, lines);
}

/**
 * Parses scenario text; `file` is used in problem positions only. `overrides` (`--set`) are applied
 * to the parsed document before anything is read: `${VAR}` in the file's values are resolved as
 * they are read, so an override wins over them, and its own value is taken literally.
 */
export function parseScenario(
  text: string,
  file: string,
  env: Record<string, string | undefined> = process.env,
  overrides: readonly (string | Override)[] = [],
): Scenario {
  return parseScenarioDocument(text, file, env, overrides).scenario;
}

/** parseScenario, and the parsed YAML document with the overrides applied. */
export function parseScenarioDocument(
  text: string,
  file: string,
  env: Record<string, string | undefined> = process.env,
  overrides: readonly (string | Override)[] = [],
): { scenario: Scenario; document: Document } {
  const sets = toOverrides(overrides);
  const lc = new LineCounter();
  // `slo: [p99{read} < 100ms]` parses as written (flow-rules.ts); offsets are unchanged.
  const doc = parseDocument(protectFlowRules(text), { lineCounter: lc, prettyErrors: false, uniqueKeys: true, strict: true });
  const pos = (offset: number) => ({ file, ...lc.linePos(offset) });
  if (doc.errors.length > 0) {
    // Past a syntax error the tree is guesswork: report the syntax errors only, the first per line
    // (the parser cascades: one missing quote yields a dozen "unexpected token"s on that line).
    const problems: ScenarioProblem[] = [];
    const lines = new Set<number>();
    for (const e of doc.errors) {
      const p = pos(errorOffset(text, e.code, e.message, e.pos[0]));
      if (lines.has(p.line)) continue;
      lines.add(p.line);
      const lineText = text.split('\n')[p.line - 1] ?? '';
      // `{ max: ${MAX} }`: in a flow collection `{` ends a plain scalar, so ${…} must be quoted.
      const hint = /[[{].*\$\{/.test(lineText) ? ' (inside { } or [ ], quote values that use ${VAR}: "${VAR}")' : flowRuleHint(lineText);
      problems.push({ path: '', message: yamlMessage(e.code, e.message) + hint, pos: p });
    }
    const shown = problems.slice(0, 10);
    const next = problems[shown.length];
    if (next) shown.push({ path: '', message: `… and ${problems.length - shown.length} more YAML syntax errors from here on`, pos: next.pos! });
    throw new ScenarioError(shown);
  }
  restoreFlowRules(doc);
  const r = new Reader(doc, lc, file, env);
  if (doc.contents === null) {
    throw new ScenarioError([{ path: '', message: 'the file is empty; expected a mapping with name, target, traffic, load and slo', pos: { file, line: 1, col: 1 } }]);
  }
  const { applied, problems: setProblems } = applyOverrides(doc, sets, file);
  if (setProblems.length > 0) throw overrideError(setProblems);
  const root = r.map(doc.contents, '', KEYS.root, doc.contents.range?.[0] ?? 0, HINTS.root);
  const scenario = root ? readScenario(r, root) : undefined;
  if (!scenario || r.problems.length > 0) {
    // A message may quote a value that is a secret elsewhere in the file (`timeout: ${TOKEN}` when
    // TOKEN also fills a header): a secret anywhere is masked everywhere, problems included.
    const redact = createRedactor([...r.secrets]);
    const problems = r.problems.map((p) => fromFlag({ ...p, message: redact(p.message) }, applied));
    throw new ScenarioError(sortProblems(problems.length > 0 ? problems : [{ path: '', message: 'invalid scenario' }]));
  }
  // Recorded: the `--set` flags (the ad-hoc flags are the scenario itself, not changes to a file).
  const setFlags = sets.filter((o) => o.flag === undefined);
  if (setFlags.length > 0) scenario.overrides = setFlags.map((o) => o.text);
  return { scenario, document: doc };
}

/**
 * A problem about a value a `--set` wrote has no place in the file (its nodes have no source range;
 * a position is the fallback of a parent that is in the file): it is attributed to the flag, the
 * most specific one whose written part contains it (the last of equals, which is the one that won).
 */
function fromFlag(p: ScenarioProblem, applied: readonly AppliedOverride[]): ScenarioProblem {
  let best: AppliedOverride | undefined;
  for (const a of applied) {
    const under = p.path === a.root || p.path.startsWith(a.root + '.') || p.path.startsWith(a.root + '[');
    if (under && (!best || a.root.length >= best.root.length)) best = a;
  }
  if (!best) return p;
  const { pos: _inFile, ...rest } = p;
  const o = best.override;
  if (o.flag === undefined) return { ...rest, flag: `--set ${o.pathText}` };
  // An ad-hoc flag names its place itself (`--start: …`, not `--start: load.start: …`).
  return { ...rest, path: p.path === best.root ? '' : p.path, flag: o.flag };
}

/**
 * `slo: [p99{buy} < 50ms]`: in a flow list `{` opens a mapping, so a rule naming a request breaks
 * the YAML before any rule is read. The raw parser message says nothing of that: name the rule and
 * show it quoted.
 */
function flowRuleHint(lineText: string): string {
  const rule = /\[(?:[^\]]*,)?\s*((?:control\.)?[A-Za-z_][A-Za-z0-9_]*\{[^}\n]*\}[^,\]\n]*)/.exec(lineText);
  return rule ? ` (inside [ ], a rule with {request} must be quoted: "${rule[1]!.trim()}")` : '';
}

/**
 * Where to point for a YAML error: the parser reports an unclosed quote where the file ends; the
 * user needs the quote that was opened, so point there.
 */
function errorOffset(text: string, code: string, message: string, offset: number): number {
  if (code !== 'MISSING_CHAR' || !/quote/.test(message)) return offset;
  const q = message.includes('"') ? '"' : "'";
  let i = text.lastIndexOf(q, Math.min(offset, text.length - 1));
  while (i > 0 && q === '"' && text[i - 1] === '\\') i = text.lastIndexOf(q, i - 1);
  return i >= 0 ? i : offset;
}

function yamlMessage(code: string, message: string): string {
  if (code === 'MISSING_CHAR' && /quote/.test(message)) return oneLine(`YAML syntax: this ${message.includes('"') ? 'double' : 'single'}-quoted string is never closed`);
  const m = message.split('\n')[0]!.trim();
  if (code === 'DUPLICATE_KEY') return 'YAML: duplicate key (map keys must be unique)';
  return oneLine(`YAML syntax: ${m}`);
}

/** By position (problems without one last), keeping discovery order for ties. */
function sortProblems(ps: ScenarioProblem[]): ScenarioProblem[] {
  return ps
    .map((p, i) => ({ p, i }))
    .sort((a, b) => {
      const pa = a.p.pos;
      const pb = b.p.pos;
      if (pa && pb) return pa.line - pb.line || pa.col - pb.col || a.i - b.i;
      if (pa) return -1;
      if (pb) return 1;
      return a.i - b.i;
    })
    .map((x) => x.p);
}
