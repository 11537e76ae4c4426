// Fields a request, a replayed log's mix and a session share: `name:` and `weight:`.
import type { MapView, Reader } from './yaml-reader.js';

/** A request's `name:` (stats and `p99{name}` use it): non-empty, no braces; undefined after reporting a problem. */
export function readRequestName(r: Reader, m: MapView): string | undefined {
  const v = r.text(m.get('name'), m.p('name'), undefined, false);
  if (v === undefined) return undefined;
  if (v.trim() === '' || /[{}]/.test(v)) {
    r.reportAt(m.get('name'), m.p('name'), `expected a non-empty name without '{' or '}' (it is used as p99{name}), found '${v}'`);
    return undefined;
  }
  return v.trim();
}

/** `weight:` (default 1): a number > 0; undefined after reporting a problem. */
export function readWeight(r: Reader, m: MapView): number | undefined {
  if (!m.has('weight')) return 1;
  const w = r.number(m.get('weight'), m.p('weight'), 'a weight > 0');
  if (w !== undefined && !(w > 0)) r.reportAt(m.get('weight'), m.p('weight'), `expected a weight > 0, found ${w}`);
  return w === undefined || !(w > 0) ? undefined : w;
}
