// Loaded into a CLI child by the soak test (`node --expose-gc --import <this> bin/loadtest.js …`),
// never by loadtest itself: on SIGUSR2 it runs a full garbage collection and appends one JSON line
// of process.memoryUsage() to the file named by LOADTEST_HEAP_PROBE. Live heap after a full GC is
// what a leak raises; RSS alone moves by ±20 MB with the collector's whims.
import { appendFileSync } from 'node:fs';

const file = process.env.LOADTEST_HEAP_PROBE;
if (file && typeof globalThis.gc === 'function') {
  process.on('SIGUSR2', () => {
    globalThis.gc();
    const m = process.memoryUsage();
    appendFileSync(
      file,
      JSON.stringify({ t: Date.now(), heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss }) + '\n',
    );
  });
}
