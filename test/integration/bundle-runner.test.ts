/**
 * The bundle runner (through the built invoke tool) with a small stand-in bundle: results and errors cross
 * the process boundary, the function sees only its own environment and a Lambda context that counts down,
 * its stdout and stderr arrive as one stream in order, and a handler that outlives the timeout is failed.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvocationError, runBundle } from '../../emulator/bundle-runner.js';
import { LambdaTimeoutError } from '../../emulator/errors.js';

const BUNDLE = `
if (process.env.FAIL_AT_LOAD === 'true') throw new RangeError('bad setting');
export async function handler(event, context) {
  if (event.mode === 'throw') throw new TypeError('bad input');
  if (event.mode === 'hang') await new Promise(() => {});
  console.log(JSON.stringify({ level: 'INFO', message: 'first', id: event.id }));
  console.warn(JSON.stringify({ level: 'WARN', message: 'second' }));
  console.log(JSON.stringify({ level: 'INFO', message: 'third' }));
  return {
    id: event.id,
    functionName: context.functionName,
    requestId: context.awsRequestId,
    remaining: context.getRemainingTimeInMillis(),
    only: process.env.ONLY_THIS ?? null,
    leaked: process.env.SANDBOX_TEST_PARENT_ONLY ?? null,
  };
}
`;

let dir: string;
let bundle: string;
const env = { PATH: process.env.PATH ?? '', ONLY_THIS: 'function-env' };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bundle-runner-test-'));
  bundle = join(dir, 'index.mjs');
  await writeFile(bundle, BUNDLE);
  process.env.SANDBOX_TEST_PARENT_ONLY = 'parent';
});

afterAll(async () => {
  delete process.env.SANDBOX_TEST_PARENT_ONLY;
  await rm(dir, { recursive: true, force: true });
});

describe('runBundle', () => {
  it('invokes the handler with a Lambda context and only the function environment, lines in order', async () => {
    // Prepare
    const seen: string[] = [];

    // Act
    const { result, lines } = await runBundle(
      { id: 'first' },
      { env, bundle, timeoutMs: 60_000, onLine: (line) => seen.push(line) },
    );

    // Assess
    expect(result).toMatchObject({ id: 'first', only: 'function-env', leaked: null });
    const { remaining, requestId } = result as { remaining: number; requestId: string };
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(60_000);
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines.map((line) => (JSON.parse(line) as { message: string }).message)).toEqual([
      'first',
      'second',
      'third',
    ]);
    expect(seen).toEqual(lines);
  });

  it('rejects with the handler error, keeping its name', async () => {
    // Act
    const error = await runBundle({ mode: 'throw' }, { env, bundle }).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(InvocationError);
    expect(error).toMatchObject({ errorType: 'TypeError', errorMessage: 'bad input' });
  });

  it('rejects with the error a bundle throws while it loads', async () => {
    // Act
    const error = await runBundle({}, { env: { ...env, FAIL_AT_LOAD: 'true' }, bundle }).catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'InvocationError', message: 'RangeError: bad setting' });
  });

  it('fails a handler that outlives the timeout, as Lambda does', async () => {
    // Act
    const error = await runBundle({ mode: 'hang' }, { env, bundle, timeoutMs: 500 }).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(LambdaTimeoutError);
    expect((error as Error).message).toBe('Task timed out after 0.50 seconds');
  });
});
