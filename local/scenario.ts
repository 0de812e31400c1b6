/**
 * The user's scenario, played with the real AWS CLI against the front door: create an EC2 role, attach
 * the SSM policy, wait, and list the role's instance profiles.
 */
import { execFile } from 'node:child_process';
import { PYTHON_REQUIREMENTS_FILE } from '../emulator/moto.js';
import { SandboxError } from './errors.js';

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

/** Runs the AWS CLI; a missing `aws` is a SandboxError that names the pinned requirements file. */
export function runAwsCli(
  args: readonly string[],
  options: {
    readonly cwd: string;
    readonly env: Readonly<Record<string, string>>;
    readonly timeoutMs?: number;
    readonly signal?: AbortSignal;
  },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    execFile(
      'aws',
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
            new SandboxError(
              `the AWS CLI (aws) is not installed. Install the pinned Python tools with: python3 -m pip install -r ${PYTHON_REQUIREMENTS_FILE}`,
              { cause: error },
            ),
          );
          return;
        }
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ exitCode: code, stdout, stderr });
      },
    );
  });
}
