// Separate "hosts" for distributed tests: network namespaces this test creates (root only), each
// with its own loopback and a veth link to one "controller" namespace. The controller namespace
// holds CONTROLLER_IP on its loopback; every agent namespace routes to it over its own link, so
// agents reach the controller and the target only through their veth (which may be given a delay
// with netem, as a remote host would have). Everything is deleted by cleanup().
import { spawnSync } from 'node:child_process';

export const CONTROLLER_IP = '10.77.0.1';

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${(r.stderr || r.error?.message || '').trim()}`);
}

/** Whether this machine lets us create a network namespace (root, iproute2, a kernel that allows it). */
export function canCreateNetns(): boolean {
  const name = `lt-probe-${process.pid}`;
  const r = spawnSync('ip', ['netns', 'add', name], { encoding: 'utf8' });
  if (r.status !== 0) return false;
  spawnSync('ip', ['netns', 'del', name]);
  return true;
}

export interface Hosts {
  controller: string;
  agents: string[];
  /** Whether agent i's link got its netem delay (false where the kernel has no netem). */
  delayed: boolean[];
  /** The command prefix that runs a program inside a namespace. */
  exec(ns: string): string[];
  cleanup(): void;
}

/**
 * A controller namespace and `n` agent namespaces, agent i linked to the controller by a veth pair
 * on 10.77.(i+1).0/30; `delayMs[i]` (optional) adds that one-way netem delay on agent i's side
 * where the kernel has netem (`delayed` says).
 */
export function createHosts(n: number, delayMs: number[] = []): Hosts {
  const tag = (process.pid % 100_000).toString(36);
  const controller = `lt-c-${tag}`;
  const agents = Array.from({ length: n }, (_, i) => `lt-a${i}-${tag}`);
  const made: string[] = [];
  const delayed: boolean[] = [];
  const cleanup = () => {
    for (const ns of made.splice(0)) spawnSync('ip', ['netns', 'del', ns]);
  };
  try {
    for (const ns of [controller, ...agents]) {
      ip('netns', 'add', ns);
      made.push(ns);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    ip('-n', controller, 'addr', 'add', `${CONTROLLER_IP}/32`, 'dev', 'lo');
    agents.forEach((ns, i) => {
      const [c, a] = [`vc${i}-${tag}`, `va${i}-${tag}`];
      ip('link', 'add', c, 'netns', controller, 'type', 'veth', 'peer', 'name', a, 'netns', ns);
      ip('-n', controller, 'addr', 'add', `10.77.${i + 1}.1/30`, 'dev', c);
      ip('-n', controller, 'link', 'set', c, 'up');
      ip('-n', ns, 'addr', 'add', `10.77.${i + 1}.2/30`, 'dev', a);
      ip('-n', ns, 'link', 'set', a, 'up');
      ip('-n', ns, 'route', 'add', 'default', 'via', `10.77.${i + 1}.1`);
      // netem needs the sch_netem kernel module, which not every machine has: without it, no delay.
      if ((delayMs[i] ?? 0) > 0) {
        const r = spawnSync('ip', ['netns', 'exec', ns, 'tc', 'qdisc', 'add', 'dev', a, 'root', 'netem', 'delay', `${delayMs[i]}ms`], { encoding: 'utf8' });
        delayed.push(r.status === 0);
      } else delayed.push(false);
    });
  } catch (err) {
    cleanup();
    throw err;
  }
  return { controller, agents, delayed, exec: (ns) => ['ip', 'netns', 'exec', ns], cleanup };
}
