/**
 * Reads a whole account in pages, for the reconcile pass and the CLI's `scan` and `fix`. Its cost grows
 * with pages, not roles:
 * - GetAccountAuthorizationDetails with `Filter=Role` returns the roles a page at a time ({@link ROLE_PAGE_SIZE}),
 *   each with its trust policy (URL-encoded), path, tags and the instance profiles that hold it;
 * - ListInstanceProfiles returns every profile with its roles (no tags), up to 1,000 a page: the only way
 *   to know which roles have a same-name profile they are not in.
 *
 * Chosen from measurements on one account in moto 5.2 (600 roles: 252 EC2 roles of which 192 need a profile,
 * 30 conflicts, 240 for other services, 30 opted out, 48 excluded; `npm run bench:scan`, median of 3, two runs
 * on a shared machine):
 *
 * | approach                                                        | IAM calls | wall time | permissions |
 * |-----------------------------------------------------------------|-----------|-----------|-------------|
 * | GetAccountAuthorizationDetails(Role) + ListInstanceProfiles     |        44 | 0.5–1.4 s | iam:GetAccountAuthorizationDetails, iam:ListInstanceProfiles |
 * | ListRoles + ListInstanceProfiles + GetRole per EC2 role (tags)  |       356 | 1.6–3.9 s | iam:ListRoles, iam:ListInstanceProfiles, iam:GetRole |
 * | naive: ListRoles, GetRole + ListInstanceProfilesForRole per role |     1,423 | 5.5–11.2 s | iam:ListRoles, iam:GetRole, iam:ListInstanceProfilesForRole |
 *
 * Each also makes one GetInstanceProfile (iam:GetInstanceProfile) per role whose same-name profile must be
 * read: 42 here for the listings (the roles in no profile while that profile exists), 222 for the naive
 * way, which cannot tell which profiles exist. The listing reads them one at a time; the other two ran 8
 * roles at a time and are still slower. The listing's cost was then 2 pages per 1,000 roles (1,000 profiles); with
 * role pages of {@link ROLE_PAGE_SIZE}, kept small so that a pass runs in bounded memory, it is 21.
 */
import {
  GetAccountAuthorizationDetailsCommand,
  type GetAccountAuthorizationDetailsCommandOutput,
  ListInstanceProfilesCommand,
  type RoleDetail,
} from '@aws-sdk/client-iam';
import type { RoleSnapshot } from '../snapshots.js';
import { tagsToRecord } from '../tags.js';
import type { IamSender } from './client.js';
import type { IamPermission } from './permissions.js';

/**
 * The IAM actions this module calls. Neither has a resource type in the Service Authorization Reference, so
 * both are granted on `*` (as Karpenter's AllowUnscopedInstanceProfileListAction grants ListInstanceProfiles);
 * both only read. Note that GetAccountAuthorizationDetails also returns every role's inline and attached policies.
 */
export const LIST_ACCOUNT_PERMISSIONS: readonly IamPermission[] = [
  { action: 'iam:GetAccountAuthorizationDetails', resource: '*' },
  { action: 'iam:ListInstanceProfiles', resource: '*' },
];

/**
 * Roles per GetAccountAuthorizationDetails page: half IAM's default of 100, a twentieth of its maximum of 1,000. Each
 * role comes with every inline policy (up to 10,240 characters, URL-encoded) and up to 50 tags, so a page of 1,000
 * can reach tens of MB, which the SDK holds several times over while it parses. Peak RSS of a reconcile of 5,000
 * roles at IAM's limits, as Lambda starts a 256 MB function: 392–405 MiB with pages of 1,000, 131–154 MiB with 100,
 * 127–139 MiB with 50, no lower with 25 or 20 (test/acceptance/reconcile-memory.test.ts). A page of 50 costs 20
 * calls per 1,000 roles instead of 1.
 */
export const ROLE_PAGE_SIZE = 50;

/** Profiles per ListInstanceProfiles page: the largest, as a profile comes with its roles' names and little else. */
export const PROFILE_PAGE_SIZE = 1000;

/** One role as the listing shows it. */
export interface ListedRole {
  readonly role: RoleSnapshot;
  /** Names of the instance profiles that hold the role. */
  readonly profileNames: readonly string[];
  /** When IAM created the role: where to look for its CreateRole in CloudTrail. */
  readonly createDate?: Date | undefined;
}

/** One instance profile as ListInstanceProfiles shows it: no tags. */
export interface ListedProfile {
  readonly name: string;
  /** IAM's `InstanceProfileId`; empty when IAM gave none. */
  readonly id: string;
  readonly createDate?: Date | undefined;
  readonly path: string;
  readonly roleNames: readonly string[];
}

/** Every role, one page (one call) at a time: GetAccountAuthorizationDetails with `Filter=Role`. */
export async function* listRolePages(iam: IamSender): AsyncGenerator<readonly ListedRole[]> {
  let marker: string | undefined;
  do {
    let page: GetAccountAuthorizationDetailsCommandOutput | undefined = await iam.send(
      new GetAccountAuthorizationDetailsCommand({ Filter: ['Role'], MaxItems: ROLE_PAGE_SIZE, Marker: marker }),
    );
    const roles = (page.RoleDetailList ?? []).flatMap(listedRole);
    marker = page.IsTruncated ? page.Marker : undefined;
    // The page holds every role's inline policies: let it go before the caller works on its roles (a generator's
    // locals live across `yield`).
    page = undefined;
    yield roles;
  } while (marker !== undefined);
}

/** Every instance profile, one page (one call) at a time: ListInstanceProfiles. */
export async function* listProfilePages(iam: IamSender): AsyncGenerator<readonly ListedProfile[]> {
  let marker: string | undefined;
  do {
    const page = await iam.send(new ListInstanceProfilesCommand({ MaxItems: PROFILE_PAGE_SIZE, Marker: marker }));
    yield (page.InstanceProfiles ?? []).flatMap((profile) =>
      profile.InstanceProfileName === undefined
        ? []
        : [
            {
              name: profile.InstanceProfileName,
              id: profile.InstanceProfileId ?? '',
              createDate: profile.CreateDate,
              path: profile.Path ?? '/',
              roleNames: (profile.Roles ?? []).flatMap((role) => (role.RoleName === undefined ? [] : [role.RoleName])),
            },
          ],
    );
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker !== undefined);
}

function listedRole(detail: RoleDetail): ListedRole[] {
  if (detail.RoleName === undefined) return [];
  return [
    {
      role: {
        name: detail.RoleName,
        path: detail.Path ?? '/',
        arn: detail.Arn ?? '',
        id: detail.RoleId ?? '',
        trustPolicy: detail.AssumeRolePolicyDocument,
        tags: tagsToRecord(detail.Tags),
      },
      profileNames: (detail.InstanceProfileList ?? []).flatMap((profile) =>
        profile.InstanceProfileName === undefined ? [] : [profile.InstanceProfileName],
      ),
      createDate: detail.CreateDate,
    },
  ];
}
