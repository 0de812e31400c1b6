/**
 * `npm start -- --once`, as a user runs it: the whole pipeline on this machine with its own moto, the
 * scenario played with the AWS CLI over the role's life (its profile appears; the first delete-role fails on
 * it, the conflict goes through the delete queue, the service releases the profile, the retry succeeds),
 * exit 0 when all of that happened, and nothing left running.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { processesInGroup } from '../integration/support/sandbox-process.js';
import { inOrder } from '../support/lines.js';

interface Finished {
  readonly code: number | null;
  readonly output: string;
}

/** A sandbox started by a test. */
interface Started {
  readonly pgid: number;
  readonly finished: Promise<Finished>;
  /** Resolves once the output contains `text`. */
  readonly printed: (text: string) => Promise<void>;
  /** Closes the sandbox's stdout, as `npm start | head` does when head has read enough. */
  readonly closeReader: () => void;
}

/** What `npm start` runs (package.json): started as it is, its exit code is the sandbox's own, not npm's. */
const START = ['node', '--import', 'tsx', 'local/start.ts'] as const;

/**
 * Runs `npm start -- ARGS` in a process group of its own, so that everything it starts can be found afterwards;
 * with `direct`, the script `npm start` runs, without npm (which re-raises a Ctrl-C rather than pass on the code).
 */
