// For tests that start real worker_threads on source modules: Node 20 cannot run TypeScript, so
// the entry module and every module it imports (relative imports, followed recursively) are
// transpiled with TypeScript's transpileModule into a temporary folder that mirrors src/.
// Returns the folder; `import(join(dir, 'workload/data/feeder.js'))` then works in any thread.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const SRC = resolve(import.meta.dirname, '../../src');

export function transpileSrc(entries: readonly string[], into = mkdtempSync(join(tmpdir(), 'loadtest-src-'))): string {
  const seen = new Set<string>();
  const queue = entries.map((e) => resolve(SRC, e.replace(/\.js$/, '.ts')));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    const out = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
      fileName: file,
    });
    const target = join(into, relative(SRC, file).replace(/\.ts$/, '.js'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, out.outputText);
    // Type-only imports are gone from the output: follow the imports that remain.
    for (const m of out.outputText.matchAll(/(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/g)) {
      queue.push(resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
    }
  }
  return into;
}
