/**
 * Runs the built CLI (dist/cli/index.mjs, the package's bin) as a user would, and reads its reports. Every run goes
 * through recording proxies (./policy-check.ts) and fails when a call it made is outside the policy the CLI prints
 * for its command, as the IAM policy evaluator reads it.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLES } from '../../../toolchain/bundles.mjs';
import { callsOutsidePolicy, type Recording, recordEndpoints } from './policy-check.js';

/** The bin, as `npm run build` writes it. */
export const CLI = BUNDLES.cli.path;

/** How a run ended. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A run, with every AWS call it made (and who made each) as the recording proxies saw them. */
export interface RecordedCliRun extends CliRun {
  readonly recording: Recording;
}

/** `doctor --json`, as far as the tests read it. */
export interface DoctorJson {
  readonly command: string;
  readonly account: string;
  readonly region: string;
  readonly profile?: string;
  readonly stack: string;
  readonly summary: {
    readonly ok: number;
    readonly warning: number;
    readonly failed: number;
    readonly 'not-checked': number;
  };
  readonly checks: readonly { readonly name: string; readonly status: string; readonly detail: string }[];
  readonly smoke?: {
    readonly role: string;
    readonly latencySeconds: number | null;
    readonly settleDelaySeconds: number | null;
    readonly timeoutSeconds: number;
    readonly removed: boolean;
    readonly removal: 'deleted' | 'released' | 'by-hand' | null;
    readonly releaseSeconds: number | null;
  };
}

/** Every variable through which the test process could hand the CLI AWS settings. */
const AWS_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ENDPOINT_URL',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  // The CLI itself must keep its output to its own lines, whatever Node it runs on.
  'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
];

/**
 * The test process's environment without any AWS setting, plus `env`. The SDK must not find the
 * machine's own files or instance metadata either, so the shared files point at `configDir`.
 */
export function cliEnv(configDir: string, env: Readonly<Record<string, string>>): Record<string, string> {
  const base: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !AWS_VARIABLES.includes(name)) base[name] = value;
  }
  return {
    ...base,
    AWS_CONFIG_FILE: join(configDir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(configDir, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_MAX_ATTEMPTS: '1',
    NO_COLOR: '1',
    ...env,
  };
}

/** A temporary directory with the two shared files (empty unless given). */
export async function sharedFiles(files: { readonly config?: string; readonly credentials?: string } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'aip-cli-'));
  await writeFile(join(dir, 'config'), files.config ?? '');
  await writeFile(join(dir, 'credentials'), files.credentials ?? '');
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Runs `node dist/cli/index.mjs ARGS` with exactly `env`, but with each endpoint it names behind a recording proxy;
 * rejects when a call the run made is not allowed by `auto-instance-profile policy COMMAND` (its member role's policy
 * for calls made in member accounts), so that every test of a command also proves its policy.
 */
export async function runCli(args: readonly string[], env: Readonly<Record<string, string>>): Promise<CliRun> {
  const { code, stdout, stderr } = await runCliRecorded(args, env);
  return { code, stdout, stderr };
}

/** {@link runCli}, with the calls the run made. */
export async function runCliRecorded(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<RecordedCliRun> {
  const recorded = await recordEndpoints(env);
  let run: CliRun;
  try {
    run = await new Promise((resolve) => {
      execFile(process.execPath, [CLI, ...args], { env: recorded.env, timeout: 90_000 }, (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      });
    });
  } finally {
    await recorded.close();
  }
  const problems = await callsOutsidePolicy(args, env, recorded.recording);
  if (problems.length > 0) {
    throw new Error(
      `auto-instance-profile ${args.join(' ')} made calls its policy does not allow:\n${problems.join('\n')}`,
    );
  }
  return { ...run, recording: recorded.recording };
}

/** One check of a report, or an error that shows the whole report. */
export function checkOf(report: DoctorJson, name: string) {
  const found = report.checks.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no check named ${name} in ${JSON.stringify(report)}`);
  return found;
}

/** Creates an S3 bucket in moto (CreateTrail checks that its bucket exists). */
export { createMotoBucket as createBucket } from '../../../emulator/cloudtrail.js';
