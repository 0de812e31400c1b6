/**
 * Runs the built Lambda bundle (dist/remediator/index.mjs) in a fresh Node process, as Lambda would
 * (emulator/bundle-runner.ts): on the Lambda runtime's Node.js major whatever Node runs the tests,
 * configuration only through environment variables, endpoints through AWS_ENDPOINT_URL(_IAM).
 */

import { expect } from 'vitest';
import { type IamPermission, RECONCILE_PERMISSIONS, REMEDIATOR_PERMISSIONS } from '../../../core/iam/index.js';
import { runBundle } from '../../../emulator/bundle-runner.js';
import { startIamProxy } from '../../../emulator/iam-faults.js';
import { sqsBatch } from '../../../emulator/lambda-shapes.js';
import { cloudTrailEvent } from './cloudtrail.js';
import { createRole, profilesOf } from './iam.js';
import { expectGranted } from './permissions.js';
import { ownershipTableInMoto } from './stack.js';

export { createRoleEvent, sqsBatch } from '../../../emulator/lambda-shapes.js';

/** A Powertools log line (has `level`) as the bundle printed it. */
export type LogLine = Record<string, unknown> & { level: string; message: string };

/** What one invocation printed and returned. */
export interface Invocation<R> {
  readonly result: R;
  readonly logs: LogLine[];
  /** EMF metric documents (have `_aws`). */
  readonly metrics: Record<string, unknown>[];
  /** The version of the Node.js the bundle ran on (`process.version`, e.g. `v24.1.0`), from the invoke tool. */
  readonly node: string | undefined;
  /** The IAM actions it sent, when it went through invokeBundle's own proxy. */
  readonly actions: readonly string[] | undefined;
}

/** The SQS batch response. */
export interface BatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/**
 * Invokes a bundle's handler (the remediator's unless `bundle` names another, e.g. dist/reconcile/index.mjs)
 * with `input`, in a child process with the test's environment plus `env`. Unless `env` sets
 * AWS_ENDPOINT_URL_IAM (a test's own proxy), its IAM calls go through a proxy that records them, and each
 * action must be one the function's role is granted: moto never denies, so a missing grant shows here.
 * The function records ownership in the tests' shared table (./stack.ts) unless `env` names another, or
 * none (`OWNERSHIP_TABLE: ''`).
 */
export async function invokeBundle<R = BatchResponse>(
  input: unknown,
  env: Record<string, string> = {},
  bundle?: string,
): Promise<Invocation<R>> {
  const moto = env.AWS_ENDPOINT_URL ?? process.env.AWS_ENDPOINT_URL;
  const proxy = env.AWS_ENDPOINT_URL_IAM === undefined && moto !== undefined ? await startIamProxy(moto) : undefined;
  try {
    const invocation = await run<R>(
      input,
      {
        OWNERSHIP_TABLE: await ownershipTableInMoto(),
        ...env,
        ...(proxy === undefined ? {} : { AWS_ENDPOINT_URL_IAM: proxy.url }),
      },
      bundle,
    );
    if (proxy !== undefined) expectGranted(proxy.actions, permissionsOf(bundle));
    return { ...invocation, actions: proxy === undefined ? undefined : [...proxy.actions] };
  } finally {
    await proxy?.close();
  }
}

/** What the function that runs a bundle is granted. */
function permissionsOf(bundle: string | undefined): readonly IamPermission[] {
  return bundle?.includes('reconcile') ? RECONCILE_PERMISSIONS : REMEDIATOR_PERMISSIONS;
}

async function run<R>(
  input: unknown,
  env: Record<string, string>,
  bundle: string | undefined,
): Promise<Omit<Invocation<R>, 'actions'>> {
  const { result, lines, node } = await runBundle(input, {
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_DISABLED: 'false', ...env },
    ...(bundle === undefined ? {} : { bundle }),
  });
  const parsed = lines
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    result: result as R,
    logs: parsed.filter((line): line is LogLine => typeof line.level === 'string'),
    metrics: parsed.filter((line) => '_aws' in line),
    node,
  };
}

/** An EC2 role with the profile the bundle gave it for its CreateRole event (delivered without a proxy): ours, bound to its id. */
export async function roleWithOurProfile(role: string): Promise<void> {
  await createRole(role);
  const { result } = await invokeBundle<BatchResponse>(sqsBatch(cloudTrailEvent('create-role', role)));
  expect(result.batchItemFailures).toEqual([]);
  expect(await profilesOf(role)).toEqual([role]);
}
