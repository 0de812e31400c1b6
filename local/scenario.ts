/**
 * The user's scenario, played with the real AWS CLI against the front door, over a role's whole life:
 * create an EC2 role and attach the SSM policy, wait for its instance profile and list it; then detach the
 * policy and delete the role with `aws iam delete-role`. Our profile makes the first attempt fail with
 * DeleteConflict; that failure's CloudTrail record goes through the delete queue, without the settle delay,
 * the service releases the profile, and the retry succeeds.
 */
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IAMClient } from '@aws-sdk/client-iam';
import { readProfile, readRoleProfiles } from '../core/iam/read-state.js';
import { MOTO_ACCOUNT_ID } from '../emulator/cloudtrail.js';
import { PYTHON_TOOLS_COMMAND } from '../toolchain/python-tools.mjs';
import { SandboxError } from './errors.js';
import type { Reporter } from './reporter.js';

/** The role the scenario creates, as in the console walkthrough. */
export const SCENARIO_ROLE_NAME = 'CLI-EC2-role';
/** The managed policy it attaches. */
export const SSM_POLICY_ARN = 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore';
/** The trust policy file the create-role command reads. */
export const TRUST_POLICY_FILE = 'assumeRole.json';

/** The scenario's AWS CLI commands, as argument lists after `aws`. */
export function scenarioCommands(roleName: string = SCENARIO_ROLE_NAME): {
  readonly createRole: readonly string[];
  readonly attachPolicy: readonly string[];
  readonly listProfiles: readonly string[];
  readonly detachPolicy: readonly string[];
  readonly deleteRole: readonly string[];
} {
  return {
    createRole: [
      'iam',
      'create-role',
      '--role-name',
      roleName,
      '--assume-role-policy-document',
      `file://${TRUST_POLICY_FILE}`,
    ],
    attachPolicy: ['iam', 'attach-role-policy', '--role-name', roleName, '--policy-arn', SSM_POLICY_ARN],
    listProfiles: ['iam', 'list-instance-profiles-for-role', '--role-name', roleName],
    detachPolicy: ['iam', 'detach-role-policy', '--role-name', roleName, '--policy-arn', SSM_POLICY_ARN],
    deleteRole: ['iam', 'delete-role', '--role-name', roleName],
  };
}

/** A command line as a user would type it. */
export function formatCommand(args: readonly string[]): string {
  return ['aws', ...args]
    .map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}

/** The ARN of the console-style instance profile for a role. */
export function expectedProfileArn(accountId: string, roleName: string, path = '/'): string {
  return `arn:aws:iam::${accountId}:instance-profile${path}${roleName}`;
}

/**
 * Reads `aws iam list-instance-profiles-for-role` output: the ARN of the profile named like the role that
 * holds the role, or undefined.
 */
export function profileHoldingRole(cliOutput: string, roleName: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(cliOutput);
  } catch {
    return undefined;
  }
  const profiles = (parsed as { InstanceProfiles?: unknown } | null)?.InstanceProfiles;
  if (!Array.isArray(profiles)) return undefined;
  const match = profiles.find(
    (profile: { InstanceProfileName?: unknown; Roles?: unknown }) =>
      profile?.InstanceProfileName === roleName &&
      Array.isArray(profile.Roles) &&
      profile.Roles.some((role: { RoleName?: unknown }) => role?.RoleName === roleName),
  ) as { Arn?: unknown } | undefined;
  return typeof match?.Arn === 'string' ? match.Arn : undefined;
}

/**
 * The AWS CLI's environment: the front door as endpoint, fake credentials, the IAM region, and no shared
 * config or profile, so that nothing on this machine can send a call to a real account.
 */
export function awsCliEnv(
  base: Readonly<Record<string, string | undefined>>,
  sandbox: {
    readonly endpointUrl: string;
    readonly credentials: Readonly<Record<string, string>>;
    readonly configDir: string;
  },
): Record<string, string> {
  const keep = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'PYENV_ROOT', 'PYENV_VERSION', 'VIRTUAL_ENV', 'SYSTEMROOT', 'TMPDIR'];
  const env: Record<string, string> = {};
  for (const name of keep) {
    const value = base[name];
    if (value !== undefined) env[name] = value;
  }
  return {
    ...env,
    ...sandbox.credentials,
    AWS_ENDPOINT_URL: sandbox.endpointUrl,
    AWS_CONFIG_FILE: `${sandbox.configDir}/config`,
    AWS_SHARED_CREDENTIALS_FILE: `${sandbox.configDir}/credentials`,
    AWS_DEFAULT_OUTPUT: 'json',
    AWS_PAGER: '',
  };
}

