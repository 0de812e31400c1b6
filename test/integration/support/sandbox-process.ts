/**
 * `npm start -- ARGS` as a user runs it, in a process group of its own, so that a test can wait for its
 * lines, read the `export …` line it prints for the user's own commands, and stop everything it started.
 */
import { execFile, spawn } from 'node:child_process';

/** A sandbox started by a test. */
export interface SandboxProcess {
  /** Resolves once the output contains `text`; rejects if the sandbox exits first. */
  printed(text: string): Promise<void>;
  /** Everything printed so far. */
  output(): string;
  /** The variables of the `export AWS_ENDPOINT_URL=…` line the sandbox prints for the user's shell. */
  exportedEnv(): Record<string, string>;
  /** Ctrl-C, as a terminal sends it to the foreground group; resolves with the exit code and the processes left. */
  stop(): Promise<{ readonly code: number | null; readonly leftBehind: readonly string[] }>;
}

/** Starts `npm start -- ARGS` with `env`. */
export function startSandbox(args: readonly string[], env: NodeJS.ProcessEnv): SandboxProcess {
  const child = spawn('npm', ['start', '--', ...args], { detached: true, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const pgid = child.pid;
  if (pgid === undefined) throw new Error('npm did not start');
  let output = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const waiter of waiters.filter((w) => output.includes(w.text))) waiter.resolve();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const finished = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  return {
    output: () => output,
    printed: (text) =>
      new Promise<void>((resolve, reject) => {
        if (output.includes(text)) resolve();
        else waiters.push({ text, resolve });
        finished.then(() => reject(new Error(`the sandbox exited before printing "${text}":\n${output}`)), reject);
      }),
    exportedEnv() {
      const line = /export (AWS_ENDPOINT_URL=.*)$/m.exec(output)?.[1];
      if (line === undefined) throw new Error(`no export line in:\n${output}`);
      return Object.fromEntries(
        line
          .trim()
          .split(/\s+/)
          .map((pair) => pair.split('=', 2) as [string, string]),
      );
    },
    async stop() {
      process.kill(-pgid, 'SIGINT');
      const code = await finished;
      const leftBehind = await processesInGroup(pgid);
      if (leftBehind.length > 0) process.kill(-pgid, 'SIGKILL');
      return { code, leftBehind };
    },
  };
}

/** The processes still running in a process group. A zombie (state Z) has exited already and only awaits reaping. */
export function processesInGroup(pgid: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile('ps', ['-e', '-o', 'pid=,pgid=,stat=,args='], (error, stdout) => {
      if (error !== null) {
        reject(error);
        return;
      }
      resolve(
        stdout
          .split('\n')
          .map((line) => line.trim().split(/\s+/))
          .filter(([, group, state]) => Number(group) === pgid && !state?.startsWith('Z'))
          .map((fields) => fields.join(' ')),
      );
    });
  });
}
