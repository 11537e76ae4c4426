// A request's `name:`, shared by hand-written requests and a replayed log's mix.
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
