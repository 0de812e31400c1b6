/**
 * The sandbox's Lambda runtime with a small stand-in bundle: results and errors cross the process
 * boundary, the function sees only its own environment and a Lambda context, its log lines stream back,
 * and a timed-out environment is replaced on the next invocation.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LambdaTimeoutError } from '../../local/errors.js';
import { type LambdaRuntime, startLambdaRuntime } from '../../local/lambda-runtime.js';
import { REPO_ROOT } from '../../local/sandbox.js';

const BUNDLE = `
export async function handler(event, context) {
  if (event.mode === 'throw') throw new TypeError('bad input');
  if (event.mode === 'hang') await new Promise(() => {});
  console.log(JSON.stringify({ level: 'INFO', message: 'seen', id: event.id }));
  return {
    id: event.id,
    functionName: context.functionName,
    requestId: context.awsRequestId,
    remaining: context.getRemainingTimeInMillis() > 0,
    only: process.env.ONLY_THIS ?? null,
    leaked: process.env.SANDBOX_TEST_PARENT_ONLY ?? null,
  };
}
`;

let dir: string;
let runtime: LambdaRuntime;
const lines: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lambda-runtime-test-'));
  await writeFile(join(dir, 'index.mjs'), BUNDLE);
  process.env.SANDBOX_TEST_PARENT_ONLY = 'parent';
  runtime = await startLambdaRuntime({
    bundlePath: join(dir, 'index.mjs'),
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ONLY_THIS: 'function-env' },
    functionName: 'fake-function',
    region: 'us-east-1',
    accountId: '123456789012',
    timeoutMs: 1_000,
    onLogLine: (line) => lines.push(line),
  });
});

afterAll(async () => {
  delete process.env.SANDBOX_TEST_PARENT_ONLY;
  await runtime?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('Lambda runtime', () => {
  it('invokes the handler with a Lambda context and only the function environment', async () => {
    // Prepare
    const event = { id: 'first' };

    // Act
    const result = await runtime.invoke(event);

    // Assess
    expect(result).toMatchObject({
      id: 'first',
      functionName: 'fake-function',
      remaining: true,
      only: 'function-env',
      leaked: null,
    });
    expect((result as { requestId: string }).requestId).toMatch(/^[0-9a-f-]{36}$/);
    // The log line travels on stdout, the result on the IPC channel: either may arrive first.
    await vi.waitFor(() => expect(lines).toContain('{"level":"INFO","message":"seen","id":"first"}'), {
      timeout: 5_000,
    });
  });

  it('rejects with the handler error, keeping its name', async () => {
    // Prepare
    const event = { mode: 'throw' };

    // Act
    const error = await runtime.invoke(event).catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'TypeError', message: 'bad input' });
  });

  it('times out a handler that does not return, then serves the next invocation from a fresh environment', async () => {
    // Prepare
    const hang = { mode: 'hang' };

    // Act
    const error = await runtime.invoke(hang).catch((e: unknown) => e);
    const next = await runtime.invoke({ id: 'after-timeout' });

    // Assess
    expect(error).toBeInstanceOf(LambdaTimeoutError);
    expect(next).toMatchObject({ id: 'after-timeout' });
  });
});