/** What one AWS CLI run gave. */
export interface CliRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the AWS CLI; one that cannot be run is a SandboxError that says where to see why. */
export function runAwsCli(
  args: readonly string[],
  options: {
    /** The AWS CLI executable (see toolchain/python-tools.mjs). */
    readonly aws: string;
    readonly cwd: string;
    readonly env: Readonly<Record<string, string>>;
    readonly timeoutMs?: number;
    readonly signal?: AbortSignal;
  },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    execFile(
      options.aws,
      [...args],
      {
        cwd: options.cwd,
        env: options.env,
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 4 * 1024 * 1024,
        signal: options.signal,
      },
      (error, stdout, stderr) => {
        if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') {
          reject(
            new SandboxError(`the AWS CLI (${options.aws}) cannot be run; see why with: ${PYTHON_TOOLS_COMMAND}`, {
              cause: error,
            }),
          );
          return;
        }
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ exitCode: code, stdout, stderr });
      },
    );
  });
}

/** How long after the settle delay to wait for the profile before calling the scenario failed. */
export const REMEDIATION_GRACE_SECONDS = 30;
/** How long to wait for the service to release the profile after the DeleteConflict, and for the last event. */
export const RELEASE_TIMEOUT_SECONDS = 30;
/** How often IAM is read while waiting: often enough to time the release to a tenth of a second. */
const POLL_MS = 100;

/**
 * What the scenario needs. IAM is read directly from moto, not through the front door, so that its own
 * reads are no part of the story it tells.
 */
