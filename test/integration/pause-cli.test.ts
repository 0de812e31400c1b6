/**
 * `pause`, `resume` and doctor's `event-sources` check through the built CLI (dist/cli/index.mjs), against a moto of
 * their own holding the service as a deploy leaves it: the stack's queues, rules and outputs, its remediator with a
 * mapping per queue, its table and a trail (test/integration/support/service-in-moto.ts). Pause switches the mappings
 * off; events then wait in the queues, and doctor says paused with how many; resume switches them on.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MotoServer, startMoto } from '../../emulator/moto.js';
import { checkOf, cliEnv, type DoctorJson, runCli, sharedFiles } from './support/cli.js';
import { type ServiceInMoto, serviceInMoto } from './support/service-in-moto.js';

/** The `--json` document of `pause` and `resume`. */
interface SwitchJson {
  readonly command: string;
  readonly stack: string | null;
  readonly function: string | null;
  readonly outcome: string;
  readonly state: string | null;
  readonly pausedSince?: string;
  readonly reason?: string;
  readonly mappings: readonly {
    readonly queue: string | null;
    readonly queueName: string;
    readonly uuid: string;
    readonly before: string;
    readonly after: string;
  }[];
}

let moto: MotoServer;
let files: Awaited<ReturnType<typeof sharedFiles>>;
let service: ServiceInMoto;

beforeAll(async () => {
  [moto, files] = await Promise.all([startMoto(), sharedFiles()]);
  service = await serviceInMoto({
    endpoint: moto.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
});

afterAll(async () => {
  service?.destroy();
  await Promise.all([moto?.stop(), files?.remove()]);
});

/** The built CLI with moto as the endpoint, as the README's moto example sets it. */
function cli(...args: string[]) {
  return runCli(
    args,
    cliEnv(files.dir, {
      AWS_ENDPOINT_URL: moto.url,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
    }),
  );
}

async function doctor() {
  const run = await cli('doctor', '--json');
  return { run, report: JSON.parse(run.stdout) as DoctorJson & { summary: Record<string, number> } };
}

describe('pause and resume through the built CLI', () => {
  // The cases build on each other: running, paused with events waiting, half paused by hand, resumed.
  it('reports the running service as ok, and refuses to pause without --yes off a terminal, changing nothing', async () => {
    // Act
    const { run, report } = await doctor();
    const refused = await cli('pause');

    // Assess
    expect(run.code, run.stdout).toBe(0);
    expect(checkOf(report, 'event-sources')).toMatchObject({
      status: 'ok',
      detail: `the remediator (${service.functionName}) polls the settle and delete queues (event source mappings Enabled)`,
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr.split('\n')[0]).toBe(
      "auto-instance-profile pause: pause changes the service's event source mappings: pass --yes to confirm when not on a terminal (see auto-instance-profile pause --help)",
    );
    expect(await service.states()).toEqual({ settle: 'Enabled', immediate: 'Enabled' });
  });

  it('pause --yes switches both mappings off, says so, and exits 0', async () => {
    // Act
    const run = await cli('pause', '--yes', '--json');

    // Assess
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as SwitchJson;
    expect(report).toMatchObject({
      command: 'pause',
      stack: service.stackName,
      function: service.functionName,
      outcome: 'done',
      state: 'paused',
      pausedSince: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(report.mappings.map(({ queue, queueName, before, after }) => ({ queue, queueName, before, after }))).toEqual(
      [
        { queue: 'settle', queueName: 'paused', before: 'Enabled', after: 'Disabled' },
        { queue: 'immediate', queueName: 'paused-delete', before: 'Enabled', after: 'Disabled' },
      ],
    );
    expect(await service.states()).toEqual({ settle: 'Disabled', immediate: 'Disabled' });
  });

  it('doctor says paused, not failed, with the events that wait in each queue, delayed ones too, and exits 0', async () => {
    // Prepare: events arrive while paused: two on the settle queue (its 30 s settle delay holds them), one on the delete queue
    for (const [queue, body] of [
      [service.pipeline.paths.settle.queueUrl, 'a create'],
      [service.pipeline.paths.settle.queueUrl, 'a trust change'],
      [service.pipeline.paths.immediate.queueUrl, 'a failed delete'],
    ] as const) {
      await service.sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: body }));
    }

    // Act
    const { run, report } = await doctor();
    const text = await cli('doctor');

    // Assess
    expect(run.code, run.stdout).toBe(0);
    expect(checkOf(report, 'event-sources')).toMatchObject({ status: 'paused', ok: true });
    expect(checkOf(report, 'event-sources').detail).toMatch(
      /^paused since \S+ \(\d+ s ago; the mappings' last change\): 3 events wait \(settle queue 0 \+ 2 delayed, delete queue 1\), the oldest unknown \(CloudWatch has no ApproximateAgeOfOldestMessage for the queues\); the queues keep each event 14 days from when it was sent\. auto-instance-profile resume decides them on IAM's state then$/,
    );
    expect(report.summary).toMatchObject({ paused: 1, failed: 0, 'not-checked': 0 });
    expect(text.stdout).toMatch(/^ {2}PAUS {2}event-sources +paused since /m);
    expect(text.stdout).toMatch(/^All \d+ checks passed\. The service is paused: auto-instance-profile resume\.$/m);
  });

  it('pause again changes nothing and exits 0', async () => {
    // Act
    const run = await cli('pause', '--yes');

    // Assess
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^ {2}settle queue +paused +Disabled$/m);
    expect(run.stdout).toMatch(/^Already paused \(since \S+\): nothing switched\./m);
  });

  it('doctor fails a mapping switched on by hand beside one off (half paused), and says what to run', async () => {
    // Prepare
    await service.switchByHand('immediate', true);

    // Act
    const { run, report } = await doctor();

    // Assess
    expect(run.code).toBe(1);
    expect(checkOf(report, 'event-sources')).toMatchObject({
      status: 'failed',
      detail:
        "half paused: the settle queue's event source mapping is Disabled while the delete queue's is Enabled: " +
        "creates, trust changes and deletes' clean-ups wait while failed deletes are acted on. " +
        'Run auto-instance-profile pause to pause both, or auto-instance-profile resume to resume both',
    });
  });

  it('resume --yes switches on what is off, leaves on what is on, and the service runs; again, it changes nothing', async () => {
    // Act
    const run = await cli('resume', '--yes', '--json');
    const again = await cli('resume', '--yes', '--json');
    const { report } = await doctor();

    // Assess
    expect(run.code, run.stderr).toBe(0);
    const resumed = JSON.parse(run.stdout) as SwitchJson;
    expect(resumed).toMatchObject({ command: 'resume', outcome: 'done', state: 'running' });
    expect(resumed.mappings.map(({ before, after }) => [before, after])).toEqual([
      ['Disabled', 'Enabled'],
      ['Enabled', 'Enabled'],
    ]);
    expect(resumed).not.toHaveProperty('pausedSince');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ outcome: 'unchanged', state: 'running' });
    expect(await service.states()).toEqual({ settle: 'Enabled', immediate: 'Enabled' });
    expect(checkOf(report, 'event-sources').status).toBe('ok');
  });

  it('exits 1, saying why, where the service is not installed', async () => {
    // Act
    const run = await cli('pause', '--yes', '--stack-name', 'Elsewhere', '--json');

    // Assess
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ outcome: 'not-installed', stack: null, mappings: [] });
    expect(run.stderr).toBe('auto-instance-profile pause: the service is not installed: no Elsewhere in us-east-1\n');
  });
});
