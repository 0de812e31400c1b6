/**
 * The sandbox's scenario over a role's life, played against a fake AWS CLI, a mocked IAM and a clock that
 * moves only when the scenario waits: what it runs, in which order, what it reports, and what it measures.
 */
import {
  GetInstanceProfileCommand,
  IAMClient,
  ListInstanceProfilesForRoleCommand,
  NoSuchEntityException,
} from '@aws-sdk/client-iam';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createStyle } from '../../cli/style.js';
import { createReporter } from '../../local/reporter.js';
import {
  type CliRun,
  expectedProfileArn,
  formatCommand,
  playScenario,
  SCENARIO_ROLE_NAME,
  scenarioCommands,
} from '../../local/scenario.js';
import { inOrder } from '../support/lines.js';

const ROLE = SCENARIO_ROLE_NAME;
const COMMANDS = scenarioCommands();
const CONFLICT =
  'An error occurred (DeleteConflict) when calling the DeleteRole operation: Cannot delete entity, must remove roles from instance profile first.';
const LISTED = JSON.stringify({
  InstanceProfiles: [
    { InstanceProfileName: ROLE, Arn: expectedProfileArn('123456789012', ROLE), Roles: [{ RoleName: ROLE }] },
  ],
});

const ok = (stdout = ''): CliRun => ({ exitCode: 0, stdout, stderr: '' });
const failed = (stderr: string): CliRun => ({ exitCode: 255, stdout: '', stderr });
const holding = (...names: string[]) =>
  ({ InstanceProfiles: names.map((name) => ({ InstanceProfileName: name })) }) as never;
const gone = () => new NoSuchEntityException({ message: 'not found', $metadata: {} });

let iam: AwsClientStub<IAMClient>;

beforeEach(() => {
  iam = mockClient(IAMClient);
  iam.on(GetInstanceProfileCommand).rejects(gone());
});

/**
 * Plays the scenario with `deleteRole` answering each `aws iam delete-role` in turn; everything else succeeds,
 * and the listing shows the profile. The DeleteConflict is answered at the clock's time when it is run.
 */
async function play(deleteRole: readonly CliRun[]) {
  let now = 0;
  let output = '';
  let conflictAnswered: number | undefined;
  const ran: string[] = [];
  const answers = [...deleteRole];
  const aws = async (args: readonly string[]): Promise<CliRun> => {
    ran.push(formatCommand(args));
    if (args.join(' ') === COMMANDS.listProfiles.join(' ')) return ok(LISTED);
    if (args.join(' ') !== COMMANDS.deleteRole.join(' ')) return ok();
    const answer = answers.shift() ?? ok();
    if (answer.stderr.includes('DeleteConflict')) conflictAnswered = now;
    return answer;
  };
  const outcome = await playScenario({
    report: createReporter({ write: (text: string) => (output += text) }, createStyle(false), false),
    iam: iam as unknown as IAMClient,
    aws,
    drained: async () => true,
    answeredAt: (eventName, errorCode) =>
      eventName === 'DeleteRole' && errorCode === 'DeleteConflictException' ? conflictAnswered : undefined,
    settleDelaySeconds: 3,
    signal: new AbortController().signal,
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
  });
  return { outcome, ran, lines: output.split('\n').map((line) => line.trim()) };
}

describe('playScenario', () => {
  it('creates the role, sees its profile, and deletes it: the first delete-role conflicts, the service releases, the retry succeeds', async () => {
    // Prepare: the profile appears at the second look; after the conflict, released at the third look
    iam
      .on(ListInstanceProfilesForRoleCommand)
      .resolvesOnce(holding())
      .resolvesOnce(holding(ROLE))
      .resolvesOnce(holding(ROLE))
      .resolvesOnce(holding(ROLE))
      .resolves(holding());

    // Act
    const { outcome, ran, lines } = await play([failed(CONFLICT), ok()]);

    // Assess
    expect(outcome).toEqual({
      passed: true,
      profileSeconds: 0.1,
      deleteConflicted: true,
      releaseSeconds: 0.2,
      retrySeconds: 0.2,
    });
    expect(ran).toEqual(
      [
        COMMANDS.createRole,
        COMMANDS.attachPolicy,
        COMMANDS.listProfiles,
        COMMANDS.detachPolicy,
        COMMANDS.deleteRole,
        COMMANDS.deleteRole,
      ].map(formatCommand),
    );
    const expectedInOrder = [
      `$ ${formatCommand(COMMANDS.createRole)}`,
      `✔ ${expectedProfileArn('123456789012', ROLE)} holds ${ROLE} (0.1 s after create-role)`,
      '2. … and its deletion, with delete-role',
      `$ ${formatCommand(COMMANDS.detachPolicy)}`,
      `$ ${formatCommand(COMMANDS.deleteRole)}`,
      CONFLICT,
      '… our instance profile holds the role.',
      '✔ the service released the instance profile 0.2 s after the DeleteConflict: retry',
      `$ ${formatCommand(COMMANDS.deleteRole)}`,
      `✔ ${ROLE} deleted by the retry, 0.2 s after the DeleteConflict; no instance profile left behind`,
    ];
    expect(inOrder(lines, expectedInOrder)).toEqual(expectedInOrder);
  });

  it('says so when the first delete-role succeeds, and does not retry', async () => {
    // Prepare
    iam.on(ListInstanceProfilesForRoleCommand).resolves(holding(ROLE));

    // Act
    const { outcome, ran, lines } = await play([ok()]);

    // Assess
    expect(outcome).toMatchObject({ passed: true, deleteConflicted: false });
    expect(outcome.releaseSeconds).toBeUndefined();
    expect(ran.filter((command) => command === formatCommand(COMMANDS.deleteRole))).toHaveLength(1);
    expect(lines).toContain(`✔ ${ROLE} deleted at the first attempt; no instance profile left behind`);
  });

  it('fails, without a retry, when the service does not release the profile in time', async () => {
    // Prepare
    iam.on(ListInstanceProfilesForRoleCommand).resolves(holding(ROLE));

    // Act
    const { outcome, ran, lines } = await play([failed(CONFLICT)]);

    // Assess
    expect(outcome).toMatchObject({ passed: false, deleteConflicted: true });
    expect(ran.filter((command) => command === formatCommand(COMMANDS.deleteRole))).toHaveLength(1);
    expect(
      lines.some((line) => line.startsWith(`✘ the service did not release ${ROLE}'s instance profile within`)),
    ).toBe(true);
  });

  it('fails when the deleted role leaves its profile behind', async () => {
    // Prepare
    iam.on(ListInstanceProfilesForRoleCommand).resolves(holding(ROLE));
    iam
      .on(GetInstanceProfileCommand)
      .resolves({ InstanceProfile: { InstanceProfileName: ROLE, Path: '/', Roles: [] } } as never);

    // Act
    const { outcome, lines } = await play([ok()]);

    // Assess
    expect(outcome.passed).toBe(false);
    expect(lines).toContain(`✘ ${ROLE} is deleted, but its instance profile ${ROLE} is left behind`);
  });

  it('stops with the command when delete-role fails for another reason', async () => {
    // Prepare
    iam.on(ListInstanceProfilesForRoleCommand).resolves(holding(ROLE));

    // Act
    const played = play([failed('An error occurred (AccessDenied) when calling the DeleteRole operation')]);

    // Assess
    await expect(played).rejects.toMatchObject({
      name: 'SandboxError',
      message: `${formatCommand(COMMANDS.deleteRole)} exited with 255`,
    });
  });
});
