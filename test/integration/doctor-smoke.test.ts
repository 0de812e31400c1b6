/**
 * `doctor --smoke` in the sandbox (`npm start`), where it must pass with no preparation: the CLI is pointed
 * at the sandbox by the `export …` line the sandbox prints for the user, finds the trail and the stack the
 * sandbox records in moto, creates its role through the front door, and the real rules, queues and
 * remediator bundle give it its instance profile and then release it on the role's DeleteRole conflict.
 */
import { IAMClient, ListInstanceProfilesCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMOKE_ROLE_PREFIX } from '../../cli/doctor/smoke-role.js';
import { inOrder } from '../support/lines.js';
import { checkOf, cliEnv, type DoctorJson, runCli, sharedFiles } from './support/cli.js';
import { type SandboxProcess, startSandbox } from './support/sandbox-process.js';

/** The sandbox's settle delay: short, so that the test takes seconds. */
const SETTLE_DELAY_SECONDS = 1;

let sandbox: SandboxProcess;
let files: Awaited<ReturnType<typeof sharedFiles>>;
/** The CLI's environment: the sandbox's export line, and nothing else of AWS. */
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

beforeAll(async () => {
  const sandboxEnv = { ...process.env };
  // The sandbox starts its own moto; the test project's endpoint must not leak into it.
  delete sandboxEnv.AWS_ENDPOINT_URL;
  sandbox = startSandbox(['--settle-delay', String(SETTLE_DELAY_SECONDS)], sandboxEnv);
  files = await sharedFiles();
  await sandbox.printed('Press Ctrl-C to stop.');
  const exported = sandbox.exportedEnv();
  endpoint = exported.AWS_ENDPOINT_URL ?? '';
  env = cliEnv(files.dir, exported);
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
    const run = await runCli(['doctor', '--smoke'], env);

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
    const run = await runCli(['doctor', '--smoke', '--json'], env);

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
