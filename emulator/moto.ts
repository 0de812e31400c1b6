/**
 * Starts and stops a local moto server, the AWS emulator that stands in for IAM, EventBridge and SQS in
 * the tests, the bench and the local sandbox. Loopback only, on a free port.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { PYTHON_TOOLS_COMMAND, pythonTools } from '../toolchain/python-tools.mjs';
import { stopChild } from './child-process.js';

/** A running moto server. */
export interface MotoServer {
  /** `http://127.0.0.1:<port>`: set it as AWS_ENDPOINT_URL. */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Options for {@link startMoto}. */
export interface MotoOptions {
  /** The command that runs moto's server, before its arguments. @default the moto of {@link pythonTools} */
  readonly command?: readonly string[];
  /** How long to wait for moto to listen. @default 30_000 */
  readonly timeoutMs?: number;
  /** Extra environment for moto. `MOTO_IAM_LOAD_MANAGED_POLICIES=true` is always set, so AWS managed policies exist. */
  readonly env?: Readonly<Record<string, string>>;
}

/** The error that says moto cannot be run, and where to see why. */
export class MotoUnavailableError extends Error {
  override name = 'MotoUnavailableError';

  constructor(detail: string) {
    super(`moto is not available (${detail}); see why with: ${PYTHON_TOOLS_COMMAND}`);
  }
}

/** Starts moto's server on 127.0.0.1 with port 0 and reads back the port it bound. */
export async function startMoto(options: MotoOptions = {}): Promise<MotoServer> {
  const [file = 'python3', ...prefix] = options.command ?? (await pythonTools()).moto;
  const child = spawn(file, [...prefix, '-H', '127.0.0.1', '-p', '0'], {
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await waitForPort(child, options.timeoutMs ?? 30_000);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: () => stopChild(child),
  };
}

function waitForPort(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`moto did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        // Keep draining moto's request log so a full pipe never blocks it.
        child.stdout?.removeListener('data', onData);
        child.stderr?.removeListener('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new MotoUnavailableError(error.message));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      const missing = /No module named|ModuleNotFoundError/.test(output);
      reject(
        missing
          ? new MotoUnavailableError(output.trim().split('\n').at(-1) ?? '')
          : new Error(`moto exited (${code}):\n${output}`),
      );
    });
  });
}
