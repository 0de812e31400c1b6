/**
 * An AWS Organization in moto, for the `--org` tests and the bench: the caller's account (123456789012) as
 * the management account, member accounts (moto makes OrganizationAccountAccessRole in each, trusting the
 * management account), an OU, and an IAM client into each account for setting it up.
 */
import { IAMClient } from '@aws-sdk/client-iam';
import {
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  DescribeAccountCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';

/** The keys moto takes for the management account's own credentials. */
const CALLER = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** One account of the organization, with an IAM client on its own credentials. */
export interface EmulatedAccount {
  readonly accountId: string;
  readonly name: string;
  readonly iam: IAMClient;
  /** The account's own credentials in moto: the caller's for the management account, AssumeRole's for members. */
  readonly credentials: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
  };
}

/** The organization as made. */
export interface EmulatedOrganization {
  readonly management: EmulatedAccount;
  readonly members: readonly EmulatedAccount[];
  readonly rootId: string;
  /** The OU made for the members whose spec asked for it. */
  readonly ouId: string;
  /** Destroys the clients. */
  close(): void;
}

/** A member to make: its name, and whether it goes into the OU. */
export interface MemberSpec {
  readonly name: string;
  readonly inOu?: boolean;
}

/** Makes the organization in the moto at `motoUrl` (one organization per moto). */
export async function createOrganization(
  motoUrl: string,
  members: readonly MemberSpec[],
): Promise<EmulatedOrganization> {
  const config = { region: 'us-east-1', endpoint: motoUrl, credentials: CALLER };
  const org = new OrganizationsClient(config);
  const sts = new STSClient(config);
  try {
    const created = await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const managementId = created.Organization?.MasterAccountId ?? '123456789012';
    const rootId = (await org.send(new ListRootsCommand({}))).Roots?.[0]?.Id ?? '';
    const ouId =
      (await org.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'workloads' }))).OrganizationalUnit
        ?.Id ?? '';
    const made: EmulatedAccount[] = [];
    for (const member of members) {
      const status = await org.send(
        new CreateAccountCommand({ AccountName: member.name, Email: `${member.name}@example.com` }),
      );
      const accountId = status.CreateAccountStatus?.AccountId ?? '';
      if (member.inOu === true) {
        await org.send(
          new MoveAccountCommand({ AccountId: accountId, SourceParentId: rootId, DestinationParentId: ouId }),
        );
      }
      const assumed = await sts.send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`,
          RoleSessionName: 'emulator-setup',
        }),
      );
      const c = assumed.Credentials;
      const credentials = {
        accessKeyId: c?.AccessKeyId ?? '',
        secretAccessKey: c?.SecretAccessKey ?? '',
        ...(c?.SessionToken === undefined ? {} : { sessionToken: c.SessionToken }),
      };
      made.push({ accountId, name: member.name, iam: new IAMClient({ ...config, credentials }), credentials });
    }
    const described = await org.send(new DescribeAccountCommand({ AccountId: managementId }));
    const management = {
      accountId: managementId,
      name: described.Account?.Name ?? '',
      iam: new IAMClient(config),
      credentials: CALLER,
    };
    return {
      management,
      members: made,
      rootId,
      ouId,
      close() {
        for (const account of [management, ...made]) account.iam.destroy();
      },
    };
  } finally {
    org.destroy();
    sts.destroy();
  }
}