export interface ScenarioDeps {
  readonly report: Reporter;
  readonly iam: IAMClient;
  /** Runs `aws ARGS` against the front door, where the trust policy file is. */
  readonly aws: (args: readonly string[]) => Promise<CliRun>;
  /** Resolves to true once the pipeline's queues are empty (every record handled), false after `timeoutMs`. */
  readonly drained: (timeoutMs: number) => Promise<boolean>;
  /**
   * When the front door last answered a call (with that CloudTrail error code), on the `now` clock: the moment
   * IAM's answer left, before the AWS CLI printed it and exited.
   */
  readonly answeredAt: (eventName: string, errorCode?: string) => number | undefined;
  readonly settleDelaySeconds: number;
  readonly signal: AbortSignal;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** How the scenario went, with what it measured. */
export interface ScenarioOutcome {
  readonly passed: boolean;
  /** Seconds from create-role to the profile holding the role. */
  readonly profileSeconds?: number;
  /** Whether the first delete-role failed with DeleteConflict. */
  readonly deleteConflicted?: boolean;
  /** Seconds from IAM's DeleteConflict answer to the role being in no instance profile: the service's release. */
  readonly releaseSeconds?: number;
  /** Seconds from IAM's DeleteConflict answer to the retry's success. */
  readonly retrySeconds?: number;
}

/**
 * Plays the scenario and reports each step; resolves to whether the role got its profile and was then
 * deleted with no profile left behind. Throws a SandboxError when a command that must work fails.
 */
export async function playScenario(deps: ScenarioDeps): Promise<ScenarioOutcome> {
  const { report, iam } = deps;
  const now = deps.now ?? Date.now;
  const pause = deps.sleep ?? ((ms: number) => sleep(ms, undefined, { signal: deps.signal }).catch(() => undefined));
  const commands = scenarioCommands();
  const role = SCENARIO_ROLE_NAME;
  const run = async (args: readonly string[]) => {
    report.command(formatCommand(args));
    // The front door reports each call's record before it answers, so the records print under their command.
    const result = await deps.aws(args);
    report.answer(result.stdout);
    if (result.exitCode !== 0) report.output(result.stderr);
    return result;
  };
  const mustRun = async (args: readonly string[]) => {
    const result = await run(args);
    if (result.exitCode !== 0) throw new SandboxError(`${formatCommand(args)} exited with ${result.exitCode}`);
    return result;
  };
  const until = async (condition: () => Promise<boolean>, timeoutMs: number) => {
    const deadline = now() + timeoutMs;
    for (;;) {
      if (await condition()) return true;
      if (now() >= deadline || deps.signal.aborted) return false;
      await pause(POLL_MS);
    }
  };
  const seconds = (since: number) => (now() - since) / 1000;

  report.step('the scenario, with the AWS CLI: an EC2 role');
  const created = now();
  await mustRun(commands.createRole);
  await mustRun(commands.attachPolicy);
  report.line(`… waiting for the remediation (the settle delay is ${deps.settleDelaySeconds} s)`);
  const appeared = await until(
    async () => (await profilesHolding(iam, role)).includes(role),
    (deps.settleDelaySeconds + REMEDIATION_GRACE_SECONDS) * 1000,
  );
  const profileSeconds = seconds(created);
  // The remediator's decision line comes as its invocation ends: let it print before the next command.
  if (appeared) await deps.drained(RELEASE_TIMEOUT_SECONDS * 1000);
  const listed = await mustRun(commands.listProfiles);
  const arn = profileHoldingRole(listed.stdout, role);
  const expected = expectedProfileArn(MOTO_ACCOUNT_ID, role);
  if (!appeared || arn !== expected) {
    report.fail(
      `no instance profile ${expected} holds ${role} after ${profileSeconds.toFixed(1)} s (re-run with --verbose for the remediator's logs)`,
    );
    return { passed: false, profileSeconds };
  }
  report.ok(`${arn} holds ${role} (${profileSeconds.toFixed(1)} s after create-role)`);

  report.step('… and its deletion, with delete-role');
  await mustRun(commands.detachPolicy);
  const first = await run(commands.deleteRole);
  let measured: Omit<ScenarioOutcome, 'passed' | 'profileSeconds'> = { deleteConflicted: false };
  if (first.exitCode !== 0) {
    if (!first.stderr.includes('DeleteConflict')) {
      throw new SandboxError(`${formatCommand(commands.deleteRole)} exited with ${first.exitCode}`);
    }
    const conflictAt = deps.answeredAt('DeleteRole', 'DeleteConflictException') ?? now();
    report.line(
      `… our instance profile holds the role. The failure's CloudTrail record goes through the delete queue, without delay, for the service to release the profile`,
    );
    // Released: out of the profile, and the profile deleted (the release's last call).
    const released = await until(
      async () => (await profilesHolding(iam, role)).length === 0 && !(await profileExists(iam, role)),
      RELEASE_TIMEOUT_SECONDS * 1000,
    );
    const releaseSeconds = seconds(conflictAt);
    // As above: the release's decision line before the retry.
    await deps.drained(RELEASE_TIMEOUT_SECONDS * 1000);
    if (!released) {
      report.fail(
        `the service did not release ${role}'s instance profile within ${RELEASE_TIMEOUT_SECONDS} s of the DeleteConflict (re-run with --verbose for the remediator's logs)`,
      );
      return { passed: false, profileSeconds, deleteConflicted: true };
    }
    report.ok(
      `the service released the instance profile ${releaseSeconds.toFixed(1)} s after the DeleteConflict: retry`,
    );
    await mustRun(commands.deleteRole);
    measured = { deleteConflicted: true, releaseSeconds, retrySeconds: seconds(conflictAt) };
  }
  // The successful DeleteRole is an event too (the clean-up): let the pipeline handle it before looking.
  await deps.drained(RELEASE_TIMEOUT_SECONDS * 1000);
  if (await profileExists(iam, role)) {
    report.fail(`${role} is deleted, but its instance profile ${role} is left behind`);
    return { passed: false, profileSeconds, ...measured };
  }
  report.ok(
    measured.retrySeconds === undefined
      ? `${role} deleted at the first attempt; no instance profile left behind`
      : `${role} deleted by the retry, ${measured.retrySeconds.toFixed(1)} s after the DeleteConflict; no instance profile left behind`,
  );
  return { passed: true, profileSeconds, ...measured };
}

/** The names of the instance profiles that hold the role; none when the role is gone. */
async function profilesHolding(iam: IAMClient, roleName: string): Promise<readonly string[]> {
  const names = await readRoleProfiles(iam, roleName);
  return names === 'absent' ? [] : names;
}

async function profileExists(iam: IAMClient, name: string): Promise<boolean> {
  return (await readProfile(iam, name)) !== 'absent';
}
