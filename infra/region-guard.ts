/**
 * IAM is global: its CloudTrail events reach EventBridge only in the partition's IAM event region.
 * A stack anywhere else would deploy cleanly and never see an event, so it must not deploy at all.
 */
import { Aws, CfnRule, Fn, Stack, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { AutoInstanceProfileError } from '../core/errors.js';
import { IAM_EVENT_REGION, ORG_STACK_NAME, STACK_NAME } from '../core/pipeline-settings.js';
import { IAM_EVENT_REGIONS_TEXT, iamEventRegionFor, partitionOf } from '../core/regions.js';

/** The id of the template's Rules entry that carries the check when the region is not known at synth. */
export const REGION_RULE_ID = 'AutoInstanceProfileIamEventRegion';

/** The stack is set to a region where IAM's events never arrive. */
export class WrongRegionError extends AutoInstanceProfileError {
  override name = 'WrongRegionError';
}

/** A stack the app deploys and the command that deploys it, for the guard's message. */
export interface DeployTarget {
  /** The stack's name, e.g. AutoInstanceProfile. */
  readonly stackName: string;
  /** The command that deploys it, e.g. `npm run deploy`. */
  readonly command: string;
  /** Who deploys it this way, e.g. "one account". */
  readonly audience: string;
}

/** The command that deploys the single-account stack, for messages. */
export const DEPLOY_COMMAND = 'npm run deploy';
/** The command that deploys the organization stack, for messages. */
export const DEPLOY_ORG_COMMAND = 'npm run deploy:org';

/** The app's stacks (infra/app.ts), each with the command that deploys it. */
export const APP_STACKS: readonly DeployTarget[] = [
  { stackName: STACK_NAME, command: DEPLOY_COMMAND, audience: 'one account' },
  { stackName: ORG_STACK_NAME, command: DEPLOY_ORG_COMMAND, audience: 'an organization' },
];

/**
 * Refuses a region where IAM's events never arrive for every stack of the app at once, naming each stack with
 * its own command, so that whoever deploys one of them is sent to the command they ran, in the right region.
 * @throws {WrongRegionError} when `region` is not its partition's IAM event region.
 */
export function guardAppRegion(region: string, targets: readonly DeployTarget[]): void {
  const verdict = regionVerdict(region);
  if (verdict === undefined) return;
  const stacks = targets.map((target) => `${target.stackName} (${target.command})`).join(' and ');
  const commands = targets
    .map((target) => `AWS_REGION=${verdict.goTo} ${target.command} for ${target.audience}`)
    .join(', or ');
  throw new WrongRegionError(
    `Stack${targets.length > 1 ? 's' : ''} ${stacks} ${targets.length > 1 ? 'are' : 'is'} set to region ${region}, ` +
      `but IAM's CloudTrail events reach EventBridge only in ${verdict.where}. Deploy there: ${commands}.`,
  );
}

/** Where IAM's events arrive instead of `region`, or undefined when they arrive in `region`. */
function regionVerdict(region: string): { readonly where: string; readonly goTo: string } | undefined {
  const expected = iamEventRegionFor(region);
  if (expected === region) return undefined;
  const where =
    expected === undefined
      ? `one of ${IAM_EVENT_REGIONS_TEXT} (the ${partitionOf(region)} partition is not supported)`
      : `${expected}, the ${partitionOf(region)} partition's IAM event region`;
  return { where, goTo: expected ?? 'us-east-1' };
}

/**
 * Makes sure the stack that holds `scope` can only be deployed where IAM's events arrive.
 * A concrete region is checked now and throws; an environment-agnostic stack gets a CloudFormation
 * Rules assertion, which fails the deploy before any resource is created. The partition comes from the
 * region's name (core/regions.ts), the same table the CLI's `doctor` reads.
 */
export function guardIamEventRegion(scope: IConstruct, deployCommand = DEPLOY_COMMAND): void {
  const stack = Stack.of(scope);
  if (Token.isUnresolved(stack.region)) {
    addRegionRule(stack);
    return;
  }
  const verdict = regionVerdict(stack.region);
  if (verdict === undefined) return;
  throw new WrongRegionError(
    `Stack ${stack.stackName} is set to region ${stack.region}, but IAM's CloudTrail events reach EventBridge only in ${verdict.where}. ` +
      `Deploy it there, for example: AWS_REGION=${verdict.goTo} ${deployCommand}`,
  );
}

function addRegionRule(stack: Stack): void {
  if (stack.node.tryFindChild(REGION_RULE_ID) !== undefined) return;
  new CfnRule(stack, REGION_RULE_ID, {
    assertions: [
      {
        assert: Fn.conditionContains(Object.values(IAM_EVENT_REGION), Aws.REGION),
        assertDescription: `IAM's CloudTrail events reach EventBridge only in the partition's IAM event region: deploy this stack to ${IAM_EVENT_REGIONS_TEXT}.`,
      },
    ],
  });
}