function npmStart(args: readonly string[] = [], direct = false): Promise<Started> {
  const env = { ...process.env };
  // The sandbox starts its own moto; the test project's endpoint must not leak into it.
  delete env.AWS_ENDPOINT_URL;
  const [command, ...prefix] = direct ? START : (['npm', 'start', '--'] as const);
  const child = spawn(command, [...prefix, ...args], { detached: true, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    for (const waiter of waiters.filter((w) => output.includes(w.text))) waiter.resolve();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const finished = new Promise<Finished>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
  if (child.pid === undefined) throw new Error('npm did not start');
  const printed = (text: string) =>
    new Promise<void>((resolve, reject) => {
      if (output.includes(text)) resolve();
      else waiters.push({ text, resolve });
      finished.then(({ output: all }) => reject(new Error(`exited before printing "${text}":\n${all}`)), reject);
    });
  return Promise.resolve({ pgid: child.pid, finished, printed, closeReader: () => child.stdout.destroy() });
}

describe('npm start -- --once', () => {
  it('plays the scenario over the role’s life, in the order things happen, exits 0 and leaves no process behind', async () => {
    // Prepare
    const { pgid, finished } = await npmStart(['--once']);

    // Act
    const { code, output } = await finished;
    const leftBehind = await processesInGroup(pgid);
    if (leftBehind.length > 0) process.kill(-pgid, 'SIGKILL');

    // Assess
    expect(code, output).toBe(0);
    expect(output).toContain('emulated   IAM, EventBridge and SQS, by moto');
    // One line says which Python tools were used (toolchain/python-tools.mjs).
    expect(
      output.match(/^ *python tools: .+\(moto \d.+, aws .+; (nothing installed|installed just now)$/gm),
    ).toHaveLength(1);
    expect(output).toContain('SIMULATED  CloudTrail, by the front door');
    expect(output).toContain(
      'rule   auto-instance-profile-sandbox-delete: DeleteRole (failed: DeleteConflict) → the delete queue',
    );
    const lines = output.split('\n').map((line) => line.trim());
    const expected = [
      '$ aws iam create-role --role-name CLI-EC2-role --assume-role-policy-document file://assumeRole.json',
      '⇢ CloudTrail (simulated) CreateRole role CLI-EC2-role → EventBridge',
      '⇢ CloudTrail (simulated) CreateInstanceProfile profile CLI-EC2-role → EventBridge',
      '⇢ CloudTrail (simulated) AddRoleToInstanceProfile role CLI-EC2-role, profile CLI-EC2-role → EventBridge',
      '⇠ remediator (settle queue) CLI-EC2-role: create → CLI-EC2-role — linked instance profile: statement #0 lets EC2 assume the role',
      '$ aws iam list-instance-profiles-for-role --role-name CLI-EC2-role',
      '✔ arn:aws:iam::123456789012:instance-profile/CLI-EC2-role holds CLI-EC2-role',
      '$ aws iam detach-role-policy --role-name CLI-EC2-role',
      '$ aws iam delete-role --role-name CLI-EC2-role',
      '⇢ CloudTrail (simulated) DeleteRole role CLI-EC2-role (failed: DeleteConflictException) → EventBridge',
      '⇢ CloudTrail (simulated) RemoveRoleFromInstanceProfile role CLI-EC2-role, profile CLI-EC2-role → EventBridge',
      '⇢ CloudTrail (simulated) DeleteInstanceProfile profile CLI-EC2-role → EventBridge',
      '⇠ remediator (delete queue) CLI-EC2-role: release → CLI-EC2-role — released instance profile',
      '✔ the service released the instance profile',
      '$ aws iam delete-role --role-name CLI-EC2-role',
      '⇢ CloudTrail (simulated) DeleteRole role CLI-EC2-role → EventBridge',
      '⇠ remediator (settle queue) CLI-EC2-role: nothing (no-leftover-profile)',
      '✔ CLI-EC2-role deleted by the retry',
    ];
    expect(inOrder(lines, expected), output).toEqual(expected);
    // The AWS CLI prints the error as it exits, which may be after the release it caused.
    const conflict = [
      '⇢ CloudTrail (simulated) DeleteRole role CLI-EC2-role (failed: DeleteConflictException) → EventBridge',
      'An error occurred (DeleteConflict) when calling the DeleteRole operation: Cannot delete entity, must remove roles from instance profile first.',
      '✔ the service released the instance profile',
    ];
    expect(inOrder(lines, conflict), output).toEqual(conflict);
    // A failed delete goes without delay; the clean-up after a successful one waits out the settle delay.
    expect(output).not.toMatch(/⇠ remediator \(settle queue\) CLI-EC2-role: release/);
    expect(output).not.toMatch(/⇠ remediator \(delete queue\) CLI-EC2-role: nothing \(no-leftover/);
    expect(output).not.toContain('\u001b[');
    expect(leftBehind).toEqual([]);
  }, 120_000);

  it.each([
    ['just after moto starts, while the pipeline is being made', 'moto, the AWS emulator, on'],
    ['while the scenario plays', '$ aws iam create-role'],
    ['while it waits for the user', 'Press Ctrl-C to stop.'],
  ])(
    'reads Ctrl-C %s as an interruption: exit 130, no failure, everything stopped',
    async (_moment, text) => {
      // Prepare
      const { pgid, finished, printed } = await npmStart([], true);
      await printed(text);

      // Act: a terminal's Ctrl-C signals the whole foreground process group, moto and the AWS CLI included
      process.kill(-pgid, 'SIGINT');
      const { code, output } = await finished;
      const leftBehind = await processesInGroup(pgid);
      if (leftBehind.length > 0) process.kill(-pgid, 'SIGKILL');

      // Assess
      expect(code, output).toBe(130);
      expect(output).toContain('stopping');
      expect(output).not.toMatch(/✘|FAIL|ECONNREFUSED|stopping the/);
      expect(leftBehind).toEqual([]);
    },
    120_000,
  );

  it('stops everything cleanly when its reader goes away, as with npm start | head', async () => {
    // Prepare
    const { pgid, finished, printed, closeReader } = await npmStart();
    await printed('1. moto');

    // Act
    closeReader();
    await finished;
    const leftBehind = await processesInGroup(pgid);
    if (leftBehind.length > 0) process.kill(-pgid, 'SIGKILL');

    // Assess
    expect(leftBehind).toEqual([]);
  }, 120_000);
});
