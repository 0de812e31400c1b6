/** cli/org/stack-set.ts: where the StackSet's name and CallAs came from, said as it is. */
import { CloudFormationClient, DescribeStackSetCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { describeStackSet, readStackSet } from '../../cli/org/stack-set.js';

const cloudformation = mockClient(CloudFormationClient);

afterEach(() => cloudformation.reset());

function organizationStack(outputs: Record<string, string>) {
  cloudformation
    .on(DescribeStacksCommand, { StackName: 'AutoInstanceProfileOrg' })
    .resolves({
      Stacks: [
        {
          StackName: 'AutoInstanceProfileOrg',
          StackStatus: 'CREATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
        },
      ],
    })
    .on(DescribeStackSetCommand)
    .resolves({ StackSet: {} });
}

describe('readStackSet', () => {
  it('takes an option over the organization stack’s output, and says which each setting came from', async () => {
    // Prepare
    organizationStack({ StackSetName: 'Profiles', CallAs: 'SELF' });

    // Act
    const view = await readStackSet(new CloudFormationClient({}), { callAs: 'DELEGATED_ADMIN' });

    // Assess
    expect(view).toMatchObject({
      name: 'Profiles',
      nameFrom: 'organization stack',
      callAs: 'DELEGATED_ADMIN',
      callAsFrom: 'option',
    });
  });

  it('calls CallAs the default when neither the option nor the organization stack’s outputs give it', async () => {
    // Prepare: an organization stack without a CallAs output
    organizationStack({ StackSetName: 'Profiles' });

    // Act
    const view = await readStackSet(new CloudFormationClient({}), {});

    // Assess
    expect(view).toMatchObject({ callAs: 'SELF', callAsFrom: 'default', source: 'organization stack' });
    expect(describeStackSet(view)).toBe("StackSet Profiles (the organization stack's output)");
  });
});
