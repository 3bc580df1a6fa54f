import fs from 'node:fs';
import path from 'node:path';

/**
 * One process at a time per embedded data directory. PGlite has no postmaster to refuse a second
 * opener, and two PostgreSQL instances writing one directory corrupt it.
 *
 * The lock is the operating system's (fs-native-extensions: open-file-description locks, fcntl
 * F_OFD_SETLK, on Linux; flock on macOS; LockFileEx on Windows), not a lock file whose presence is
 * the lock (proper-lockfile, lockfile and pid files): the kernel drops it the moment its holder dies,
 * however it dies (SIGKILL, OOM killer, power loss), so a restart right after a crash succeeds at once
 * with no stale-lock timeout to wait out, and a live holder whose event loop is busy (a large load)
 * is never taken for dead and robbed. It also holds between containers sharing a volume on one host.
 * The file keeps the holder's pid, for the message; an empty or stale pid in it means nothing.
 */
// The package ships no type declarations: the two functions used, as its README gives them.
const { tryLock, unlock } = require('fs-native-extensions') as { tryLock(fd: number): boolean; unlock(fd: number): void };

export const LOCK_FILE = 'facade.lock';

export class DataDirLockedError extends Error {}

export interface DataDirLock {
  release(): void;
}

export function lockDataDir(dataDir: string): DataDirLock {
  const file = path.join(dataDir, LOCK_FILE);
  const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
  let granted: boolean;
  try {
    granted = tryLock(fd);
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  if (!granted) {
    const pid = /^\d+/.exec(fs.readFileSync(fd, 'utf8'))?.[0];
    fs.closeSync(fd);
    throw new DataDirLockedError(
      `the data directory ${dataDir} is in use by another process${pid ? ` (pid ${pid})` : ''}: a facade, npm run reset and npm run generate ` +
        'each need it to themselves. Stop that process first, or set DATA_DIR to another directory.',
    );
  }
  fs.ftruncateSync(fd, 0);
  fs.writeSync(fd, `${process.pid}\n`, 0);
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      try {
        fs.ftruncateSync(fd, 0);
        unlock(fd);
      } finally {
        fs.closeSync(fd);
      }
    },
  };
}
