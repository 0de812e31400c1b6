/**
 * One running sandbox (`npm start`), shared by two suites that each need it as a user starts it:
 *
 * - `doctor --smoke` in the sandbox, where it must pass with no preparation: the CLI is pointed at the sandbox by
 *   the `export …` line the sandbox prints for the user, finds the trail and the stack the sandbox records in moto,
 *   creates its role through the front door, and the real rules, queues and remediator bundle give it its instance
 *   profile and then release it on the role's DeleteRole conflict. It runs first, on the sandbox as it starts.
 * - A role's life, driven as a user drives it, with the AWS CLI and the `export …` line: a failed `delete-role` goes
 *   through the delete queue, the service releases the profile and the retry succeeds; and the blocks of
 *   docs/sandbox.md marked `account sandbox` (a trust update, a Terraform-style destroy, `decisions` reading the
 *   function's lines back from moto's CloudWatch Logs) work as written, with the outcome the document describes.
 *
 * Each suite's roles have names of their own, so neither sees the other's lines.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { IAMClient, ListInstanceProfilesCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMOKE_ROLE_PREFIX } from '../../cli/doctor/smoke-role.js';
import { checkOf, cliEnv, type DoctorJson, runCli, sharedFiles } from '../integration/support/cli.js';
import { type SandboxProcess, startSandbox } from '../integration/support/sandbox-process.js';
import { inOrder } from '../support/lines.js';
import { EC2_TRUST_JSON } from '../support/policies.js';

/** The sandbox's settle delay: short, so that the tests take seconds. */
const SETTLE_DELAY_SECONDS = 1;
/** How long one documented block may take: its loops wait for the settle delay and the remediator. */
const BLOCK_TIMEOUT_MS = 60_000;

let sandbox: SandboxProcess;
let files: Awaited<ReturnType<typeof sharedFiles>>;
/** The CLI's environment: the sandbox's export line, and nothing else of AWS. */
let doctorEnv: Record<string, string>;
/** The shell's environment after pasting the sandbox's export line, and nothing else of AWS. */
let env: Record<string, string>;
/** The front door, through which every call goes. */
let endpoint: string;

