// Child process of the region test bed (region-bed.ts), so its event loop does not share a CPU
// queue with the test's. Two modes:
//   node region-child.mjs web '[{"name":"webA1","dep":"http://127.0.0.1:P"}, …]'
//     one HTTP server per entry on 127.0.0.1:0; each request calls its region's dependency (through
//     the internal HAProxy) and answers with the dependency's status (502 when it cannot reach it).
//     Prints one JSON line {name: port, …} when every server listens.
//   node region-child.mjs traffic '{"urls":[…],"rps":R,"durationMs":D}'
//     "live" user traffic: Poisson arrivals at R req/s spread round-robin over the edge URLs, for at
//     most D ms and at most 1.2 × R × D requests, at most 500 in flight. Prints "started", and on
//     exit (end of D, SIGTERM or SIGINT) one JSON line {sent, completed, errors}.
import http from 'node:http';

const [mode, arg] = process.argv.slice(2);
const config = JSON.parse(arg);

if (mode === 'web') {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const ports = {};
  await Promise.all(
    config.map(
      ({ name, dep }) =>
        new Promise((resolve) => {
          const server = http.createServer((req, res) => {
            req.resume();
            const out = http.get(dep + '/', { agent, timeout: 5000 }, (r) => {
              r.resume();
              r.on('end', () => res.writeHead(r.statusCode ?? 502, { 'content-type': 'text/plain' }).end(`${name}\n`));
            });
            out.on('timeout', () => out.destroy(new Error('timeout')));
            out.on('error', () => {
              if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end('dependency unreachable\n');
            });
          });
          server.keepAliveTimeout = 60_000;
          server.listen(0, '127.0.0.1', () => {
            ports[name] = server.address().port;
            resolve();
          });
        }),
    ),
  );
  process.stdout.write(JSON.stringify(ports) + '\n');
  process.on('SIGTERM', () => process.exit(0));
} else if (mode === 'traffic') {
  const { urls, rps, durationMs } = config;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const limit = Math.ceil(1.2 * rps * (durationMs / 1000));
  const stats = { sent: 0, completed: 0, errors: 0 };
  let inFlight = 0;
  let next = performance.now();
  const end = next + durationMs;
  let turn = 0;
  let seed = 12345;
  const uniform = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return (seed + 0.5) / 2147483648;
  };
  const finish = () => {
    clearInterval(tick);
    process.stdout.write(JSON.stringify(stats) + '\n', () => process.exit(0));
  };
  const tick = setInterval(() => {
    const now = performance.now();
    if (now >= end || stats.sent >= limit) return finish();
    while (next <= now && stats.sent < limit) {
      next += (-Math.log(uniform()) / rps) * 1000;
      stats.sent++;
      if (inFlight >= 500) {
        stats.errors++;
        continue;
      }
      inFlight++;
      const req = http.get(urls[turn++ % urls.length] + '/', { agent, timeout: 10_000 }, (r) => {
        r.resume();
        r.on('end', () => {
          inFlight--;
          stats.completed++;
          if ((r.statusCode ?? 0) >= 500) stats.errors++;
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        inFlight--;
        stats.errors++;
      });
    }
  }, 5);
  process.on('SIGTERM', finish);
  process.on('SIGINT', finish);
  process.stdout.write('started\n');
} else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
