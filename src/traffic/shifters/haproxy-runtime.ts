// A client for HAProxy's runtime API (the "stats socket"), over a unix socket or TCP. One command per
// connection (HAProxy's non-interactive mode: send "cmd\n", read until it closes), with a timeout,
// so a vanished socket fails one command instead of wedging a session. Parsers are pure and exported.
import net from 'node:net';
import { LoadtestError } from '../../errors.js';

export interface RuntimeAddress {
  /** Unix socket path … */
  socket?: string;
  /** … or host:port of a TCP stats socket. */
  address?: string;
}

/** One row of `show stat` (a frontend, backend or server), the fields we use typed, the rest raw. */
export interface StatRow {
  pxname: string;
  svname: string;
  /** 0 frontend, 1 backend, 2 server, 3 listener. */
  type: number;
  status: string;
  weight: number;
  /** Current queue (requests waiting for a connection slot). */
  qcur: number;
  scur: number;
  /** Cumulative sessions (in HTTP mode: one per request forwarded to the server). */
  stot: number;
  /** Cumulative HTTP requests (frontends/backends; empty for servers on some versions → undefined). */
  reqTot?: number;
  hrsp5xx: number;
  /** Connection errors to the server, response errors (server closed/aborted). */
  econ: number;
  eresp: number;
  /** Average response time (ms) over the last 1024 requests. */
  rtime: number;
  /** Balance algorithm (backend rows only), e.g. "roundrobin". */
  algo?: string;
  mode?: string;
  /** Every field by its `show stat` header name, as text. */
  raw: Record<string, string>;
}

export function describeAddress(a: RuntimeAddress): string {
  return a.socket ?? a.address ?? '(no address)';
}

/** Parses `show stat` CSV output (header line "# pxname,svname,…"). */
export function parseShowStat(text: string): StatRow[] {
  const lines = text.split('\n');
  const headerLine = lines.find((l) => l.startsWith('# '));
  if (!headerLine) throw new LoadtestError(`unexpected \`show stat\` output (no CSV header): ${text.slice(0, 80)}`);
  const header = headerLine.slice(2).split(',');
  const rows: StatRow[] = [];
  for (const line of lines) {
    if (line === '' || line.startsWith('#')) continue;
    const cells = line.split(',');
    const raw: Record<string, string> = {};
    header.forEach((h, i) => {
      if (h !== '' && h !== '-') raw[h] = cells[i] ?? '';
    });
    const num = (k: string) => {
      const v = raw[k];
      return v === undefined || v === '' ? 0 : Number(v);
    };
    rows.push({
      pxname: raw.pxname ?? '',
      svname: raw.svname ?? '',
      type: num('type'),
      status: raw.status ?? '',
      weight: num('weight'),
      qcur: num('qcur'),
      scur: num('scur'),
      stot: num('stot'),
      reqTot: raw.req_tot === undefined || raw.req_tot === '' ? undefined : Number(raw.req_tot),
      hrsp5xx: num('hrsp_5xx'),
      econ: num('econ'),
      eresp: num('eresp'),
      rtime: num('rtime'),
      algo: raw.algo || undefined,
      mode: raw.mode || undefined,
      raw,
    });
  }
  return rows;
}

