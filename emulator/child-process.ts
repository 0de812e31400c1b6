import type { ChildProcess } from 'node:child_process';

/** How long a child gets to exit on SIGTERM before it is killed. */
const STOP_GRACE_MS = 5_000;

/**
 * Stops a child process and resolves once it has exited: closes its IPC channel if it has one (a
 * worker's signal to finish), sends SIGTERM, and SIGKILL after a grace period.
 */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    if (child.connected) child.disconnect();
    child.kill('SIGTERM');
  });
}
