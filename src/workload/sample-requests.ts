// A few templated requests filled in as a run would fill them, for `loadtest plan`: the user sees
// what the holes become (encoding included) before sending anything. Fixed random seed, so the
// same scenario always shows the same samples; `seq` counts from 1 as in a run.
import type { RequestSpec } from '../scenario/scenario.js';
import { createTemplateRuntime, OutBuffer } from './byte-template.js';
import { Rng, SeqSource } from './random-source.js';
import { compileRequestParts, renderParts } from './request-template.js';

/** Longest body shown per sample. */
const BODY_CHARS = 120;

/**
 * Lines: each templated request (its name), then `count` renderings of it, indented. Empty when no
 * request has a hole. A header whose value (template text) is among `secrets` shows as `***`
 * whole: its literal parts may be a credential that a rendering would no longer match.
 */
export function sampleRequestLines(requests: readonly RequestSpec[], secrets: readonly string[] = [], count = 3): string[] {
  const secret = new Set(secrets);
  const templated = requests.filter((r) => r.template);
  if (templated.length === 0) return [];
  const rt = createTemplateRuntime(new SeqSource(), new Rng(new Uint8Array(16).fill(0x5a)));
  const scratch = new OutBuffer();
  const lines = ['sample requests (templates filled in as a run fills them):'];
  for (const r of templated) {
    const parts = compileRequestParts(r);
    const names = Object.keys(r.template!.headers ?? {});
    lines.push(`  ${r.name}`);
    for (let i = 0; i < count; i++) {
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
