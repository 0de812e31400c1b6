/**
 * The organization stack's own settings: where the StackSet deploys, as whom, how fast, and who hears the
 * alarms. Their defaults and their validation, in one place for the stack, its context keys, its tests and
 * docs/organization.md. The service's settings (dry run, exclusions, settle delay, …) are the single-account
 * stack's props, unchanged (infra/props.ts).
 */
import { Token } from 'aws-cdk-lib';
import { CALL_AS, type CallAs, ORGANIZATIONAL_UNIT_ID } from '../core/organizations.js';
import { STACK_SET_NAME } from '../core/pipeline-settings.js';
import { InvalidSettingError, oneOf, wholeNumber } from './props.js';

/** The top of a percentage of accounts, and why. */
const PERCENTAGE = { max: 100, why: 'a percentage of accounts' } as const;

/** How the organization's one-of settings say their values: `must be A or B`. */
const eitherOr = (values: readonly string[]): string => `must be ${values.join(' or ')}`;

/** Whether StackSets deploys to several regions one at a time or together (the service uses one region). */
export const REGION_CONCURRENCY = ['SEQUENTIAL', 'PARALLEL'] as const;
/** See {@link REGION_CONCURRENCY}. */
export type RegionConcurrency = (typeof REGION_CONCURRENCY)[number];

/** A StackSet name, as CloudFormation allows it. */
const STACK_SET_NAME_PATTERN = /^[a-zA-Z][-a-zA-Z0-9]{0,127}$/;

/** An email address, loosely: SNS checks it for real, by asking its owner to confirm. */
const EMAIL = /^[^@\s,]+@[^@\s,]+\.[^@\s,]+$/;

/** Settings of {@link AutoInstanceProfileOrgStack} beside the service's. Every one is optional. */
export interface OrganizationProps {
  /**
   * The organizational units whose accounts get the service, today's and those that join later (ids `ou-…`, or
   * the root `r-…`). Accounts in child OUs are included.
   * @default - the organization's root, looked up when the stack deploys (organizations:ListRoots): every account
   * but the management account
   */
  readonly organizationalUnitIds?: readonly string[];
  /**
   * Whom the StackSet is created as: `SELF` from the management account, `DELEGATED_ADMIN` from an account
   * registered as a delegated administrator for CloudFormation StackSets.
   * @default 'SELF'
   */
  readonly callAs?: CallAs;
  /**
   * Keep an account's stack (the service and its instance profiles' keeper) when the account leaves the targeted
   * OUs or the organization, instead of deleting it.
   * @default false
   */
  readonly retainStacksOnAccountRemoval?: boolean;
  /**
   * The share of accounts a StackSet operation (a rollout, an account joining) works on at once, 1 to 100.
   * @default 25
   */
  readonly maxConcurrentPercentage?: number;
  /**
   * The share of accounts whose stack may fail before StackSets stops the operation, 0 to 100. The operation runs
   * with `SOFT_FAILURE_TOLERANCE`, so this does not also lower the concurrency.
   * @default 10
   */
  readonly failureTolerancePercentage?: number;
  /**
   * How StackSets moves between regions: the service deploys to one region only (the partition's IAM event
   * region), so this only matters if AWS adds one.
   * @default 'SEQUENTIAL'
   */
  readonly regionConcurrency?: RegionConcurrency;
  /**
   * An email address subscribed to the alarm topic that every account's alarms go to. SNS sends it a
   * confirmation message first.
   * @default - no subscription; subscribe what you like to the topic (output AlarmTopicArn)
   */
  readonly alarmEmail?: string;
  /**
   * The StackSet's name. Each account's stack is then named `StackSet-<name>-<uuid>`.
   * @default 'AutoInstanceProfile'
   */
  readonly stackSetName?: string;
  /**
   * Attach a service control policy to the targeted OUs that denies creating, tagging or untagging instance
   * profiles with `auto-instance-profile:*` tag keys to every principal but the service's roles (the roles on its IAM
   * path, `/auto-instance-profile/`), so that no one else can mark a profile as the service's, and denies creating or
   * changing a role on that path to every principal but the StackSet's execution role. Needs the organization's SCPs
   * enabled; it also stops people from handing a profile over with `release` (which removes our tags).
   * @default false
   */
  readonly tagGuardPolicy?: boolean;
}

