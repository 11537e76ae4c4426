// Atomic file writes for reports: write a temp file in the same directory, fsync it, rename it over
// the target (creating the directory first). A reader — a CI artifact upload, `loadtest compare`, a
// browser — sees the old file or the new one, never half of one, even if we are killed mid-write.
import { fstatSync, statSync } from 'node:fs';
import { mkdir, open, realpath, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

let counter = 0;

/**
 * 1 or 2 when `path` is this process's own stdout or stderr (`/dev/stdout`, `/dev/fd/2`, the file
 * or pipe either goes to), else undefined. Such a path is written through the stream the process
 * already has, never opened again: opening a socket fails (ENXIO: a parent's socketpair, the
 * journal), and a pipe another user made (CRI-O's for a non-root container) refuses its owner's
 * permission (EACCES), though the fd inherited writes fine.
 */
export function stdioFdOf(path: string): 1 | 2 | undefined {
  try {
    const st = statSync(path); // follows /dev/stdout → /proc/self/fd/1 → the stream
    for (const fd of [1, 2] as const) {
      const own = fstatSync(fd);
      if (own.dev === st.dev && own.ino === st.ino) return fd;
    }
  } catch {
    // no such path, or no such fd: not ours
  }
  return undefined;
}

function writeStdio(fd: 1 | 2, data: string | Uint8Array): Promise<void> {
  const stream = fd === 1 ? process.stdout : process.stderr;
  return new Promise((resolve, reject) => void stream.write(data, (err) => (err ? reject(err) : resolve())));
}

export async function writeFileAtomic(requested: string, data: string | Uint8Array): Promise<void> {
  const fd = stdioFdOf(requested);
  if (fd !== undefined) return writeStdio(fd, data);
  let path = requested;
  try {
    const st = await stat(requested); // follows symlinks
    // A device or FIFO (`--json /dev/stdout`, a pipe): renaming a temp file over it would replace
    // it (as root, even in /dev). Write into it instead.
    if (!st.isFile()) return await writeFile(requested, data);
    // A symlink to a regular file: replace the file it points to and keep the link.
    path = await realpath(requested);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  // Same directory: rename(2) is only atomic within one file system. Dot-prefixed: globs skip it.
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${++counter}.tmp`);
  const fh = await open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
