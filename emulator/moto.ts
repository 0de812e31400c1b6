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

/**
 * moto's server, with one change: moto itself never hands an SQS queue's messages to a Lambda function. On its own,
 * moto does so on every SendMessage to a queue an enabled event source mapping reads: it receives up to a batch
 * (counting a receive on each message), runs the function in Docker, and, failing that, puts the messages back. Here
 * the emulator's pollers (emulator/poller.ts) are the mappings, reading each one's state as Lambda does, so the
 * mapping is kept off the queue moto pushes from. Everything else about it (Create, List, Update, Delete) is moto's.
 */
export const MOTO_SERVER_SCRIPT = [
  'import moto.awslambda.models as awslambda',
  'from moto.sqs.models import sqs_backends',
  'create = awslambda.LambdaBackend.create_event_source_mapping',
  'def create_without_push(self, spec):',
  '    mapping = create(self, spec)',
  '    for queue in sqs_backends[self.account_id][self.region_name].queues.values():',
  '        if queue.lambda_event_source_mappings.get(mapping.function_arn) is mapping:',
  '            del queue.lambda_event_source_mappings[mapping.function_arn]',
  '    return mapping',
  'awslambda.LambdaBackend.create_event_source_mapping = create_without_push',
  'from moto.server import main',
  'main()',
].join('\n');

/**
 * The command that runs {@link MOTO_SERVER_SCRIPT}: moto's own command (`python -m moto.server`) with the script in
 * place of the module; any other command as it is.
 */
export function motoServerCommand(command: readonly string[]): string[] {
  const [python, flag, module, ...rest] = command;
  if (python === undefined || flag !== '-m' || module !== 'moto.server') return [...command];
  return [python, '-c', MOTO_SERVER_SCRIPT, ...rest];
}

/** Starts moto's server on 127.0.0.1 with port 0 and reads back the port it bound. */
export async function startMoto(options: MotoOptions = {}): Promise<MotoServer> {
  const [file = 'python3', ...prefix] = motoServerCommand(options.command ?? (await pythonTools()).moto);
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
