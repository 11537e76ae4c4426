#!/usr/bin/env node
// Entry point: the compiled CLI lives in dist/ (built by `npm install` through `prepare`).
import('../dist/cli/main.js').then((m) => m.main(process.argv)).catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist')) {
    console.error('loadtest: not built yet; run `npm run build` (npm install does it through `prepare`).');
    process.exit(1);
  }
  console.error(err);
  process.exit(1);
});
