/**
 * The organization's StackSet as `doctor --org` sees it: its name and CallAs (from the organization stack's
 * outputs, else the defaults, else the options), the OUs it targets, its stack instances per account and
 * region with their status and drift, and the targeted accounts that have no instance.
 *
 * A delegated administrator reads a service-managed StackSet only with `CallAs: DELEGATED_ADMIN`, which the
 * organization stack's `CallAs` output gives when it was deployed that way.
 */
import {
  type CallAs,
  type CloudFormationClient,
  DescribeStackSetCommand,
  paginateListStackInstances,
} from '@aws-sdk/client-cloudformation';
import { ORG_STACK_NAME, ORG_STACK_OUTPUTS, STACK_SET_NAME } from '../../core/pipeline-settings.js';
import { readStack } from '../doctor/probes.js';
import { asAwsAccessError, describeError } from '../errors.js';
import { accountsUnder, asOrganizationsError, type OrgAccount, type OrganizationsSender } from './accounts.js';
import { settingDefaultsOf } from './ou-settings.js';

/** The CloudFormation actions `doctor --org` reads the StackSet with (with CallAs where delegated). */
export const STACK_SET_READ_PERMISSIONS = [
  'cloudformation:DescribeStacks',
  'cloudformation:DescribeStackSet',
  'cloudformation:ListStackInstances',
] as const;

/** One stack instance: an account and region the StackSet deploys to. */
export interface StackInstanceView {
  readonly accountId: string;
  readonly region: string;
  /** CURRENT, OUTDATED or INOPERABLE. */
  readonly status: string;
  /** The instance's detailed status (SUCCEEDED, FAILED, RUNNING …), where CloudFormation gives it. */
  readonly detailedStatus?: string;
  /** DRIFTED, IN_SYNC, NOT_CHECKED or UNKNOWN: drift is known only after a drift detection on the StackSet. */
  readonly drift: string;
  readonly reason?: string;
}

/** Where a StackSet setting came from: its option, the organization stack's output, or the default. */
export type StackSetSettingSource = 'option' | 'organization stack' | 'default';

/** What was read of the StackSet. */
export interface StackSetView {
  readonly name: string;
  readonly callAs: CallAs;
  /**
   * `organization stack` when the organization stack was found (its outputs give what no option does), else
   * `options`; {@link StackSetView.nameFrom} and {@link StackSetView.callAsFrom} say it setting by setting.
   */
  readonly source: 'organization stack' | 'options';
  /** Where the name came from: `--stack-set-name`, the organization stack's `StackSetName` output, or the default. */
  readonly nameFrom: StackSetSettingSource;
  /** Where CallAs came from: `--call-as`, the organization stack's `CallAs` output, or the default (SELF). */
  readonly callAsFrom: StackSetSettingSource;
  /** The OUs (or root) it deploys to. */
  readonly targets: readonly string[];
  readonly instances: readonly StackInstanceView[];
  /**
   * The settings its template takes as parameters, by key, with the organization's value (the parameter's default);
   * an OU's parameter overrides differ from it (core/ou-settings.ts).
   */
  readonly settingDefaults?: Readonly<Record<string, string>>;
  /** Why it could not be read (`StackSetNotFoundException: …`), when it could not. */
  readonly error?: string;
}

/** What `--stack-set-name` and `--call-as` say; each unset one comes from the organization stack, else the default. */
export interface StackSetOptions {
  readonly name?: string | undefined;
  readonly callAs?: CallAs | undefined;
}

/**
 * Reads the StackSet: the organization stack's outputs first (DescribeStacks AutoInstanceProfileOrg), then
 * DescribeStackSet and ListStackInstances. A StackSet that cannot be read is reported in `error`; only an
 * AwsAccessError (the caller's credentials, no connection) is thrown.
 */
