import fs from 'node:fs';
import path from 'node:path';
import { dataDirectory } from '../config';

/**
 * A running facade leaves its public base URL in DATA_DIR, so that `npm run token` in another
 * terminal reaches the facade the user started (on whatever PORT) without being told again. The
 * file is removed when the facade stops; one left by a facade that died is recognised by its pid,
 * and one written by another user (DATA_DIR shared, or writable by others) is not believed: the
 * client's signed assertion would be sent to whatever address it names.
 */
export const RUNNING_FACADE_FILE = 'running-facade.json';

interface Announcement {
  baseUrl: string;
  pid: number;
}

/** DATA_DIR as the facade reads it (the embedded store's directory; with PostgreSQL, where the sandbox signing key goes). */
export function runDir(env: NodeJS.ProcessEnv = process.env): string {
  return dataDirectory(env);
}

/** Writes the file; the function returned removes it, unless another facade has written its own since. */
export function announceRunningFacade(dir: string, baseUrl: string): () => void {
  const file = path.join(dir, RUNNING_FACADE_FILE);
  fs.mkdirSync(dir, { recursive: true });
  const mine: Announcement = { baseUrl, pid: process.pid };
  fs.writeFileSync(file, `${JSON.stringify(mine)}\n`);
  return () => {
    try {
      if (readAnnouncement(file)?.pid === process.pid) fs.rmSync(file, { force: true });
    } catch {
      // Gone already, or unreadable: nothing of ours to remove.
    }
  };
}

/** The base URL of the facade running from this directory, if one is: undefined when none announced itself or it has died. */
export function runningFacadeBaseUrl(dir: string): string | undefined {
  const found = readAnnouncement(path.join(dir, RUNNING_FACADE_FILE));
  return found && alive(found.pid) ? found.baseUrl : undefined;
}

/** The announcement in the file, if it is a regular file of this process's user (where the platform has users) and well formed. */
function readAnnouncement(file: string): Announcement | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    // Checked on the file that was opened, so it cannot be swapped between the check and the read.
    const stat = fs.fstatSync(fd);
    const uid = process.getuid?.();
    if (!stat.isFile() || (uid !== undefined && stat.uid !== uid)) return undefined;
    const parsed = JSON.parse(fs.readFileSync(fd, 'utf8')) as Partial<Announcement>;
    return typeof parsed.baseUrl === 'string' && Number.isInteger(parsed.pid) ? (parsed as Announcement) : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user (a facade run as a service user).
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
