/**
 * An account of mixed roles in moto, made fast (parallel batches), for the scan's tests and the bench:
 * EC2 roles with and without profiles, other services' roles, opted-out roles, conflicts, and roles under
 * an excluded path. It knows what a scan must report about it.
 */
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  type IAMClient,
  type Tag,
} from '@aws-sdk/client-iam';
import type { OwnershipStore } from '../core/dynamodb/ownership-table.js';
import { mapBounded } from '../core/map-bounded.js';
import type { ScanSummary } from '../core/scan.js';
import { EC2_TRUST_POLICY } from '../core/trust-policy.js';

const EC2_TRUST_JSON = JSON.stringify(EC2_TRUST_POLICY);

/** How many roles of each kind. */
export interface MixedAccountSpec {
  /** EC2 roles in no profile: a scan reports them missing. */
  readonly ec2Missing: number;
  /** EC2 roles in a same-name profile someone else made. */
  readonly ec2Covered: number;
  /**
   * EC2 roles whose same-name profile is ours and empty: missing too (adopted, not created) when the account's
   * ownership record proves them ours; without a record, only tagged, they are conflicts.
   */
  readonly adoptable: number;
  /** Roles for another service (Lambda). */
  readonly otherService: number;
  /** EC2 roles tagged `auto-instance-profile:skip=true`. */
  readonly optedOut: number;
  /** EC2 roles in no profile whose same-name profile is not ours. */
  readonly conflicting: number;
  /** EC2 roles under the default excluded path `/aws-service-role/`. */
  readonly excluded: number;
}

/** The account as made: the role names of each kind and the summary a scan must report. */
export interface MixedAccount {
  readonly names: { readonly [K in keyof MixedAccountSpec]: readonly string[] };
  readonly total: number;
  readonly expected: ScanSummary;
}

const LAMBDA_TRUST_JSON = EC2_TRUST_JSON.replace('ec2.amazonaws.com', 'lambda.amazonaws.com');
const MANAGED: Tag[] = [{ Key: 'auto-instance-profile:managed', Value: 'true' }];
const SKIP: Tag[] = [{ Key: 'auto-instance-profile:skip', Value: 'true' }];

/**
 * Makes the account's roles and profiles, `concurrency` calls at a time; names start with `prefix`. With
 * `records`, the adoptable profiles are recorded there as the service's, as it records the profiles it makes.
 */
export async function createMixedAccount(
  iam: IAMClient,
  spec: MixedAccountSpec,
  prefix: string,
  options: { readonly concurrency?: number; readonly records?: OwnershipStore } = {},
): Promise<MixedAccount> {
  const { concurrency = 16, records } = options;
  const names = Object.fromEntries(
    Object.entries(spec).map(([kind, count]) => [
      kind,
      Array.from({ length: count }, (_, i) => `${prefix}-${kind}-${i}`),
    ]),
  ) as { [K in keyof MixedAccountSpec]: string[] };
  const role = (RoleName: string, trust = EC2_TRUST_JSON, extra: { Path?: string; Tags?: Tag[] } = {}) =>
    iam.send(new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: trust, ...extra }));
  const profile = async (InstanceProfileName: string, Tags?: Tag[]) =>
    (await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName, Tags }))).InstanceProfile;
  const add = (InstanceProfileName: string, RoleName: string) =>
    iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName, RoleName }));

  const work: (() => Promise<unknown>)[] = [
    ...names.ec2Missing.map((name) => () => role(name)),
    ...names.ec2Covered.map((name) => async () => {
      await role(name);
      await profile(name);
      await add(name, name);
    }),
    ...names.adoptable.map((name) => async () => {
      const { Role: made } = await role(name);
      const leftover = await profile(name, MANAGED);
      const [profileId, roleId] = [leftover?.InstanceProfileId, made?.RoleId];
      if (records === undefined || profileId === undefined || roleId === undefined) return;
      const at = new Date().toISOString();
      await records.bind(name, { profileId, roleId, source: 'created', at }, 'absent');
    }),
    ...names.otherService.map((name) => () => role(name, LAMBDA_TRUST_JSON)),
    ...names.optedOut.map((name) => () => role(name, EC2_TRUST_JSON, { Tags: SKIP })),
    ...names.conflicting.map((name) => async () => {
      await role(name);
      await profile(name);
    }),
    ...names.excluded.map((name) => () => role(name, EC2_TRUST_JSON, { Path: '/aws-service-role/test/' })),
  ];
  await mapBounded(work, concurrency, (task) => task());

  const total = Object.values(spec).reduce((sum, count) => sum + count, 0);
  return {
    names,
    total,
    expected: {
      scanned: total,
      ec2Roles: spec.ec2Missing + spec.ec2Covered + spec.adoptable + spec.conflicting,
      missing: spec.ec2Missing + (records === undefined ? 0 : spec.adoptable),
      conflicts: spec.conflicting + (records === undefined ? spec.adoptable : 0),
      optedOut: spec.optedOut,
      notSelected: 0,
      pending: 0,
      created: 0,
    },
  };
}
