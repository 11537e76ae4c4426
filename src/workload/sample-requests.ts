// A few templated requests filled in as a run would fill them, for `loadtest plan`: the user sees
// what the holes become (encoding included) before sending anything. Fixed random seed, so the
// same scenario always shows the same samples; `seq` counts from 1 as in a run; data columns come
// from the file's rows as a run draws them (a private cursor: nothing is used up).
import type { DataSpec, RequestSpec } from '../scenario/scenario.js';
import { columnResolver, createTemplateRuntime, OutBuffer } from './byte-template.js';
import { openFeeder } from './data/feeder.js';
import { applyRows, RequestData } from './request-data.js';
import { Rng, SeqSource } from './random-source.js';
import { compileRequestParts, renderParts } from './request-template.js';

/** Longest body shown per sample. */
const BODY_CHARS = 120;

/**
 * Lines: each templated request (its name), then `count` renderings of it, indented. Empty when no
 * request has a hole. A header whose value (template text) is among `secrets` shows as `***`
 * whole: its literal parts may be a credential that a rendering would no longer match.
 */
export function sampleRequestLines(
  requests: readonly RequestSpec[],
  secrets: readonly string[] = [],
  count = 3,
  data: Readonly<Record<string, DataSpec>> = {},
): string[] {
  // A secret (a header marked secret, a ${VAR}) may also be a value in a data file: masked wherever it shows.
  const secret = new Set(secrets);
  const templated = requests.filter((r) => r.template);
  if (templated.length === 0) return [];
  const feeders = Object.values(data).map((d) => openFeeder(d, { seed: 1 }));
  const rt = createTemplateRuntime(new SeqSource(), new Rng(new Uint8Array(16).fill(0x5a)), feeders);
  // A session's captured values exist only in a run: shown by name (`/items/captured.item_id`).
  rt.lookup = (name) => `captured.${name}`;
  const draws = new RequestData(feeders, templated);
  const columns = columnResolver(feeders);
  const scratch = new OutBuffer();
  const lines = ['sample requests (templates filled in as a run fills them):'];
  for (const [i, r] of templated.entries()) {
    const parts = compileRequestParts(r, columns);
    const names = Object.keys(r.template!.headers ?? {});
    lines.push(`  ${r.name}`);
    for (let k = 0; k < count; k++) {
      const rows = draws.draw(i);
      if (rows === undefined) break; // a unique file with fewer rows than samples
      applyRows(rt, rows);
      const x = renderParts(parts, scratch, rt);
      let line = `    ${x.method} ${x.path}`;
      for (let k = 0; k < x.headers.length; k += 2) {
        const name = x.headers[k]!;
        if (names.includes(name)) line += `  ${name}: ${secret.has(r.headers[name]!) ? '***' : x.headers[k + 1]}`;
      }
      if (r.template!.body && x.body) {
        const text = x.body.toString('utf8');
        line += `  body: ${text.length > BODY_CHARS ? `${text.slice(0, BODY_CHARS)}…` : text}`;
      }
      lines.push(line);
    }
  }
  return lines;
}
