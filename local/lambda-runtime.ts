/**
 * The sandbox's Lambda service: runs the built remediator bundle in a child process of its own (its own
 * environment, read once at import, as in Lambda), invokes it over IPC with a Lambda context, enforces the
 * function's timeout, and streams its log lines back. A timed-out or crashed environment is replaced on
 * the next invocation, as Lambda replaces a failed sandbox.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { lambdaNodePath } from '../scripts/lambda-node.mjs';
import { stopChild } from './child-process.js';
import { LambdaTimeoutError, SandboxError } from './errors.js';
import { type LambdaContextFields, lambdaContextFields } from './lambda-shapes.js';

/** Parent → worker. */
export interface InvokeRequest {
  readonly type: 'invoke';
  readonly id: string;
  readonly event: unknown;
  readonly context: LambdaContextFields;
  /** Epoch milliseconds at which the invocation times out; the context's getRemainingTimeInMillis counts down to it. */
  readonly deadline: number;
}

/** Worker → parent. */
export type WorkerReply =
  | { readonly type: 'ready' }
  | { readonly type: 'init-error'; readonly error: SerializedError }
  | { readonly type: 'result'; readonly id: string; readonly result: unknown }
  | { readonly type: 'error'; readonly id: string; readonly error: SerializedError };

/** An error as it crosses the IPC channel. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
}

/** The worker script, run by Node with tsx's loader. */
export const WORKER_PATH = fileURLToPath(new URL('./lambda-worker.ts', import.meta.url));

/** What the runtime needs. */
export interface LambdaRuntimeOptions {
  /** The bundle's path, e.g. dist/remediator/index.mjs. */
  readonly bundlePath: string;
  /** The directory tsx is installed under (the repository). */
  readonly cwd: string;
  /** The function's whole environment: nothing of the parent's leaks in. */
  readonly env: Readonly<Record<string, string>>;
  readonly functionName: string;
  readonly region: string;
  readonly accountId: string;
  readonly timeoutMs: number;
  /** Each line the function writes, stdout (its JSON logs) or stderr. */
  readonly onLogLine: (line: string, stream: 'stdout' | 'stderr') => void;
  /** How long the bundle may take to load. @default 30_000 */
  readonly startTimeoutMs?: number;
}

/** A running function. */
export interface LambdaRuntime {
  /** Invokes the handler; rejects with the handler's error, a timeout, or a crash. */
  invoke(event: unknown): Promise<unknown>;
  /** Stops the environment. */
  stop(): Promise<void>;
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

/** Starts the function's environment and waits until its bundle is loaded (a cold start). */
export async function startLambdaRuntime(options: LambdaRuntimeOptions): Promise<LambdaRuntime> {
  let worker: ChildProcess | undefined = await spawnWorker(options);
  let stopping = false;
  const pending = new Map<string, Pending>();

  const watch = (child: ChildProcess) => {
    child.on('message', (reply: WorkerReply) => {
      if (reply.type !== 'result' && reply.type !== 'error') return;
      const waiting = pending.get(reply.id);
      pending.delete(reply.id);
      if (reply.type === 'result') waiting?.resolve(reply.result);
      else waiting?.reject(Object.assign(new SandboxError(reply.error.message), { name: reply.error.name }));
    });
    child.once('exit', (code, signal) => {
      if (worker === child) worker = undefined;
      for (const [id, waiting] of pending) {
        pending.delete(id);
        waiting.reject(new SandboxError(`the function's process exited (${signal ?? code}) during the invocation`));
      }
    });
  };
  watch(worker);

  return {
    async invoke(event) {
      if (stopping) throw new SandboxError('the function is stopping');
      if (worker === undefined) {
        worker = await spawnWorker(options);
        watch(worker);
      }
      const child = worker;
      const id = randomUUID();
      const request: InvokeRequest = {
        type: 'invoke',
        id,
        event,
        context: lambdaContextFields(options.functionName, id, options),
        deadline: Date.now() + options.timeoutMs,
      };
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          // Lambda ends a timed-out environment; the next invocation gets a cold one, not this dying process.
          if (worker === child) worker = undefined;
          child.kill('SIGKILL');
          reject(new LambdaTimeoutError(`the function timed out after ${options.timeoutMs} ms`));
        }, options.timeoutMs);
        pending.set(id, {
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        child.send(request);
      });
    },
    async stop() {
      stopping = true;
      if (worker !== undefined) await stopChild(worker);
    },
  };
}

function spawnWorker(options: LambdaRuntimeOptions): Promise<ChildProcess> {
  // The Lambda runtime's Node.js major, whichever Node started the sandbox.
  const child = spawn(lambdaNodePath(), ['--import', 'tsx', WORKER_PATH, options.bundlePath], {
    cwd: options.cwd,
    env: { ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  for (const stream of ['stdout', 'stderr'] as const) {
    const input = child[stream];
    if (input !== null) createInterface({ input }).on('line', (line) => options.onLogLine(line, stream));
  }
  return new Promise((resolve, reject) => {
    const timeoutMs = options.startTimeoutMs ?? 30_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new SandboxError(`the function did not load within ${timeoutMs} ms`));
    }, timeoutMs);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new SandboxError(`the function's process exited (${code}) while loading ${options.bundlePath}`));
    };
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new SandboxError(`could not start the function: ${error.message}`, { cause: error }));
    });
    child.once('exit', onExit);
    child.on('message', function onReady(reply: WorkerReply) {
      if (reply.type === 'ready') {
        clearTimeout(timer);
        child.off('exit', onExit);
        child.off('message', onReady);
        resolve(child);
      } else if (reply.type === 'init-error') {
        clearTimeout(timer);
        child.off('exit', onExit);
        child.kill('SIGKILL');
        reject(new SandboxError(`the function failed to load: ${reply.error.name}: ${reply.error.message}`));
      }
    });
  });
}
