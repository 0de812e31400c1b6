/**
 * The organization's accounts that an `--org` command works on: every active account, or those `--accounts`
 * names and those under the OUs `--ou` names (child OUs included). Read from AWS Organizations by the
 * management account or a delegated administrator.
 */
import {
  type Account,
  DescribeOrganizationCommand,
  type OrganizationsClient,
  OrganizationsServiceException,
  paginateListAccounts,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
} from '@aws-sdk/client-organizations';
import { parseCommaList } from '../../core/config.js';
import { ORGANIZATIONAL_UNIT_ID } from '../../core/organizations.js';
import { type AwsAccessError, asServiceError, UsageError } from '../errors.js';

/** The Organizations actions the accounts are read with. */
export const ORGANIZATION_READ_PERMISSIONS = [
  'organizations:ListAccounts',
  'organizations:ListAccountsForParent',
  'organizations:ListOrganizationalUnitsForParent',
  'organizations:DescribeOrganization',
] as const;

/** The part of an Organizations client these functions call. */
export type OrganizationsSender = OrganizationsClient;

/** One account of the organization. */
export interface OrgAccount {
  readonly accountId: string;
  readonly name: string;
}

/** Which accounts to work on: all active ones when both are empty. */
export interface AccountSelection {
  readonly accountIds: readonly string[];
  readonly ouIds: readonly string[];
}

/** `--accounts ID,…` and `--ou ou-…,…` (each may be repeated), checked for their shape. */
export function accountSelection(accounts: readonly string[] = [], ous: readonly string[] = []): AccountSelection {
  const accountIds = accounts.flatMap(parseCommaList);
  const ouIds = ous.flatMap(parseCommaList);
  const badAccount = accountIds.find((id) => !/^\d{12}$/.test(id));
  if (badAccount !== undefined) throw new UsageError(`--accounts takes 12-digit account IDs, not "${badAccount}"`);
  // A root (r-…) targets the whole organization, as in a StackSet's deployment targets.
  const badOu = ouIds.find((id) => !ORGANIZATIONAL_UNIT_ID.test(id));
  if (badOu !== undefined)
    throw new UsageError(`--ou takes OU IDs (ou-xxxx-xxxxxxxx) or a root (r-xxxx), not "${badOu}"`);
  return { accountIds: [...new Set(accountIds)], ouIds: [...new Set(ouIds)] };
}

/**
 * The active accounts selected, in the organization's order. An ID in `--accounts` that is not an active
 * account of the organization is a usage error. Errors of the Organizations API (not in an organization,
 * not allowed) become an {@link AwsAccessError}: exit code 255.
 */
export async function selectAccounts(org: OrganizationsSender, selection: AccountSelection): Promise<OrgAccount[]> {
  try {
    const active = await listActive(paginateListAccounts({ client: org }, {}));
    if (selection.accountIds.length === 0 && selection.ouIds.length === 0) return active;
    const unknown = selection.accountIds.filter((id) => !active.some((account) => account.accountId === id));
    if (unknown.length > 0) {
      throw new UsageError(`not an active account of the organization: ${unknown.join(', ')}`);
    }
    const chosen = new Set(selection.accountIds);
    for (const ou of selection.ouIds) for (const id of await accountsUnder(org, ou)) chosen.add(id);
    return active.filter((account) => chosen.has(account.accountId));
  } catch (error) {
    throw asOrganizationsError(error);
  }
}

/** The IDs of the accounts under an OU or root, its child OUs included. */
export async function accountsUnder(org: OrganizationsSender, parentId: string): Promise<string[]> {
  const ids = (await listActive(paginateListAccountsForParent({ client: org }, { ParentId: parentId }))).map(
    (account) => account.accountId,
  );
  for await (const page of paginateListOrganizationalUnitsForParent({ client: org }, { ParentId: parentId })) {
    for (const child of page.OrganizationalUnits ?? []) {
      if (child.Id !== undefined) ids.push(...(await accountsUnder(org, child.Id)));
    }
  }
  return ids;
}

/** The organization's management account (DescribeOrganization). */
export async function managementAccountId(org: OrganizationsSender): Promise<string | undefined> {
  try {
    return (await org.send(new DescribeOrganizationCommand({}))).Organization?.MasterAccountId;
  } catch (error) {
    throw asOrganizationsError(error);
  }
}

/** The error to report for a failed Organizations call, in the AWS CLI's words: exit code 255. */
export function asOrganizationsError(error: unknown): unknown {
  return asServiceError(error, 'Organizations', OrganizationsServiceException);
}

async function listActive(pages: AsyncIterable<{ readonly Accounts?: Account[] }>): Promise<OrgAccount[]> {
  const accounts: OrgAccount[] = [];
  for await (const page of pages) {
    for (const account of page.Accounts ?? []) {
      // `State` replaces the deprecated `Status`; either says ACTIVE for an account that can be worked on.
      const state = account.State ?? account.Status;
      if (account.Id !== undefined && state === 'ACTIVE') {
        accounts.push({ accountId: account.Id, name: account.Name ?? '' });
      }
    }
  }
  return accounts;
}
