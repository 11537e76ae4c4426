// Parsers for the value syntaxes of a scenario file: durations, percentages, loads, HTTP status
// ranges, target origins. Pure: each returns the normalized value or an error message saying
// what was expected (the caller adds file:line:col and the key path).

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const err = <T>(error: string): Parsed<T> => ({ ok: false, error });

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `20s`, `1.5s`, `1m`, `1m30s`, `2h` → milliseconds. */
export function parseDuration(v: unknown): Parsed<number> {
  const expected = 'a duration such as 500ms, 20s, 1.5s, 1m or 1m30s';
  if (typeof v === 'number') return err(`expected ${expected}, found the bare number ${v} (add a unit: ${v}s?)`);
  if (typeof v !== 'string') return err(`expected ${expected}`);
  const s = v.trim();
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(s)) return err(`expected ${expected}, found '${v}'`);
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
  return ok(total);
}

/**
 * `5%`, `0.5%` → 0.05, 0.005; a bare number ≤ 1 is already a fraction (`0.05`).
 * `max` is the largest percentage allowed (100 unless stated); 0 is rejected unless `allowZero`.
 */
export function parsePercent(v: unknown, opts: { max?: number; allowZero?: boolean } = {}): Parsed<number> {
  const max = opts.max ?? 100;
  const range = `${opts.allowZero ? '0' : 'more than 0'} and at most ${max}%`;
  let pct: number;
  if (typeof v === 'number') {
    if (v > 1) return err(`a bare number is a fraction (0.05 = 5%), and ${v} > 1; did you mean ${v}%?`);
    pct = v * 100;
  } else if (typeof v === 'string' && /^\s*\d+(\.\d+)?\s*%\s*$/.test(v)) {
    pct = Number(v.trim().slice(0, -1).trim());
  } else if (typeof v === 'string' && /^\s*-/.test(v)) {
    return err(`expected a percentage ${range}, found '${v}'`);
  } else {
    return err(`expected a percentage such as 5% or 0.5%, found ${typeof v === 'string' ? `'${v}'` : String(v)}`);
  }
  if (pct < 0 || pct > max || (pct === 0 && !opts.allowZero)) return err(`expected a percentage ${range}, found ${pct}%`);
  return ok(pct / 100);
}

export type LoadUnit = 'rps' | 'share';

/** A load level: requests/s in generate mode (`100`, `100rps`, `100/s`), a multiple of the fair share (`1.5x`) in shift mode. */
export function parseLoad(v: unknown, unit: LoadUnit): Parsed<number> {
  let n: number | undefined;
  let written: 'rps' | 'share' | undefined;
  if (typeof v === 'number') {
    n = v;
    written = 'rps';
  } else if (typeof v === 'string') {
    const m = /^\s*(-?\d+(?:\.\d+)?|-?\.\d+)\s*(x|rps|\/s)?\s*$/.exec(v);
    if (m) {
      n = Number(m[1]);
      written = m[2] === 'x' ? 'share' : 'rps';
    }
  }
  const expected = unit === 'rps' ? 'requests/s such as 100 (or 100rps)' : 'a multiple of the fair share such as 1x or 1.5x';
  if (n === undefined || written === undefined || !Number.isFinite(n)) {
    return err(`expected ${expected}, found ${typeof v === 'string' ? `'${v}'` : describeValue(v)}`);
  }
  if (written !== unit) {
    return err(
      unit === 'rps'
        ? `'${String(v)}' is a multiple of the fair share, which is for shift mode; generate mode takes ${expected}`
        : `${String(v)} is requests/s, but shift mode takes ${expected}`,
    );
  }
  if (!(n > 0)) return err(`must be more than 0, found ${String(v)}`);
  return ok(n);
}

/**
 * HTTP status ranges counted as errors: `500`, `"400-404"`, `">=500"`, `">499"`, `"<=399"`, `"5xx"`.
 * Inclusive ranges within 100–599.
 */
export function parseStatusRange(v: unknown): Parsed<[number, number]> {
  const expected = `expected a status (429), a range ("400-404", ">=500", "5xx")`;
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : undefined;
  if (s === undefined) return err(`${expected}, found ${describeValue(v)}`);
  let range: [number, number] | undefined;
  let m: RegExpExecArray | null;
  if ((m = /^(\d{3})$/.exec(s))) range = [Number(m[1]), Number(m[1])];
  else if ((m = /^(\d{3})\s*-\s*(\d{3})$/.exec(s))) range = [Number(m[1]), Number(m[2])];
  else if ((m = /^([1-5])xx$/i.exec(s))) range = [Number(m[1]) * 100, Number(m[1]) * 100 + 99];
  else if ((m = /^(>=|>|<=|<)\s*(\d{3})$/.exec(s))) {
    const n = Number(m[2]);
    range = m[1] === '>=' ? [n, 599] : m[1] === '>' ? [n + 1, 599] : m[1] === '<=' ? [100, n] : [100, n - 1];
  }
  if (!range) return err(`${expected}, found '${s}'`);
  if (range[0] < 100 || range[1] > 599 || range[0] > range[1]) return err(`'${s}' is not a range of HTTP statuses within 100-599`);
  return ok(range);
}

export interface TargetOrigin {
  /** scheme://host[:port], without credentials or trailing slash. */
  origin: string;
  username?: string;
  password?: string;
}

/** `http(s)://host[:port]` with no path; credentials are split off (they become a secret header). */
export function parseTarget(v: string): Parsed<TargetOrigin> {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return err(`expected an origin such as http://127.0.0.1:8080, found '${v}'`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return err(`expected an http:// or https:// origin, found '${u.protocol}' in '${v}'`);
  if (!u.hostname) return err(`expected a host in '${v}'`);
  if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) {
    return err(`the target is an origin without a path; put '${u.pathname}${u.search}' in traffic.requests[].path instead`);
  }
  const out: TargetOrigin = { origin: `${u.protocol}//${u.host}` };
  try {
    if (u.username) out.username = decodeURIComponent(u.username);
    if (u.password) out.password = decodeURIComponent(u.password);
  } catch {
    return err(`the credentials in the target are not valid percent-encoding (write @ as %40, % as %25)`);
  }
  return ok(out);
}

/** Short description of a parsed YAML value for "found …" messages. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Uint8Array) return 'binary data';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string '${v.length > 40 ? v.slice(0, 37) + '...' : v}'`;
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'boolean') return `${v}`;
  return typeof v;
}
