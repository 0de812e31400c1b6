/**
 * Pause and resume, on a running sandbox (`npm start`) of this file's own, as a user drives it with the `export …` line
 * the sandbox prints: the blocks of docs/sandbox.md marked `account sandbox-pause`, run as written, one after the
 * other. `pause` switches off the sandbox's event source mappings and its pollers stop receiving; an EC2 role made then
 * gets no profile, and `doctor` says paused, with the event that waits; `resume` switches them on, and the role gets its
 * profile, decided then.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, type DoctorJson, runCli, sharedFiles } from '../integration/support/cli.js';
import { type SandboxProcess, startSandbox } from '../integration/support/sandbox-process.js';
import { inOrder } from '../support/lines.js';

/** How long one documented block may take: the last one waits for the remediator. */
const BLOCK_TIMEOUT_MS = 90_000;
const ROLE = 'my-paused-role';

let sandbox: SandboxProcess;
let files: Awaited<ReturnType<typeof sharedFiles>>;
/** The shell's environment after pasting the sandbox's export line, and nothing else of AWS. */
let env: Record<string, string>;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a block as a reader pastes it, from the repository's root (`npm run cli`); never throws. */
function runBlock(block: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-e', '-o', 'pipefail', '-c', block],
      { env, timeout: BLOCK_TIMEOUT_MS, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The ```bash account sandbox-pause blocks of docs/sandbox.md, in order. */
function pauseBlocks(): string[] {
  const lines = readFileSync('docs/sandbox.md', 'utf8').split('\n');
  const blocks: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```bash\s+account\s+sandbox-pause\s*$/.test(lines[i] ?? '')) continue;
    const end = lines.findIndex((line, j) => j > i && /^```\s*$/.test(line));
    blocks.push(lines.slice(i + 1, end).join('\n'));
    i = end;
  }
  return blocks;
}

const lines = () =>
  sandbox
    .output()
    .split('\n')
    .map((line) => line.trim());

beforeAll(async () => {
  const sandboxEnv = { ...process.env };
  // The sandbox starts its own moto; the test project's endpoint must not leak into it.
  delete sandboxEnv.AWS_ENDPOINT_URL;
  // The sandbox's own settle delay (3 s), which the document's blocks are written for.
  sandbox = startSandbox([], sandboxEnv);
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

describe('pause and resume in the sandbox', () => {
  it(
    'pauses: an EC2 role made then gets no profile and doctor says paused; resumes: the role gets its profile',
    async () => {
      // Prepare: the document's four blocks: pause; a role and no profile; doctor; resume and the profile
      const [pause, role, doctor, resume, ...more] = pauseBlocks();
      expect(more).toEqual([]);

      // Act: one block after the other, as a reader goes down the page, watching the sandbox as the page says
      const paused = await runBlock(pause ?? '');
      await sandbox.printed('‖ poller (settle queue) its event source mapping is off (pause)');
      await sandbox.printed('‖ poller (delete queue) its event source mapping is off (pause)');
      const made = await runBlock(role ?? '');
      const checked = await runBlock(doctor ?? '');
      const report = await runCli(['doctor', '--json'], env);
      const resumed = await runBlock(resume ?? '');
      await sandbox.printed(`⇠ remediator (settle queue) ${ROLE}: create → ${ROLE}`);

      // Assess: paused, the role made while paused has no profile yet
      expect(paused.code, paused.stderr).toBe(0);
      expect(paused.stdout).toMatch(/^ {2}settle queue +auto-instance-profile-sandbox +Enabled → Disabled$/m);
      expect(paused.stdout).toMatch(/^ {2}delete queue +auto-instance-profile-sandbox-delete +Enabled → Disabled$/m);
      expect(made.code, made.stderr).toBe(0);
      // The block prints the role's ARN, then no profile for it.
      expect(made.stdout.trim()).toBe(`"arn:aws:iam::123456789012:role/${ROLE}"`);
      // doctor, in between: paused, its own state and not a failure, with the event that waits
      expect(checked.code, checked.stderr).toBe(0);
      expect(checked.stdout).toMatch(
        /^ {2}PAUS {2}event-sources +paused since \S+ \([^)]+ ago; the mappings' last change\): 1 event waits \(settle queue 1, delete queue 0\), the oldest unknown \(CloudWatch has no ApproximateAgeOfOldestMessage for the queues\); the queues keep each event 14 days from when it was sent\./m,
      );
      const json = JSON.parse(report.stdout) as DoctorJson & { summary: Record<string, number> };
      expect(report.code).toBe(0);
      expect(json.checks.find((check) => check.name === 'event-sources')).toMatchObject({ status: 'paused', ok: true });
      expect(json.summary).toMatchObject({ paused: 1, failed: 0, 'not-checked': 0 });
      // resumed: the event that waited is decided, and the role has its profile
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stdout).toContain('Disabled → Enabled');
      expect(resumed.stdout.trim().split('\n').at(-1)).toBe(`arn:aws:iam::123456789012:instance-profile/${ROLE}`);
      const expected = [
        '‖ poller (settle queue) its event source mapping is off (pause): receiving nothing; events wait in the queue',
        `⇢ CloudTrail (simulated) CreateRole role ${ROLE} → EventBridge`,
        '▶ poller (settle queue) its event source mapping is on again (resume): polling, and the events that waited are decided now',
        `⇢ CloudTrail (simulated) CreateInstanceProfile profile ${ROLE} → EventBridge`,
        `⇠ remediator (settle queue) ${ROLE}: create → ${ROLE}`,
      ];
      expect(inOrder(lines(), expected), sandbox.output()).toEqual(expected);
    },
    4 * BLOCK_TIMEOUT_MS,
  );
});