/** Smoke-test roles and profiles still in the sandbox's account. */
async function smokeLeftovers(): Promise<string[]> {
  const iam = new IAMClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  try {
    const { Roles = [] } = await iam.send(new ListRolesCommand({}));
    const { InstanceProfiles = [] } = await iam.send(new ListInstanceProfilesCommand({}));
    return [
      ...Roles.map((role) => `role ${role.RoleName}`),
      ...InstanceProfiles.map((profile) => `instance profile ${profile.InstanceProfileName}`),
    ].filter((name) => name.includes(SMOKE_ROLE_PREFIX));
  } finally {
    iam.destroy();
  }
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program in the user's shell environment, in `cwd`; never throws, returns the exit code. */
function run(file: string, args: readonly string[], cwd: string = files.dir): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      file,
      [...args],
      { cwd, env, timeout: BLOCK_TIMEOUT_MS, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The sandbox's output, line by line, trimmed. */
const lines = () =>
  sandbox
    .output()
    .split('\n')
    .map((line) => line.trim());

/** The ```bash account sandbox blocks of a document, in order. */
function sandboxBlocks(markdown: string): string[] {
  const blocks: string[] = [];
  const all = markdown.split('\n');
  for (let i = 0; i < all.length; i++) {
    if (!/^```bash\s+account\s+sandbox\s*$/.test(all[i] ?? '')) continue;
    const end = all.findIndex((line, j) => j > i && /^```\s*$/.test(line));
    blocks.push(all.slice(i + 1, end).join('\n'));
    i = end;
  }
  return blocks;
}

beforeAll(async () => {
  const sandboxEnv = { ...process.env };
  // The sandbox starts its own moto; the test project's endpoint must not leak into it.
  delete sandboxEnv.AWS_ENDPOINT_URL;
  sandbox = startSandbox(['--settle-delay', String(SETTLE_DELAY_SECONDS)], sandboxEnv);
  files = await sharedFiles();
  await sandbox.printed('Press Ctrl-C to stop.');
  const exported = sandbox.exportedEnv();
  endpoint = exported.AWS_ENDPOINT_URL ?? '';
  doctorEnv = cliEnv(files.dir, exported);
  env = cliEnv(files.dir, { ...exported, AWS_PAGER: '' });
}, 120_000);

afterAll(async () => {
  const stopped = await sandbox?.stop();
  await files?.remove();
  if (stopped !== undefined && stopped.leftBehind.length > 0) {
    throw new Error(`the sandbox left processes behind: ${stopped.leftBehind.join('; ')}`);
  }
});

describe('doctor --smoke in the sandbox', () => {
  it('is printed beside the export line', () => {
    // Prepare, Act: the sandbox's output
    const lines = sandbox.output().split('\n');

    // Assess
    const exportLine = lines.findIndex((line) => line.trim().startsWith('export AWS_ENDPOINT_URL='));
    const doctorLine = lines.findIndex((line) => line.trim().startsWith('npm run cli -- doctor --smoke'));
    expect(exportLine).toBeGreaterThanOrEqual(0);
    expect(doctorLine - exportLine).toBeGreaterThan(0);
    expect(doctorLine - exportLine).toBeLessThanOrEqual(2);
  });

  it('exits 0 against the sandbox as it starts, with no preparation, and leaves nothing behind', async () => {
    // Prepare: the sandbox as `npm start` leaves it

    // Act
    const run = await runCli(['doctor', '--smoke'], doctorEnv);

    // Assess
    expect(run.stdout).toMatch(
      /^ {2}ok\s+smoke\s+instance profile auto-instance-profile-smoke-\S+ held its role \d+\.\d s after CreateRole \(settle delay 1 s\); DeleteRole conflicted on the profile, the service released it, and DeleteRole removed the role \d+\.\d s after the conflict$/m,
    );
    expect(run.stdout).toMatch(/^ {2}ok\s+trail\s+trail "auto-instance-profile-sandbox-trail"/m);
    expect(run.stdout).toMatch(/^ {2}ok\s+stack\s+stack AutoInstanceProfile is CREATE_COMPLETE/m);
    expect(run.stdout).toMatch(/^ {2}ok\s+instance-profiles\s/m);
    expect(run.stdout).toMatch(/^All \d+ checks passed\.$/m);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(await smokeLeftovers()).toEqual([]);
  });

  it('deletes its role through the service: the conflict goes through the delete queue, the retry succeeds', async () => {
    // Prepare: the sandbox as the last run left it

    // Act
    const run = await runCli(['doctor', '--smoke', '--json'], doctorEnv);

    // Assess
    const report = JSON.parse(run.stdout) as DoctorJson;
    expect(report.checks.filter((check) => check.status !== 'ok')).toEqual([]);
    expect(checkOf(report, 'smoke').detail).toContain(`(settle delay ${SETTLE_DELAY_SECONDS} s)`);
    expect(report.smoke).toMatchObject({
      settleDelaySeconds: SETTLE_DELAY_SECONDS,
      removed: true,
      removal: 'released',
    });
    expect(report.smoke?.latencySeconds).toEqual(expect.any(Number));
    expect(report.smoke?.releaseSeconds).toEqual(expect.any(Number));
    expect(run.code).toBe(0);
    const role = report.smoke?.role ?? '';
    const conflict = `⇢ CloudTrail (simulated) DeleteRole role ${role} (failed: DeleteConflictException) → EventBridge`;
    const release = `⇠ remediator (delete queue) ${role}: release → ${role}`;
    const deleted = `⇢ CloudTrail (simulated) DeleteRole role ${role} → EventBridge`;
    // The sandbox printed these before it answered the doctor; its output may reach this process a moment later.
    await sandbox.printed(release);
    await sandbox.printed(deleted);
    const lines = sandbox
      .output()
      .split('\n')
      .map((line) => line.trim());
    // The retry may come before the release's own log line: it needs only the role out of the profile.
    expect(inOrder(lines, [conflict, release])).toEqual([conflict, release]);
    expect(inOrder(lines, [conflict, deleted])).toEqual([conflict, deleted]);
    expect(await smokeLeftovers()).toEqual([]);
  });
});

describe('a role’s life in the sandbox', () => {
  it('sends a failed delete-role through the delete queue; the service releases the profile and the retry succeeds', async () => {
    // Prepare: an EC2 role, and the profile the service gives it
    const role = 'lifecycle-cli-role';
    const created = await run('aws', [
      'iam',
      'create-role',
      '--role-name',
      role,
      '--assume-role-policy-document',
      EC2_TRUST_JSON,
    ]);
    expect(created.code, created.stderr).toBe(0);
    await sandbox.printed(`⇠ remediator (settle queue) ${role}: create → ${role}`);

    // Act
    const first = await run('aws', ['iam', 'delete-role', '--role-name', role]);
    await sandbox.printed(`⇠ remediator (delete queue) ${role}: release → ${role}`);
    const retry = await run('aws', ['iam', 'delete-role', '--role-name', role]);
    await sandbox.printed(`⇠ remediator (settle queue) ${role}: nothing (no-leftover-profile)`);
    const profiles = await run('aws', [
      'iam',
      'list-instance-profiles',
      '--query',
      `InstanceProfiles[?InstanceProfileName=='${role}'].Arn`,
    ]);

    // Assess
    expect(first.code).not.toBe(0);
    expect(first.stderr).toContain('(DeleteConflict)');
    expect(retry.code, retry.stderr).toBe(0);
    expect(JSON.parse(profiles.stdout)).toEqual([]);
    const expected = [
      `⇢ CloudTrail (simulated) DeleteRole role ${role} (failed: DeleteConflictException) → EventBridge`,
      `⇢ CloudTrail (simulated) RemoveRoleFromInstanceProfile role ${role}, profile ${role} → EventBridge`,
      `⇢ CloudTrail (simulated) DeleteInstanceProfile profile ${role} → EventBridge`,
      `⇠ remediator (delete queue) ${role}: release → ${role}`,
      `⇢ CloudTrail (simulated) DeleteRole role ${role} → EventBridge`,
      `⇠ remediator (settle queue) ${role}: nothing (no-leftover-profile)`,
    ];
    expect(inOrder(lines(), expected), sandbox.output()).toEqual(expected);
    expect(lines().filter((line) => line.startsWith(`⇠ remediator (settle queue) ${role}: release`))).toEqual([]);
  });

  it(
    'runs the trust update, the Terraform-style destroy and the decisions of docs/sandbox.md as written, with the outcome it describes',
    async () => {
      // Prepare: the blocks, and what the document says to watch for before the next one; the last reads the decisions
      const blocks = sandboxBlocks(readFileSync('docs/sandbox.md', 'utf8'));
      const watchFor = [
        '⇠ remediator (settle queue) my-app-role: nothing (no-ec2-trust)',
        '⇠ remediator (settle queue) my-app-role: create → my-app-role — linked instance profile',
        '⇠ remediator (settle queue) my-app-role: cleanup → my-app-role — deleted leftover instance profile',
        undefined,
        undefined,
      ];

      // Act: one block after the other, as a reader goes down the page, watching the sandbox between them
      const runs: Run[] = [];
      for (const [index, block] of blocks.entries()) {
        // From the repository, as a reader runs them: `npm run cli` is the repository's script.
        runs.push(await run('bash', ['-e', '-o', 'pipefail', '-c', block], process.cwd()));
        const line = watchFor[index];
        if (line !== undefined) await sandbox.printed(line);
      }

      // Assess
      expect(blocks).toHaveLength(watchFor.length);
      expect(runs.map((r) => r.code)).toEqual(blocks.map(() => 0));
      expect(runs[1]?.stdout.trim()).toBe('arn:aws:iam::123456789012:instance-profile/my-app-role');
      expect(JSON.parse(runs[3]?.stdout ?? '')).toEqual([]);
      // decisions reads the function's lines back from moto's CloudWatch Logs, where the sandbox writes them.
      const decisions = runs[4]?.stdout ?? '';
      expect(decisions).toContain(
        'source  log group /aws/lambda/auto-instance-profile-sandbox, of stack AutoInstanceProfile',
      );
      expect(decisions).toMatch(/^ {2}created +\d+ roles? +.*\bmy-app-role\b/m);
      expect(decisions).toMatch(/^ {2}created +\d+ roles? +.*\bCLI-EC2-role\b/m);
      expect(decisions).toMatch(/^ {2}deleted leftover +\d+ roles? +.*\bmy-app-role\b/m);
      expect(decisions).toMatch(/^ {2}released +\d+ roles? +.*\bCLI-EC2-role\b/m);
      expect(decisions).toMatch(/^ {2}nothing +\d+ lines? +.*\bno-ec2-trust \d+/m);
      expect(decisions).toMatch(/conflicts 0, errors 0\.$/m);
      const expected = [
        '⇢ CloudTrail (simulated) CreateRole role my-app-role → EventBridge',
        '⇠ remediator (settle queue) my-app-role: nothing (no-ec2-trust)',
        '⇢ CloudTrail (simulated) UpdateAssumeRolePolicy role my-app-role → EventBridge',
        '⇢ CloudTrail (simulated) CreateInstanceProfile profile my-app-role → EventBridge',
        '⇢ CloudTrail (simulated) AddRoleToInstanceProfile role my-app-role, profile my-app-role → EventBridge',
        '⇠ remediator (settle queue) my-app-role: create → my-app-role',
        '⇢ CloudTrail (simulated) RemoveRoleFromInstanceProfile role my-app-role, profile my-app-role → EventBridge',
        '⇢ CloudTrail (simulated) DeleteRole role my-app-role → EventBridge',
        '⇢ CloudTrail (simulated) DeleteInstanceProfile profile my-app-role → EventBridge',
        '⇠ remediator (settle queue) my-app-role: cleanup → my-app-role',
      ];
      expect(inOrder(lines(), expected), sandbox.output()).toEqual(expected);
    },
    4 * BLOCK_TIMEOUT_MS,
  );
});
