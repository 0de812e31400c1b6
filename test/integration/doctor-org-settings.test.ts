/**
 * `doctor --org` shows each account's effective settings per OU (`ouSettings`), through the built CLI against a moto
 * organization: a pilot OU whose StackSet override is `dryRun=true`, and the rest, which take the organization's
 * values. moto lists a StackSet's instances but creates no stack in the accounts, so each account's stack is made
 * here as the StackSet would leave it: the member template's parameters, with the pilot's override.
 */
import { randomUUID } from 'node:crypto';
import {
  CloudFormationClient,
  CreateStackCommand,
  CreateStackInstancesCommand,
  CreateStackSetCommand,
} from '@aws-sdk/client-cloudformation';
import {
  CreateOrganizationalUnitCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORG_STACK_NAME, ORG_STACK_OUTPUTS, STACK_OUTPUTS, STACK_SET_NAME } from '../../core/pipeline-settings.js';
import { type MotoServer, startMoto } from '../../emulator/moto.js';
import { createOrganization, type EmulatedAccount, type EmulatedOrganization } from '../../emulator/organization.js';
import { cliEnv, runCli, sharedFiles } from './support/cli.js';

const REGION = 'us-east-1';

/** The member template as the organization stack writes it with `ouSettings` setting dryRun and logLevel. */
const MEMBER_TEMPLATE = {
  Parameters: {
    DryRun: { Type: 'String', Default: 'false', AllowedValues: ['true', 'false'] },
    LogLevel: { Type: 'String', Default: 'INFO', AllowedValues: ['DEBUG', 'INFO', 'WARN', 'ERROR'] },
    CodeBucket: { Type: 'String', Default: 'code' },
  },
  Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
  Outputs: {
    [STACK_OUTPUTS.ruleName]: { Value: 'rule' },
    [STACK_OUTPUTS.functionName]: { Value: 'remediator' },
  },
};

/** The `--json` document of doctor --org, as far as the test reads it. */
interface OrgDoctorJson {
  readonly accounts: readonly {
    readonly accountId: string;
    readonly name: string;
    readonly settings?: Readonly<Record<string, { readonly value: string; readonly from: string }>>;
  }[];
}

let moto: MotoServer;
let files: Awaited<ReturnType<typeof sharedFiles>>;
let org: EmulatedOrganization;
let pilot: string;
let rest: string;

const clientConfig = (account: EmulatedAccount) => ({
  endpoint: moto.url,
  region: REGION,
  credentials: account.credentials,
});

function member(name: string): EmulatedAccount {
  const found = org.members.find((account) => account.name === name);
  if (found === undefined) throw new Error(`no member ${name}`);
  return found;
}

/** The stack the StackSet leaves in `account`, with the parameters its OU's group passes. */
async function memberStack(account: EmulatedAccount, overrides: Readonly<Record<string, string>>): Promise<void> {
  const cloudformation = new CloudFormationClient(clientConfig(account));
  try {
    await cloudformation.send(
      new CreateStackCommand({
        StackName: `StackSet-${STACK_SET_NAME}-${randomUUID()}`,
        TemplateBody: JSON.stringify(MEMBER_TEMPLATE),
        Parameters: Object.entries(overrides).map(([ParameterKey, ParameterValue]) => ({
          ParameterKey,
          ParameterValue,
        })),
      }),
    );
  } finally {
    cloudformation.destroy();
  }
}

beforeAll(async () => {
  moto = await startMoto();
  files = await sharedFiles();
  // web in the pilot OU (the organization's OU), data in the rest.
  org = await createOrganization(moto.url, [{ name: 'web', inOu: true }, { name: 'data' }]);
  pilot = org.ouId;
  const config = clientConfig(org.management);
  const organizations = new OrganizationsClient(config);
  const cloudformation = new CloudFormationClient(config);
  try {
    rest =
      (await organizations.send(new CreateOrganizationalUnitCommand({ ParentId: org.rootId, Name: 'rest' })))
        .OrganizationalUnit?.Id ?? '';
    await organizations.send(
      new MoveAccountCommand({
        AccountId: member('data').accountId,
        SourceParentId: org.rootId,
        DestinationParentId: rest,
      }),
    );
    await cloudformation.send(
      new CreateStackCommand({
        StackName: ORG_STACK_NAME,
        TemplateBody: JSON.stringify({
          Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
          Outputs: {
            [ORG_STACK_OUTPUTS.stackSetName]: { Value: STACK_SET_NAME },
            [ORG_STACK_OUTPUTS.callAs]: { Value: 'SELF' },
            [ORG_STACK_OUTPUTS.deploymentTargets]: { Value: `${rest},${pilot}` },
          },
        }),
      }),
    );
    await cloudformation.send(
      new CreateStackSetCommand({
        StackSetName: STACK_SET_NAME,
        TemplateBody: JSON.stringify(MEMBER_TEMPLATE),
        PermissionModel: 'SERVICE_MANAGED',
        AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      }),
    );
    // The StackSet's groups as the organization template has them: the rest without overrides, the pilot with its own.
    await cloudformation.send(
      new CreateStackInstancesCommand({
        StackSetName: STACK_SET_NAME,
        DeploymentTargets: { OrganizationalUnitIds: [rest] },
        Regions: [REGION],
      }),
    );
    await cloudformation.send(
      new CreateStackInstancesCommand({
        StackSetName: STACK_SET_NAME,
        DeploymentTargets: { OrganizationalUnitIds: [pilot] },
        Regions: [REGION],
        ParameterOverrides: [{ ParameterKey: 'DryRun', ParameterValue: 'true' }],
      }),
    );
  } finally {
    organizations.destroy();
    cloudformation.destroy();
  }
  await memberStack(member('web'), { DryRun: 'true', CodeBucket: 'code' });
  await memberStack(member('data'), { CodeBucket: 'code' });
}, 120_000);

afterAll(async () => {
  org?.close();
  await moto?.stop();
  await files?.remove();
});

describe('doctor --org with settings per OU', () => {
  it("shows each account's effective settings, and the OU each override comes from", async () => {
    // Prepare
    const env = cliEnv(files.dir, {
      AWS_ENDPOINT_URL: moto.url,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
    });

    // Act
    const json = await runCli(['doctor', '--org', '--json'], env);
    const text = await runCli(['doctor', '--org'], env);

    // Assess
    const report = JSON.parse(json.stdout) as OrgDoctorJson;
    const settingsOf = (name: string) => report.accounts.find((entry) => entry.name === name)?.settings;
    expect(settingsOf('web')).toEqual({
      dryRun: { value: 'true', from: pilot },
      logLevel: { value: 'INFO', from: 'organization' },
    });
    expect(settingsOf('data')).toEqual({
      dryRun: { value: 'false', from: 'organization' },
      logLevel: { value: 'INFO', from: 'organization' },
    });
    // Each account's line of the summary table: its stack, then the settings its OU overrides.
    const line = (name: string) =>
      text.stdout.split('\n').find((row) => row.includes(` ${name} `) && row.includes(' scanned ')) ?? '';
    expect(line('web')).toContain(`; dryRun=true (${pilot}); `);
    expect(line('data')).not.toContain('dryRun=');
  });
});
