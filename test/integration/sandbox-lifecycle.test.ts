/**
 * A role's life in a running sandbox (`npm start`), driven as a user drives it, with the AWS CLI and the
 * `export …` line the sandbox prints: a failed `delete-role` goes through the delete queue, the service
 * releases the profile and the retry succeeds; and the blocks of docs/sandbox.md marked `account sandbox`
 * (a trust update, a Terraform-style destroy) work as written, with the outcome the document describes.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inOrder } from '../support/lines.js';
import { EC2_TRUST_JSON } from '../support/policies.js';
import { cliEnv, sharedFiles } from './support/cli.js';
import { type SandboxProcess, startSandbox } from './support/sandbox-process.js';

const SETTLE_DELAY_SECONDS = 1;
/** How long one documented block may take: its loops wait for the settle delay and the remediator. */
const BLOCK_TIMEOUT_MS = 60_000;

let sandbox: SandboxProcess;
let files: Awaited<ReturnType<typeof sharedFiles>>;
/** The shell's environment after pasting the sandbox's export line, and nothing else of AWS. */
let env: Record<string, string>;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program in the user's shell environment; never throws, returns the exit code. */
function run(file: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      file,
      [...args],
      { cwd: files.dir, env, timeout: BLOCK_TIMEOUT_MS, killSignal: 'SIGKILL' },
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
  env = cliEnv(files.dir, { ...sandbox.exportedEnv(), AWS_PAGER: '' });
}, 120_000);

afterAll(async () => {
  const stopped = await sandbox?.stop();
  await files?.remove();
  if (stopped !== undefined && stopped.leftBehind.length > 0) {
    throw new Error(`the sandbox left processes behind: ${stopped.leftBehind.join('; ')}`);
  }
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
    'runs the trust update and the Terraform-style destroy of docs/sandbox.md as written, with the outcome it describes',
    async () => {
      // Prepare: the blocks, and what the document says to watch for before the next one
      const blocks = sandboxBlocks(readFileSync('docs/sandbox.md', 'utf8'));
      const watchFor = [
        '⇠ remediator (settle queue) my-app-role: nothing (no-ec2-trust)',
        '⇠ remediator (settle queue) my-app-role: create → my-app-role — linked instance profile',
        '⇠ remediator (settle queue) my-app-role: cleanup → my-app-role — deleted leftover instance profile',
        undefined,
      ];

      // Act: one block after the other, as a reader goes down the page, watching the sandbox between them
      const runs: Run[] = [];
      for (const [index, block] of blocks.entries()) {
        runs.push(await run('bash', ['-e', '-o', 'pipefail', '-c', block]));
        const line = watchFor[index];
        if (line !== undefined) await sandbox.printed(line);
      }

      // Assess
      expect(blocks).toHaveLength(watchFor.length);
      expect(runs.map((r) => r.code)).toEqual(blocks.map(() => 0));
      expect(runs[1]?.stdout.trim()).toBe('arn:aws:iam::123456789012:instance-profile/my-app-role');
      expect(JSON.parse(runs[3]?.stdout ?? '')).toEqual([]);
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
