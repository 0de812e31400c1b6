/**
 * Runs a built Lambda bundle as Lambda would, through the invoke tool (scripts/invoke.ts, built to
 * dist/invoke/index.mjs): a fresh Node process per invocation with the function's environment only, a
 * Lambda context whose remaining time counts down to the timeout, and the function's stdout and stderr in
 * one stream, in order, as in its log stream. The sandbox, the integration tests and the bench all run the
 * remediator through here; this is the one place a Node binary is started for it.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { FUNCTION_TIMEOUT_SECONDS } from '../core/pipeline-settings.js';
import { BUNDLES, REPO_ROOT } from '../toolchain/bundles.mjs';
import { lambdaNodePath } from '../toolchain/lambda-node.mjs';
import { EmulatorError, LambdaTimeoutError } from './errors.js';

/** How long past the function's timeout the process may take to report it before it is killed. */
const KILL_GRACE_MS = 5_000;

/** How to run the bundle. */
export interface RunOptions {
  /** The function's whole environment: nothing of the caller's leaks in. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** @default FUNCTION_TIMEOUT_SECONDS, in milliseconds */
  readonly timeoutMs?: number;
  /** The bundle, relative to the repository or absolute. @default the remediator's (toolchain/bundles.mjs) */
  readonly bundle?: string;
  /** The Node binary that runs it. @default lambdaNodePath(): the Lambda runtime's Node.js major */
  readonly node?: string;
  /** Each line the function writes, as it writes it. */
  readonly onLine?: (line: string) => void;
}

/** One invocation that returned. */
export interface Invocation {
  /** The handler's result. */
  readonly result: unknown;
  /** Every line the function wrote, in order: its log lines and metric (EMF) documents. */
  readonly lines: readonly string[];
  /** The Node.js version the function ran on, from the invoke tool's INIT_START line. */
  readonly node: string | undefined;
}

/** The handler threw, or the bundle failed to load: Lambda's error response. */
export class InvocationError extends EmulatorError {
  override name = 'InvocationError';

  constructor(
    readonly errorType: string,
    readonly errorMessage: string,
    /** What the function wrote before it failed. */
    readonly lines: readonly string[],
  ) {
    super(`${errorType}: ${errorMessage}`);
  }
}

/**
 * Invokes the bundle's handler with `event` and resolves with its result. Rejects with
 * {@link InvocationError} when the handler throws, {@link LambdaTimeoutError} when it outlives the timeout,
 * and EmulatorError when the process cannot run.
 */
export function runBundle(event: unknown, options: RunOptions): Promise<Invocation> {
  const timeoutMs = options.timeoutMs ?? FUNCTION_TIMEOUT_SECONDS * 1000;
  const args = [
    BUNDLES.invoke.path,
    '--raw',
    '--bundle',
    options.bundle ?? BUNDLES.remediator.path,
    '--timeout',
    String(timeoutMs / 1000),
    '--result-fd',
    '3',
    '-',
  ];
  const child = spawn(options.node ?? lambdaNodePath(), args, {
    cwd: REPO_ROOT,
    env: withoutUndefined(options.env),
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const stderr: string[] = [];
  let result = '';
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    options.onLine?.(line);
  });
  // The invoke tool routes the function's stderr to stdout; what arrives here is its INIT_START line and
  // Node's own output (a crash).
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  child.stdio[3]?.on('data', (chunk: Buffer) => {
    result += chunk.toString();
  });
  child.stdin.end(JSON.stringify(event));

  return new Promise((resolve, reject) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs + KILL_GRACE_MS);
    child.once('error', (error) => {
      clearTimeout(killer);
      reject(new EmulatorError(`could not start the function: ${error.message}`, { cause: error }));
    });
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      const answer = parse(result);
      const node = /^INIT_START node (\S+)$/m.exec(stderr.join(''))?.[1];
      if (code === 0 && answer !== undefined) resolve({ result: answer.value, lines, node });
      else if (signal === 'SIGKILL') reject(new LambdaTimeoutError(`the function timed out after ${timeoutMs} ms`));
      else if (isErrorResponse(answer?.value)) {
        const { errorType, errorMessage } = answer.value;
        reject(
          errorType === TIMEOUT_ERROR_TYPE
            ? new LambdaTimeoutError(errorMessage)
            : new InvocationError(errorType, errorMessage, lines),
        );
      } else reject(new EmulatorError(`the function's process exited (${signal ?? code}): ${stderr.join('').trim()}`));
    });
  });
}

/** The errorType Lambda reports for a timed-out invocation; the invoke tool uses it too. */
export const TIMEOUT_ERROR_TYPE = 'Sandbox.Timedout';

function parse(text: string): { readonly value: unknown } | undefined {
  if (text.trim() === '') return undefined;
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

function isErrorResponse(value: unknown): value is { errorType: string; errorMessage: string } {
  const candidate = value as { errorType?: unknown; errorMessage?: unknown } | null | undefined;
  return typeof candidate?.errorType === 'string' && typeof candidate.errorMessage === 'string';
}

function withoutUndefined(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
