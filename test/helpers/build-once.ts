// Integration tests spawn the real CLI (bin/loadtest.js → dist/). Build once before they run;
// --noCheck keeps this fast: type errors are `npm run typecheck`'s job, not the test run's.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--noCheck'], {
    cwd: root,
    stdio: 'inherit',
  });
}