/** The organization props with every default filled in, after validation. */
export interface ResolvedOrganizationProps {
  readonly organizationalUnitIds: readonly string[] | undefined;
  readonly callAs: CallAs;
  readonly retainStacksOnAccountRemoval: boolean;
  readonly maxConcurrentPercentage: number;
  readonly failureTolerancePercentage: number;
  readonly regionConcurrency: RegionConcurrency;
  readonly alarmEmail: string | undefined;
  readonly stackSetName: string;
  readonly tagGuardPolicy: boolean;
}

/** The documented defaults. */
export const DEFAULT_ORGANIZATION_PROPS = {
  callAs: 'SELF',
  retainStacksOnAccountRemoval: false,
  maxConcurrentPercentage: 25,
  failureTolerancePercentage: 10,
  regionConcurrency: 'SEQUENTIAL',
  stackSetName: STACK_SET_NAME,
  tagGuardPolicy: false,
} as const satisfies Partial<ResolvedOrganizationProps>;

/** Fills in the defaults and throws an {@link InvalidSettingError} naming the prop if one is invalid. */
export function resolveOrganizationProps(props: OrganizationProps = {}): ResolvedOrganizationProps {
  const resolved: ResolvedOrganizationProps = {
    organizationalUnitIds: props.organizationalUnitIds,
    callAs: props.callAs ?? DEFAULT_ORGANIZATION_PROPS.callAs,
    retainStacksOnAccountRemoval:
      props.retainStacksOnAccountRemoval ?? DEFAULT_ORGANIZATION_PROPS.retainStacksOnAccountRemoval,
    maxConcurrentPercentage: props.maxConcurrentPercentage ?? DEFAULT_ORGANIZATION_PROPS.maxConcurrentPercentage,
    failureTolerancePercentage:
      props.failureTolerancePercentage ?? DEFAULT_ORGANIZATION_PROPS.failureTolerancePercentage,
    regionConcurrency: props.regionConcurrency ?? DEFAULT_ORGANIZATION_PROPS.regionConcurrency,
    alarmEmail: props.alarmEmail,
    stackSetName: props.stackSetName ?? DEFAULT_ORGANIZATION_PROPS.stackSetName,
    tagGuardPolicy: props.tagGuardPolicy ?? DEFAULT_ORGANIZATION_PROPS.tagGuardPolicy,
  };
  validateTargets(resolved.organizationalUnitIds);
  oneOf('callAs', CALL_AS, eitherOr)(resolved.callAs);
  oneOf('regionConcurrency', REGION_CONCURRENCY, eitherOr)(resolved.regionConcurrency);
  wholeNumber('maxConcurrentPercentage', { min: 1, ...PERCENTAGE })(resolved.maxConcurrentPercentage);
  wholeNumber('failureTolerancePercentage', { min: 0, ...PERCENTAGE })(resolved.failureTolerancePercentage);
  if (resolved.alarmEmail !== undefined && !EMAIL.test(resolved.alarmEmail)) {
    throw new InvalidSettingError('alarmEmail', 'must be one email address', JSON.stringify(resolved.alarmEmail));
  }
  if (!STACK_SET_NAME_PATTERN.test(resolved.stackSetName)) {
    throw new InvalidSettingError(
      'stackSetName',
      'must start with a letter and hold only letters, digits and hyphens, at most 128 characters',
      JSON.stringify(resolved.stackSetName),
    );
  }
  return resolved;
}

function validateTargets(ids: readonly string[] | undefined): void {
  if (ids === undefined) return;
  if (ids.length === 0) {
    throw new InvalidSettingError(
      'organizationalUnitIds',
      'must name at least one OU or root (leave it unset for the whole organization)',
      '[]',
    );
  }
  for (const id of ids) {
    if (Token.isUnresolved(id)) continue;
    if (!ORGANIZATIONAL_UNIT_ID.test(id)) {
      throw new InvalidSettingError(
        'organizationalUnitIds',
        'entries must be organizational unit ids (ou-xxxx-xxxxxxxx) or the root id (r-xxxx)',
        JSON.stringify(id),
      );
    }
  }
}