/** Parses `get weight b/s` → "100 (initial 100)". */
export function parseGetWeight(text: string): { current: number; initial: number } {
  const m = /^(\d+) \(initial (\d+)\)/.exec(text.trim());
  if (!m) throw new LoadtestError(`HAProxy: ${firstLine(text) || 'empty answer to get weight'}`);
  return { current: Number(m[1]), initial: Number(m[2]) };
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

/** One server of `show servers state` (HAProxy ≥ 1.6 format version 1). */
export interface ServerState {
  backend: string;
  server: string;
  /** srv_op_state: 0 stopped, 1 starting, 2 running, 3 stopping. */
  opState: number;
  adminState: number;
  /** User-visible weight (what `set server … weight` sets) and the weight from the configuration. */
  uweight: number;
  iweight: number;
}

/** Parses `show servers state [backend]` (first line the format version, then a "# be_id …" header). */
export function parseServersState(text: string): ServerState[] {
  const lines = text.split('\n');
  const header = lines.find((l) => l.startsWith('# '))?.slice(2).split(' ');
  if (!header) throw new LoadtestError(`unexpected \`show servers state\` output: ${firstLine(text) || '(empty)'}`);
  const col = (name: string) => header.indexOf(name);
  const out: ServerState[] = [];
  for (const l of lines) {
    if (l === '' || l.startsWith('#') || /^\d+$/.test(l.trim())) continue;
    const f = l.split(' ');
    out.push({
      backend: f[col('be_name')] ?? '',
      server: f[col('srv_name')] ?? '',
      opState: Number(f[col('srv_op_state')]),
      adminState: Number(f[col('srv_admin_state')]),
      uweight: Number(f[col('srv_uweight')]),
      iweight: Number(f[col('srv_iweight')]),
    });
  }
  return out;
}

/** Algorithms whose servers ignore runtime weights (HAProxy configuration manual, "balance"). */
export const STATIC_ALGORITHMS = ['static-rr', 'first'];
/** Hash algorithms: static with `hash-type map-based` (the default), dynamic with `consistent`. */
export const HASH_ALGORITHMS = ['source', 'uri', 'url_param', 'hdr', 'rdp-cookie', 'hash'];

export class HaproxyRuntime {
  constructor(
    readonly addr: RuntimeAddress,
    private readonly timeoutMs = 5000,
  ) {}

  /** Sends one command on a fresh connection and resolves with HAProxy's whole answer. */
  command(cmd: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const where = describeAddress(this.addr);
      let opts: net.NetConnectOpts;
      if (this.addr.socket) opts = { path: this.addr.socket };
      else {
        const a = this.addr.address ?? '';
        const i = a.lastIndexOf(':');
        opts = { host: a.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(a.slice(i + 1)) };
      }
      const chunks: Buffer[] = [];
      let done = false;
      const sock = net.connect(opts);
      const finish = (err?: Error) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        sock.destroy();
        if (err) reject(err);
        else resolve(Buffer.concat(chunks).toString('utf8'));
      };
      const timer = setTimeout(
        () => finish(new LoadtestError(`HAProxy runtime API at ${where}: no answer to "${cmd}" within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      sock.on('connect', () => sock.end(cmd + '\n'));
      sock.on('data', (d: Buffer) => chunks.push(d));
      sock.on('end', () => finish());
      sock.on('close', () => finish());
      sock.on('error', (e: NodeJS.ErrnoException) =>
        finish(new LoadtestError(`cannot reach the HAProxy runtime API at ${where}: ${e.code ?? e.message}`)),
      );
    });
  }

  async showInfo(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const line of (await this.command('show info')).split('\n')) {
      const i = line.indexOf(':');
      if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
    }
    return out;
  }

  /** `show stat`, or only one backend's rows (BACKEND + servers: type mask 2|4) when named. */
  async showStat(backend?: string): Promise<StatRow[]> {
    const text = await this.command(backend ? `show stat ${backend} 6 -1` : 'show stat');
    if (backend && /^No such proxy/m.test(text)) throw new LoadtestError(`HAProxy ${describeAddress(this.addr)} has no backend "${backend}"`);
    return parseShowStat(text);
  }

  /** `show cli level` (HAProxy ≥ 2.3): "admin", "operator" or "user". */
  async cliLevel(): Promise<string> {
    return firstLine(await this.command('show cli level'));
  }

  async backends(): Promise<string[]> {
    return (await this.command('show backend'))
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => l.trim());
  }

  async serversState(backend?: string): Promise<ServerState[]> {
    return parseServersState(await this.command(backend ? `show servers state ${backend}` : 'show servers state'));
  }

  async getWeight(backend: string, server: string): Promise<{ current: number; initial: number }> {
    return parseGetWeight(await this.command(`get weight ${backend}/${server}`));
  }

  /** Sets an absolute weight (0..256). HAProxy answers nothing on success; any text is an error. */
  async setWeight(backend: string, server: string, weight: number): Promise<void> {
    if (!Number.isInteger(weight) || weight < 0 || weight > 256) {
      throw new RangeError(`weight ${weight} for ${backend}/${server} is outside 0..256`);
    }
    const answer = (await this.command(`set server ${backend}/${server} weight ${weight}`)).trim();
    if (answer !== '') throw new LoadtestError(`HAProxy refused "set server ${backend}/${server} weight ${weight}": ${firstLine(answer)}`);
  }

  /** Throws a clear LoadtestError unless this socket has level admin (needed to set weights). */
  async assertAdmin(): Promise<void> {
    const level = await this.cliLevel();
    if (level !== 'admin') {
      throw new LoadtestError(
        `the HAProxy stats socket ${describeAddress(this.addr)} has level "${level || 'unknown'}", but setting weights needs level admin`,
        undefined,
        ['add `level admin` to its line in haproxy.cfg, e.g. `stats socket /run/haproxy/admin.sock mode 600 level admin`'],
      );
    }
  }

  /**
   * The backend's active, up servers with their current weights (DOWN/MAINT/DRAIN and backup servers
   * are left out: they take no share), and its balance algorithm. Refuses a missing backend or
   * server, a target that is not up, and algorithms that ignore runtime weights.
   */
  async inspectBackend(backend: string, targets: string[]): Promise<{ weights: Record<string, number>; algo: string }> {
    const names = await this.backends();
    if (!names.includes(backend)) throw new LoadtestError(`HAProxy has no backend "${backend}" (backends: ${names.join(', ') || 'none'})`);
    const rows = await this.showStat(backend);
    const be = rows.find((r) => r.pxname === backend && r.svname === 'BACKEND');
    if (!be) throw new LoadtestError(`HAProxy's \`show stat\` has no BACKEND row for "${backend}"`);
    const algo = be.algo ?? '';
    if (STATIC_ALGORITHMS.includes(algo)) {
      throw new LoadtestError(
        `backend "${backend}" uses \`balance ${algo}\`, which ignores runtime weights: traffic cannot be shifted`,
        undefined,
        ['use `balance roundrobin` (or leastconn, random) for the backend under test'],
      );
    }
    // Only active servers that are up take part: a DOWN/MAINT/DRAIN or backup server gets no share
    // of the traffic, so counting its weight would make every share (and the fair share) wrong.
    const weights: Record<string, number> = {};
    const unusable = new Map<string, string>();
    for (const r of rows) {
      if (r.pxname !== backend || r.type !== 2) continue;
      const state = /^(DOWN|MAINT|DRAIN)/.exec(r.status)?.[1] ?? (r.raw.bck === '1' ? 'a backup server' : undefined);
      if (state) unusable.set(r.svname, state);
      else weights[r.svname] = r.weight;
    }
    const missing = targets.filter((t) => !(t in weights) && !unusable.has(t));
    if (missing.length > 0) {
      throw new LoadtestError(
        `backend "${backend}" has no server ${missing.map((m) => `"${m}"`).join(', ')} (servers: ${[...Object.keys(weights), ...unusable.keys()].join(', ')})`,
      );
    }
    const down = targets.filter((t) => unusable.has(t));
    if (down.length > 0) {
      throw new LoadtestError(`server ${down.map((t) => `${t} is ${unusable.get(t)}`).join(', ')}: it receives no traffic to shift`);
    }
    // show stat's weight is the effective one (scaled during slowstart …); take the user weight.
    for (const st of await this.serversState(backend)) if (st.server in weights) weights[st.server] = st.uweight;
    return { weights, algo };
  }
}