export async function readStackSet(
  cloudformation: CloudFormationClient,
  options: StackSetOptions,
): Promise<StackSetView> {
  let name = options.name ?? STACK_SET_NAME;
  let callAs: CallAs = options.callAs ?? 'SELF';
  let source: StackSetView['source'] = 'options';
  let nameFrom: StackSetSettingSource = options.name === undefined ? 'default' : 'option';
  let callAsFrom: StackSetSettingSource = options.callAs === undefined ? 'default' : 'option';
  let targets: string[] = [];
  const view = () => ({ name, callAs, source, nameFrom, callAsFrom, targets });
  try {
    const orgStack = await readStack(cloudformation, ORG_STACK_NAME);
    if (orgStack !== undefined) {
      const outputs = orgStack.outputs;
      const outputName = outputs[ORG_STACK_OUTPUTS.stackSetName];
      const outputCallAs = outputs[ORG_STACK_OUTPUTS.callAs] as CallAs | undefined;
      if (options.name === undefined && outputName !== undefined) [name, nameFrom] = [outputName, 'organization stack'];
      if (options.callAs === undefined && outputCallAs !== undefined) {
        [callAs, callAsFrom] = [outputCallAs, 'organization stack'];
      }
      targets = (outputs[ORG_STACK_OUTPUTS.deploymentTargets] ?? '').split(',').filter((target) => target !== '');
      source = 'organization stack';
    }
    const described = await cloudformation.send(new DescribeStackSetCommand({ StackSetName: name, CallAs: callAs }));
    const describedTargets = described.StackSet?.OrganizationalUnitIds ?? [];
    if (describedTargets.length > 0) targets = describedTargets;
    const settingDefaults = settingDefaultsOf(described.StackSet?.TemplateBody);
    const instances: StackInstanceView[] = [];
    for await (const page of paginateListStackInstances(
      { client: cloudformation },
      { StackSetName: name, CallAs: callAs },
    )) {
      for (const summary of page.Summaries ?? []) {
        instances.push({
          accountId: summary.Account ?? '',
          region: summary.Region ?? '',
          status: summary.Status ?? 'UNKNOWN',
          ...(summary.StackInstanceStatus?.DetailedStatus === undefined
            ? {}
            : { detailedStatus: summary.StackInstanceStatus.DetailedStatus }),
          drift: summary.DriftStatus ?? 'NOT_CHECKED',
          ...(summary.StatusReason === undefined ? {} : { reason: summary.StatusReason }),
        });
      }
    }
    return { ...view(), instances, settingDefaults };
  } catch (error) {
    const access = asAwsAccessError(error, 'DescribeStackSet');
    if (access !== undefined) throw access;
    return { ...view(), instances: [], error: describeError(error) };
  }
}

/**
 * The accounts under the StackSet's targets that have no stack instance, in the organization's order. The
 * management account is left out: service-managed StackSets never deploy to it.
 */
export function accountsWithoutInstance(
  targeted: ReadonlyMap<string, string>,
  view: StackSetView,
  accounts: readonly OrgAccount[],
  managementAccountId: string | undefined,
): OrgAccount[] {
  const deployed = new Set(view.instances.map((instance) => instance.accountId));
  return accounts.filter(
    (account) =>
      targeted.has(account.accountId) && !deployed.has(account.accountId) && account.accountId !== managementAccountId,
  );
}

/**
 * Every account under the StackSet's targets, with the target it is under (the OU whose settings it takes, from
 * `ouSettings`); the first target that holds it, when targets nest.
 */
export async function targetsByAccount(
  org: OrganizationsSender,
  targets: readonly string[],
): Promise<ReadonlyMap<string, string>> {
  try {
    const targeted = new Map<string, string>();
    for (const target of targets) {
      for (const id of await accountsUnder(org, target)) if (!targeted.has(id)) targeted.set(id, target);
    }
    return targeted;
  } catch (error) {
    throw asOrganizationsError(error);
  }
}

/**
 * The StackSet's line of the text report, each setting with where it came from; CallAs only when it was given or read
 * from the organization stack: `StackSet Profiles (the organization stack's output), CallAs DELEGATED_ADMIN (--call-as)`.
 */
export function describeStackSet(view: Pick<StackSetView, 'name' | 'callAs' | 'nameFrom' | 'callAsFrom'>): string {
  const from = (source: StackSetSettingSource, option: string) =>
    source === 'option' ? option : source === 'organization stack' ? "the organization stack's output" : 'the default';
  return (
    `StackSet ${view.name} (${from(view.nameFrom, '--stack-set-name')})` +
    (view.callAsFrom === 'default' ? '' : `, CallAs ${view.callAs} (${from(view.callAsFrom, '--call-as')})`)
  );
}

/** Whether an instance is as it should be: current, and not known to have drifted. */
export function instanceHealthy(instance: StackInstanceView): boolean {
  return instance.status === 'CURRENT' && instance.drift !== 'DRIFTED';
}
